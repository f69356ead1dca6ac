import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { InProcessQueue, type JobQueue } from '../../../src/infra/queue';
import { BullQueue } from '../../../src/infra/queue-bull';
import { embedded, testEnv } from '../../helpers/app';
import { sleep, waitFor } from '../../helpers/stubs/provider-kit';

/** The queue port's schedules and priorities, on both adapters (as queue.test.ts does the rest). */
const logger = pino({ level: 'silent' });
const adapters: [string, () => Promise<JobQueue>][] = [
  ['InProcessQueue', async () => new InProcessQueue(logger)],
];
if (!embedded) {
  adapters.push(['BullQueue', async () => BullQueue.open((await testEnv()).REDIS_URL, logger)]);
}

describe.each(adapters)('%s', (_name, open) => {
  let queue: JobQueue;
  let name: string;

  beforeEach(async () => {
    queue = await open();
    name = `test-${randomBytes(4).toString('hex')}`;
  });
  afterEach(() => queue.close());

  it('every: runs at once, then every period, one run at a time, and stops on close', async () => {
    const starts: number[] = [];
    let running = 0;
    let most = 0;
    const called = Date.now();
    await queue.every(name, 100, async () => {
      starts.push(Date.now());
      running += 1;
      most = Math.max(most, running);
      await sleep(150); // longer than the period: the next run waits
      running -= 1;
    });
    await waitFor(() => starts.length >= 4, 5000);
    expect(starts[0] - called).toBeLessThan(1000);
    expect(most).toBe(1);
    await queue.close();
    const seen = starts.length;
    await sleep(400);
    expect(starts.length).toBe(seen);
    queue = await open(); // for afterEach
  });

  it('every: a failing run is logged and the next one still comes', async () => {
    let runs = 0;
    await queue.every(name, 50, () => {
      runs += 1;
      return Promise.reject(new Error('down'));
    });
    await waitFor(() => runs >= 3, 5000);
  });

  it('runs jobs without a priority first, then by priority, in arrival order within one', async () => {
    const order: string[] = [];
    await queue.add(name, { n: 'bulk-1' }, { priority: 10 });
    await queue.add(name, { n: 'bulk-2' }, { priority: 10 });
    await queue.add(name, { n: 'code' });
    await queue.add(name, { n: 'medium' }, { priority: 5 });
    await queue.addBulk([{ name, data: { n: 'bulk-3' }, opts: { priority: 10 } }]);
    await queue.add(name, { n: 'receipt' });
    queue.process<{ n: string }>(name, async ({ n }) => void order.push(n), {
      concurrency: 1,
      attempts: 1,
      backoffMs: 10,
    });
    await waitFor(() => order.length === 6, 5000);
    expect(order).toEqual(['code', 'receipt', 'medium', 'bulk-1', 'bulk-2', 'bulk-3']);
  });
});
