/**
 * Load phases over one-shot requests (each request its own job, e.g. a payment webhook): a closed loop
 * of `concurrency` clients sending back to back, and a paced open loop (latency from the scheduled send
 * time: no coordinated omission). Both stop at their time or when `next` has no job left, and read the
 * server's CPU from /proc. The phases of `npm run bench:ussd` (bench-load.ts) walk conversations instead.
 */
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { cpuMs, round, type Bad, type Phase } from './bench-load';
import { post } from './bench-process';

export interface Job {
  path: string;
  body: string;
  headers: Record<string, string>;
  /** The answer is the one expected. */
  check(status: number, body: string): boolean;
}

export interface RequestPlan {
  port: number;
  /** The next job, or null when none is left (the phase ends). */
  next(): Job | null;
  timeoutS: number;
  /** The server's process, for its CPU per request. */
  pid?: number;
}

/**
 * A phase's figures (`hops`: requests that ended, answered or not, within the phase), and of its
 * requests: how many were sent, answered as expected (`ok`), answered otherwise (`wrong`), or left
 * without an answer within the timeout (`timeouts`). `bad` counts wrong answers, timeouts and
 * connection errors. Requests still waiting when a paced phase gives up are in none of these.
 */
export type RequestPhase = Phase & Counts;
interface Counts {
  sent: number;
  ok: number;
  wrong: number;
  timeouts: number;
}
type Tally = Bad & Counts;

const newBad = (): Tally => ({ count: 0, samples: [], sent: 0, ok: 0, wrong: 0, timeouts: 0 });
function recordBad(bad: Tally, status: number | string, body: string) {
  bad.count += 1;
  if (bad.samples.length < 5) bad.samples.push({ step: 0, status, body: body.slice(0, 160) });
}

/** The value at quantile `p` of sorted latencies (nearest rank), rounded to 0.01 ms. */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]);
}

function phase(
  latencies: number[],
  wallS: number,
  { sent, ok, wrong, timeouts, ...bad }: Tally,
  cpu0: number | null,
  pid?: number,
): RequestPhase {
  const sorted = Float64Array.from(latencies).sort();
  const cpu1 = cpuMs(pid);
  const n = latencies.length;
  return {
    hops: n,
    hopsPerS: round(n / wallS, 0),
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: quantile(sorted, 1),
    bad,
    cpuUsPerHop: cpu0 === null || cpu1 === null || n === 0 ? null : round(((cpu1 - cpu0) * 1000) / n, 0),
    sent,
    ok,
    wrong,
    timeouts,
  };
}

function send(plan: RequestPlan, agent: Agent, job: Job, bad: Tally): Promise<void> {
  bad.sent += 1;
  return post(plan.port, job.body, {
    agent,
    path: job.path,
    headers: job.headers,
    timeoutMs: plan.timeoutS * 1000,
  }).then(
    (res) => {
      if (job.check(res.status, res.body)) {
        bad.ok += 1;
      } else {
        bad.wrong += 1;
        recordBad(bad, res.status, res.body);
      }
    },
    (err: Error) => {
      if (err.message.startsWith('no answer within')) bad.timeouts += 1;
      recordBad(bad, 'error', err.message);
    },
  );
}

/** `concurrency` clients, each sending its next job as soon as its previous one is answered. */
export async function closedRequests(
  plan: RequestPlan,
  { concurrency, seconds }: { concurrency: number; seconds: number },
): Promise<RequestPhase> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const bad = newBad();
  const cpu0 = cpuMs(plan.pid);
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const job = plan.next();
      if (!job) return;
      const started = performance.now();
      await send(plan, agent, job, bad);
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const wallS = (performance.now() - t0) / 1000;
  agent.destroy();
  return phase(latencies, wallS, bad, cpu0, plan.pid);
}

/** One job every 1000/rate ms for `seconds`, whatever the answers do. */
export async function pacedRequests(
  plan: RequestPlan,
  { rate, seconds }: { rate: number; seconds: number },
): Promise<RequestPhase> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const bad = newBad();
  const cpu0 = cpuMs(plan.pid);
  const t0 = performance.now() + 5;
  let sent = 0;
  let settled = 0;
  await new Promise<void>((resolve) => {
    const safety = setTimeout(resolve, (seconds + plan.timeoutS + 2) * 1000);
    const done = () => {
      if (++settled === total) {
        clearTimeout(safety);
        resolve();
      }
    };
    const fire = (scheduled: number) => {
      const job = plan.next();
      if (!job) {
        recordBad(bad, 'none', 'no job left to send');
        done();
        return;
      }
      void send(plan, agent, job, bad).then(() => {
        latencies.push(performance.now() - scheduled);
        done();
      });
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && t0 + sent * interval <= now) {
        fire(t0 + sent * interval);
        sent += 1;
      }
      if (sent < total) setTimeout(tick, 1);
    };
    setTimeout(tick, 5);
  });
  const wallS = (performance.now() - t0) / 1000;
  agent.destroy();
  return phase(latencies, wallS, bad, cpu0, plan.pid);
}
