import { loadConfigOrExit } from './config';
import { closeDeps } from './infra/open';
import { buildModules, openDeps } from './modules';
import { stopOnSignal } from './infra/shutdown';
import { createLogger } from './infra/logger';
import { startWorkers } from './workers';

/**
 * `npm run worker`: the background work (SMS delivery, reminders, payment reconciliation) in a process
 * of its own, beside app processes started with RUN_WORKERS=false. Several may run: they share the
 * BullMQ queues, and each periodic job takes a Redis lock per tick.
 */
async function main() {
  const config = loadConfigOrExit();
  if (config.embedded || !config.REDIS_URL) {
    // The in-process queue and store live in the app process: there is nothing to share.
    process.stderr.write(
      'npm run worker needs MYSQL_URL and REDIS_URL (embedded mode runs its workers in the app)\n',
    );
    process.exit(78);
  }
  const logger = createLogger(config.LOG_LEVEL);
  const deps = await openDeps(config, logger);
  const modules = buildModules(deps); // every module's jobs, with their purposes and providers
  const workers = await startWorkers(deps, modules.all);
  logger.info({ redis: Boolean(config.REDIS_URL) }, 'TontiFlex worker running');

  stopOnSignal(logger, config.SHUTDOWN_TIMEOUT_MS, 'finishing the jobs in hand', async () => {
    await workers.close();
    await closeDeps(deps);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
