import { createServer } from 'node:http';
import { createApp } from './app';
import { seedDemo } from './accounts/seed';
import { ConfigError, loadConfig } from './config';
import { closeDeps, openDeps } from './infra/open';
import { createLogger } from './infra/logger';
import { User } from './accounts/entities';
import { createNotifications } from './notifications/module';
import { createReminders } from './notifications/reminders-kyc';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const deps = await openDeps(config, logger);

  // Embedded mode seeds demo data on first start; elsewhere only `npm run seed` does.
  if (config.embedded && (await deps.db.manager.count(User)) === 0) {
    const created = await seedDemo(deps);
    logger.info({ created }, 'demo data seeded (password from DEMO_PASSWORD)');
  }

  const { app, payments } = createApp(deps);
  payments.startJobs();
  const notifications = createNotifications(deps);
  notifications.startJobs(); // the SMS delivery worker and the outbox sweeper
  // Scheduled reminders, from REMINDER_HOUR in each SFD's time zone; they stop with the queue.
  await createReminders(deps).start();
  const handle = app.callback();
  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  logger.info(
    { port: config.PORT, embedded: config.embedded, demo: config.demoMode, redis: Boolean(config.REDIS_URL) },
    'TontiFlex gateway listening',
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const force = setTimeout(() => {
      logger.error('shutdown timed out, exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    server.close(() => {
      payments
        .close()
        .then(() => notifications.close())
        .then(() => closeDeps(deps))
        .then(() => {
          logger.info('stopped');
          process.exit(0);
        })
        .catch((err: unknown) => {
          logger.error({ err }, 'error while closing');
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
