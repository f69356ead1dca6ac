import { randomBytes } from 'node:crypto';
import pino from 'pino';
import {
  InProcessQueue,
  PermanentJobError,
  type JobContext,
  type JobQueue,
  type ProcessOptions,
} from '../../../src/infra/queue';
import { BullQueue } from '../../../src/infra/queue-bull';
import { embedded, testEnv } from '../../helpers/app';
import { sleep, waitFor } from '../../helpers/stubs/provider-kit';

/** One contract, two adapters: BullMQ on Redis (not in the embedded run) and the in-process runner. */
const logger = pino({ level: 'silent' });
const adapters: [string, () => Promise<JobQueue>][] = [
  ['InProcessQueue', async () => new InProcessQueue(logger)],
];
if (!embedded) {
  adapters.push(['BullQueue', async () => BullQueue.open((await testEnv()).REDIS_URL, logger)]);
}

const base: ProcessOptions = { concurrency: 1, attempts: 1, backoffMs: 10 };

describe.each(adapters)('%s', (_name, open) => {
  let queue: JobQueue;
  let name: string;

  beforeEach(async () => {
    queue = await open();
    name = `test-${randomBytes(4).toString('hex')}`; // BullMQ keys outlive a run: a fresh queue each test
  });
  afterEach(() => queue.close());

  /** Registers a handler that records its runs and behaves as `behave` says. */
  function record(
    opts: Partial<ProcessOptions>,
    behave: (ctx: JobContext) => Promise<void> = async () => {},
  ) {
    const runs: { data: unknown; ctx: JobContext; at: number }[] = [];
    queue.process(
      name,
      async (data, ctx) => {
        runs.push({ data, ctx, at: Date.now() });
        await behave(ctx);
      },
      { ...base, ...opts },
    );
    return runs;
  }

  it('runs a job with its data, once', async () => {
    const runs = record({});
    await queue.add(name, { id: 7 });
    await waitFor(() => runs.length === 1);
    await sleep(50);
    expect(runs).toEqual([
      {
        data: { id: 7 },
        ctx: expect.objectContaining({ attempt: 1, maxAttempts: 1 }),
        at: expect.any(Number),
      },
    ]);
  });

  it('retries a failing job with exponential backoff, then stops at `attempts`', async () => {
    const runs = record({ attempts: 3, backoffMs: 60 }, () => Promise.reject(new Error('down')));
    await queue.add(name, {});
    await waitFor(() => runs.length === 3, 5000);
    await sleep(400);
    expect(runs.map((r) => r.ctx.attempt)).toEqual([1, 2, 3]);
    expect(runs[1].at - runs[0].at).toBeGreaterThanOrEqual(55);
    expect(runs[2].at - runs[1].at).toBeGreaterThanOrEqual(115);
  });

  it('ends a job at once on PermanentJobError', async () => {
    const runs = record({ attempts: 5 }, () => Promise.reject(new PermanentJobError('refused')));
    await queue.add(name, {});
    await waitFor(() => runs.length === 1);
    await sleep(300);
    expect(runs).toHaveLength(1);
  });

  it('ignores a job whose id is still waiting or running', async () => {
    const runs = record({}, async () => void (await sleep(100)));
    await queue.add(name, { n: 1 }, { jobId: 'same' });
    await queue.add(name, { n: 2 }, { jobId: 'same' });
    await waitFor(() => runs.length === 1);
    await queue.add(name, { n: 3 }, { jobId: 'same' }); // running now
    await sleep(300);
    expect(runs.map((r) => r.data)).toEqual([{ n: 1 }]);
  });

  it('runs at most `concurrency` jobs at a time and waits for them on close', async () => {
    let running = 0;
    let most = 0;
    let finished = 0;
    record({ concurrency: 2 }, async () => {
      running += 1;
      most = Math.max(most, running);
      await sleep(80);
      running -= 1;
      finished += 1;
    });
    for (let i = 0; i < 4; i++) await queue.add(name, { i });
    await waitFor(() => finished >= 2, 5000);
    expect(most).toBe(2);
    await waitFor(() => running > 0, 5000);
    await queue.close();
    expect(running).toBe(0); // close waited for the running jobs
    queue = await open(); // for afterEach
  });

  it('starts at most `limiter.max` jobs per `limiter.durationMs`', async () => {
    const runs = record({ concurrency: 5, limiter: { max: 2, durationMs: 400 } });
    for (let i = 0; i < 5; i++) await queue.add(name, { i });
    await waitFor(() => runs.length === 5, 5000);
    const at = runs.map((r) => r.at).sort((a, b) => a - b);
    // BullMQ counts its window on the Redis clock from when a job is fetched, the test sees the start a
    // little later: a margin of a quarter of the window (unlimited, all five would start within ms).
    for (let i = 2; i < at.length; i++) expect(at[i] - at[i - 2]).toBeGreaterThanOrEqual(300);
  });

  it('holds a delayed job back', async () => {
    const runs = record({});
    const added = Date.now();
    await queue.add(name, {}, { delayMs: 200 });
    await waitFor(() => runs.length === 1, 5000);
    expect(runs[0].at - added).toBeGreaterThanOrEqual(195);
  });
});
