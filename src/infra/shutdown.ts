import type { Logger } from './logger';

/**
 * On SIGTERM or SIGINT, runs `stop` once: exit 0 when it is done ("stopped" logged), 1 if it fails or
 * takes longer than `timeoutMs`. The entry points' one way to shut down.
 */
export function stopOnSignal(
  logger: Logger,
  timeoutMs: number,
  what: string,
  stop: () => Promise<void>,
): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `shutting down: ${what}`);
    const force = setTimeout(() => {
      logger.error('shutdown timed out, exiting');
      process.exit(1);
    }, timeoutMs);
    force.unref();
    stop()
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'error while closing');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
