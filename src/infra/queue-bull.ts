import { Queue, UnrecoverableError, Worker, type JobsOptions } from 'bullmq';
import Redis from 'ioredis';
import type { Logger } from './logger';
import {
  PermanentJobError,
  type AddOptions,
  type JobHandler,
  type JobQueue,
  type NewJob,
  type ProcessOptions,
} from './queue';

/** Every BullMQ key starts with this (BullMQ's default is `bull`), in the db REDIS_URL names. */
export const PREFIX = 'tontiflex';

type RetryPolicy = Pick<ProcessOptions, 'attempts' | 'backoffMs'>;

/**
 * BullMQ on Redis: one BullMQ queue per job name. Two connections of its own, apart from the store's:
 * adding fails fast while Redis is away (the caller logs it, the outbox sweeper adds the job later),
 * while workers must wait for Redis forever (BullMQ requires `maxRetriesPerRequest: null` there).
 *
 * BullMQ reads the retry policy from each job, so `add` takes it from `process` for the same name: a
 * job added before the worker starts in this process runs once, and the outbox sweeper picks it up.
 */
export class BullQueue implements JobQueue {
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, Worker>();
  private readonly policies = new Map<string, RetryPolicy>();
  private consumer: Redis | null = null;

  private constructor(
    private readonly url: string,
    private readonly producer: Redis,
    private readonly logger: Logger,
  ) {}

  static async open(url: string, logger: Logger, timeoutMs = 10_000): Promise<BullQueue> {
    const producer = new Redis(url, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    producer.on('error', (err: Error) => logger.warn({ err: err.message }, 'queue redis connection error'));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        producer.connect(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (err) {
      producer.disconnect();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return new BullQueue(url, producer, logger);
  }

  async add<T>(name: string, data: T, opts: AddOptions = {}): Promise<void> {
    await this.queue(name).add(name, data, this.jobOptions(name, opts));
  }

  async addBulk<T>(jobs: NewJob<T>[]): Promise<void> {
    const byName = new Map<string, NewJob<T>[]>();
    for (const job of jobs) byName.set(job.name, [...(byName.get(job.name) ?? []), job]);
    for (const [name, list] of byName) {
      await this.queue(name).addBulk(
        list.map((job) => ({ name, data: job.data, opts: this.jobOptions(name, job.opts ?? {}) })),
      );
    }
  }

  process<T>(name: string, handler: JobHandler<T>, opts: ProcessOptions): void {
    if (this.workers.has(name)) throw new Error(`jobs '${name}' are already processed`);
    this.policies.set(name, { attempts: opts.attempts, backoffMs: opts.backoffMs });
    this.consumer ??= new Redis(this.url, { maxRetriesPerRequest: null });
    const worker = new Worker<T>(
      name,
      async (job) => {
        const ctx = {
          jobId: job.id ?? '',
          attempt: job.attemptsMade + 1,
          maxAttempts: job.opts.attempts ?? 1,
        };
        try {
          await handler(job.data, ctx);
        } catch (err) {
          // BullMQ's own way to skip the remaining attempts.
          if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
          throw err;
        }
      },
      {
        connection: this.consumer,
        prefix: PREFIX,
        concurrency: opts.concurrency,
        limiter: opts.limiter ? { max: opts.limiter.max, duration: opts.limiter.durationMs } : undefined,
      },
    );
    worker.on('error', (err: Error) => this.logger.warn({ job: name, err: err.message }, 'worker error'));
    worker.on('failed', (job, err) => {
      const attempt = job?.attemptsMade ?? 0;
      const final = !job || attempt >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError;
      const log = { job: name, jobId: job?.id, attempt, err: err.message };
      if (final) this.logger.error(log, 'job failed');
      else this.logger.warn(log, 'job failed, will retry');
    });
    this.workers.set(name, worker);
  }

  /**
   * One BullMQ job scheduler per name (an upsert: every process may call it, and a restart with a new
   * period replaces the old one), worked on here one job at a time. Only a worker taking the current
   * job makes BullMQ create the next, so nothing piles up while every process is down.
   */
  async every(name: string, everyMs: number, handler: () => Promise<unknown>): Promise<void> {
    this.process(
      name,
      async () => {
        await handler();
      },
      { concurrency: 1, attempts: 1, backoffMs: everyMs },
    );
    await this.queue(name).upsertJobScheduler(
      name,
      { every: everyMs },
      { name, data: {}, opts: { removeOnComplete: true, removeOnFail: true } },
    );
  }

  async close(): Promise<void> {
    // Workers first: they finish their running jobs, then nothing takes new ones.
    await Promise.allSettled([...this.workers.values()].map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    for (const redis of [this.consumer, this.producer]) {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    }
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.producer, prefix: PREFIX });
      queue.on('error', (err: Error) => this.logger.warn({ job: name, err: err.message }, 'queue error'));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Finished jobs are removed: the business record (e.g. the outbox row) is the history, and a kept
   * job would hold its id, so the same id could never be added again by a sweeper.
   */
  private jobOptions(name: string, opts: AddOptions): JobsOptions {
    const policy = this.policies.get(name);
    return {
      jobId: opts.jobId,
      delay: opts.delayMs,
      priority: opts.priority,
      attempts: policy?.attempts ?? 1,
      backoff: policy ? { type: 'exponential', delay: policy.backoffMs } : undefined,
      removeOnComplete: true,
      removeOnFail: true,
    };
  }
}
