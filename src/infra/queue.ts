import type { Logger } from './logger';

/**
 * The job queue port: durable BullMQ queues on Redis (queue-bull.ts), or, in embedded mode, an
 * in-process runner with the same semantics (below). Job handlers are the same for both.
 */
export interface AddOptions {
  /** A job with this id that is still waiting, delayed or running makes the add a no-op. */
  jobId?: string;
  delayMs?: number;
  /**
   * 0 or absent: before every prioritized job. Otherwise lower runs first. Bulk work (reminders) takes
   * a priority so that a one-time code queued after 100,000 reminders still leaves at once.
   */
  priority?: number;
}

export interface ProcessOptions {
  concurrency: number;
  /** Runs in all, the first included. */
  attempts: number;
  /** Delay before the first retry, doubled before each next one. */
  backoffMs: number;
  /** At most `max` job starts per `durationMs`, across every worker of the queue. */
  limiter?: { max: number; durationMs: number };
}

export interface JobContext {
  jobId: string;
  /** 1 for the first run. */
  attempt: number;
  maxAttempts: number;
}

export type JobHandler<T> = (data: T, ctx: JobContext) => Promise<void>;

export interface NewJob<T> {
  name: string;
  data: T;
  opts?: AddOptions;
}

export interface JobQueue {
  add<T>(name: string, data: T, opts?: AddOptions): Promise<void>;
  addBulk<T>(jobs: NewJob<T>[]): Promise<void>;
  /** Starts working on `name` in this process. Once per name. */
  process<T>(name: string, handler: JobHandler<T>, opts: ProcessOptions): void;
  /**
   * Runs `handler` about every `everyMs`, the first time soon after the call, until `close`. A run
   * that fails is only logged: the next one comes anyway. With BullMQ every process sharing Redis
   * calls this and one job scheduler feeds them all, so one run happens per period, not one per
   * process; runs must still be idempotent (a slow run may overlap the next period's elsewhere).
   */
  every(name: string, everyMs: number, handler: () => Promise<unknown>): Promise<void>;
  /** Stops taking jobs and waits for the running ones. */
  close(): Promise<void>;
}

/** Thrown by a handler when trying again cannot help: the job ends now. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/** The wait before run `attempt + 1`, BullMQ's 'exponential' formula. */
export function backoffDelay(backoffMs: number, attempt: number): number {
  return backoffMs * 2 ** (attempt - 1);
}

interface Job {
  id: string;
  name: string;
  data: unknown;
  attempt: number;
  priority: number;
}

interface Lane {
  handler?: JobHandler<unknown>;
  opts?: ProcessOptions;
  ready: Job[];
  /** Jobs with a priority, lowest first, in arrival order within one priority: after `ready`. */
  prioritized: Job[];
  active: number;
  /** Start times inside the limiter's window, oldest first. */
  starts: number[];
  wake?: NodeJS.Timeout;
}

/**
 * Embedded mode's queue: jobs live in this process's memory, so a restart loses what was waiting;
 * durable work (the SMS outbox) keeps its truth in the database and a sweeper adds lost jobs again.
 */
