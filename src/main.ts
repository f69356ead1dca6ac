import { createServer } from 'node:http';
import { createApp } from './app';
import { seedDemo } from './accounts/seed';
import { loadConfigOrExit, unauthenticatedCallbacks } from './config';
import { closeDeps, openDeps } from './infra/open';
import { stopOnSignal } from './infra/shutdown';
import { createLogger } from './infra/logger';
import { User } from './accounts/entities';
import { startWorkers } from './workers';

async function main() {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL);
  const deps = await openDeps(config, logger);

  // Embedded mode seeds demo data on first start; elsewhere only `npm run seed` does.
  if (config.embedded && (await deps.db.manager.count(User)) === 0) {
    const created = await seedDemo(deps);
    logger.info({ created }, 'demo data seeded (password from DEMO_PASSWORD)');
  }

  const { app, payments } = createApp(deps);
  // RUN_WORKERS=false when `npm run worker` processes do the background work (worker.ts).
  const workers = config.RUN_WORKERS ? await startWorkers(deps, payments) : null;
  const handle = app.callback();
  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  logger.info(
    { port: config.PORT, embedded: config.embedded, demo: config.demoMode, redis: Boolean(config.REDIS_URL) },
    'TontiFlex gateway listening',
  );
  const open = unauthenticatedCallbacks(config);
  if (open.length > 0) {
    logger.warn(
      { callbacks: open },
      'ALLOW_UNAUTHENTICATED_CALLBACKS: these callbacks take requests without a token; anyone who reaches them can act for any phone',
    );
  }

  stopOnSignal(
    logger,
    config.SHUTDOWN_TIMEOUT_MS,
    'no new connections, finishing in-flight requests',
    async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await (workers ?? payments).close();
      await closeDeps(deps);
    },
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
