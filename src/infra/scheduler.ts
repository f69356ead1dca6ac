import { randomUUID } from 'node:crypto';
import type { KeyValueStore } from './kv';
import type { Logger } from './logger';

/**
 * Periodic jobs run inside the app process. With several processes sharing Redis, a lock (SET NX with
 * a TTL) lets one process run each tick; the jobs themselves are idempotent, so a lost lock costs only
 * duplicate work. The durable queue (BullMQ) arrives with the SMS outbox.
 */
export class Scheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly kv: KeyValueStore,
    private readonly logger: Logger,
  ) {}

  every(name: string, intervalMs: number, job: () => Promise<unknown>): void {
    const owner = randomUUID();
    const tick = async () => {
      if (this.kv.redis) {
        const got = await this.kv.redis.set(
          `job:lock:${name}`,
          owner,
          'PX',
          Math.max(1000, intervalMs - 500),
          'NX',
        );
        if (got !== 'OK') return;
      }
      const started = Date.now();
      const result = await job();
      this.logger.debug({ job: name, ms: Date.now() - started, result }, 'job done');
    };
    const timer = setInterval(() => {
      const run = tick()
        .catch((err: unknown) => this.logger.error({ err, job: name }, 'job failed'))
        .finally(() => this.running.delete(run));
      this.running.add(run);
    }, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  /** Stops scheduling and waits for the runs in progress. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.allSettled([...this.running]);
  }
}