export class InProcessQueue implements JobQueue {
  private readonly lanes = new Map<string, Lane>();
  /** Ids of jobs waiting, delayed or running: the jobId dedupe. */
  private readonly known = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly intervals = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  private seq = 0;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  add<T>(name: string, data: T, opts: AddOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new Error('queue closed'));
    const id = opts.jobId ?? `${name}-${++this.seq}`;
    if (this.known.has(id)) return Promise.resolve();
    this.known.add(id);
    const job: Job = { id, name, data, attempt: 1, priority: opts.priority ?? 0 };
    if (opts.delayMs && opts.delayMs > 0) this.later(opts.delayMs, () => this.enqueue(job));
    else this.enqueue(job);
    return Promise.resolve();
  }

  async addBulk<T>(jobs: NewJob<T>[]): Promise<void> {
    for (const job of jobs) await this.add(job.name, job.data, job.opts);
  }

  process<T>(name: string, handler: JobHandler<T>, opts: ProcessOptions): void {
    const lane = this.lane(name);
    if (lane.handler) throw new Error(`jobs '${name}' are already processed`);
    lane.handler = handler as JobHandler<unknown>;
    lane.opts = opts;
    this.pump(name);
  }

  every(name: string, everyMs: number, handler: () => Promise<unknown>): Promise<void> {
    let busy = false; // one run at a time, as BullMQ's single scheduler job gives
    const tick = () => {
      if (busy || this.closed) return;
      busy = true;
      const run = handler()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.error({ job: name, err: (err as Error).message }, 'job failed'))
        .finally(() => {
          busy = false;
          this.running.delete(run);
        });
      this.running.add(run);
    };
    const timer = setInterval(tick, everyMs);
    timer.unref();
    this.intervals.add(timer);
    this.later(0, tick); // the first run now, like BullMQ's `every`
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const timer of this.intervals) clearInterval(timer);
    this.intervals.clear();
    for (const lane of this.lanes.values()) clearTimeout(lane.wake);
    await Promise.allSettled([...this.running]);
  }

  private lane(name: string): Lane {
    let lane = this.lanes.get(name);
    if (!lane) {
      lane = { ready: [], prioritized: [], active: 0, starts: [] };
      this.lanes.set(name, lane);
    }
    return lane;
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    timer.unref(); // a waiting job must not keep a finished process alive
    this.timers.add(timer);
  }

  private enqueue(job: Job): void {
    if (this.closed) return;
    const lane = this.lane(job.name);
    if (job.priority > 0) insertByPriority(lane.prioritized, job);
    else lane.ready.push(job);
    this.pump(job.name);
  }

  /** Starts what concurrency and the limiter allow; when the limiter says wait, comes back then. */
  private pump(name: string): void {
    const lane = this.lane(name);
    const { handler, opts } = lane;
    if (!handler || !opts || this.closed) return;
    while (lane.active < opts.concurrency && lane.ready.length + lane.prioritized.length > 0) {
      const now = this.now();
      const wait = limiterWait(lane, opts, now);
      if (wait > 0) {
        lane.wake ??= setTimeout(() => {
          lane.wake = undefined;
          this.pump(name);
        }, wait).unref();
        return;
      }
      lane.starts.push(now);
      this.start(lane, handler, opts, (lane.ready.shift() ?? lane.prioritized.shift())!);
    }
  }

  private start(lane: Lane, handler: JobHandler<unknown>, opts: ProcessOptions, job: Job): void {
    lane.active += 1;
    const run = this.run(handler, opts, job).finally(() => {
      lane.active -= 1;
      this.running.delete(run);
      this.pump(job.name);
    });
    this.running.add(run);
  }

  private async run(handler: JobHandler<unknown>, opts: ProcessOptions, job: Job): Promise<void> {
    const ctx = { jobId: job.id, attempt: job.attempt, maxAttempts: opts.attempts };
    try {
      await handler(job.data, ctx);
      this.known.delete(job.id);
    } catch (err) {
      const log = { job: job.name, jobId: job.id, attempt: job.attempt, err: (err as Error).message };
      if (err instanceof PermanentJobError || job.attempt >= opts.attempts || this.closed) {
        this.known.delete(job.id);
        this.logger.error(log, 'job failed');
        return;
      }
      const delay = backoffDelay(opts.backoffMs, job.attempt);
      this.logger.warn({ ...log, retryInMs: delay }, 'job failed, will retry');
      this.later(delay, () => this.enqueue({ ...job, attempt: job.attempt + 1 }));
    }
  }
}

/** Binary insertion after every job of the same or a lower priority: FIFO within one priority. */
function insertByPriority(list: Job[], job: Job): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].priority <= job.priority) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, job);
}

/** 0 when a job may start now, else how long until the oldest start leaves the window. */
function limiterWait(lane: Lane, opts: ProcessOptions, now: number): number {
  const limiter = opts.limiter;
  if (!limiter) return 0;
  while (lane.starts.length > 0 && lane.starts[0] <= now - limiter.durationMs) lane.starts.shift();
  return lane.starts.length < limiter.max ? 0 : lane.starts[0] + limiter.durationMs - now;
}
