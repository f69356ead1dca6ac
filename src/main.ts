import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import type { Deps } from './deps';
import { demoLogins, hasNoUsers, seedDemo } from './accounts/seed';
import { loadConfigOrExit, unauthenticatedCallbacks } from './config';
import { closeDeps } from './infra/open';
import { openDeps } from './modules';
import { stopOnSignal } from './infra/shutdown';
import { createLogger } from './infra/logger';
import { startWorkers } from './workers';

async function main() {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL);
  const deps = await openDeps(config, logger);

  // Embedded mode seeds demo data on first start; elsewhere only `npm run seed` does.
  if (config.embedded && (await hasNoUsers(deps))) {
    const created = await seedDemo(deps);
    logger.info({ created }, 'demo data seeded (password from DEMO_PASSWORD)');
  }

  const { app, modules } = createApp(deps);
  // RUN_WORKERS=false when `npm run worker` processes do the background work (worker.ts).
  const workers = config.RUN_WORKERS ? await startWorkers(deps, modules.all) : null;
  const handle = app.callback();
  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  logger.info(
    { port: config.PORT, embedded: config.embedded, demo: config.demoMode, redis: Boolean(config.REDIS_URL) },
    'TontiFlex gateway listening',
  );
  if (config.embedded) await logWhereToGo(deps, server);
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
      if (workers) await workers.close();
      else for (const m of modules.all) await m.close?.();
      await closeDeps(deps);
    },
  );
}

/**
 * Embedded mode's start tells a newcomer where to go: the web phone, the API and the demo logins. The
 * password is named by its setting, never printed: DEMO_PASSWORD may have been changed.
 */
async function logWhereToGo(deps: Deps, server: Server): Promise<void> {
  const { port } = server.address() as AddressInfo;
  const host = ['0.0.0.0', '::', ''].includes(deps.config.HOST) ? '127.0.0.1' : deps.config.HOST;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const logins = await demoLogins(deps);
  deps.logger.info(
    {
      web_phone: `${base}/simulator`,
      api: `${base}/api/`,
      demo_logins: logins,
    },
    [
      `web phone (USSD simulator, with the SMS its number receives): ${base}/simulator`,
      `API: ${base}/api/ (API docs: see README)`,
      `demo logins: ${logins.join(', ') || 'none (npm run seed)'}; password: DEMO_PASSWORD (default tontiflex-demo)`,
    ].join(' | '),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
