/**
 * The load phases of `npm run bench:ussd`: conversations of accumulated `text`, a closed loop
 * (autocannon) and a paced open loop, with each answer checked and the server's CPU read from /proc.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { post } from './bench-process';

export type Check = (body: string) => boolean;

export interface LoadPlan {
  /** The accumulated `text` of each hop of one conversation. */
  texts: string[];
  connections: number;
  clients: number;
  phonePrefix: string;
  phoneDigits: number;
  rate: number;
  rateDurationS: number;
  timeoutS: number;
}

export interface Conversation {
  sid: string;
  phone: string;
  step: number;
}

const runTag = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let conversations = 0;
export function newConversation(plan: LoadPlan): Conversation {
  const n = conversations++;
  return {
    sid: `ATUid_bench_${runTag}_${n.toString(36)}`,
    phone: plan.phonePrefix + String(n % plan.clients).padStart(plan.phoneDigits, '0'),
    step: 0,
  };
}

export const form = (c: Conversation, text: string) =>
  new URLSearchParams({
    sessionId: c.sid,
    serviceCode: '*384*123#',
    phoneNumber: c.phone,
    networkCode: '61603',
    text,
  }).toString();

// ------------------------------------------------------------------------------------------ results

export interface Bad {
  count: number;
  samples: { step: number; status: number | string; body: string }[];
}
const newBad = (): Bad => ({ count: 0, samples: [] });
function recordBad(bad: Bad, step: number, status: number | string, body: string) {
  bad.count += 1;
  if (bad.samples.length < 5) bad.samples.push({ step, status, body: body.slice(0, 120) });
}

export interface Phase {
  hops: number;
  hopsPerS: number;
  p50: number;
  p99: number;
  max: number;
  bad: Bad;
  cpuUsPerHop: number | null;
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** utime + stime of a process, in ms (Linux /proc; null elsewhere). */
export function cpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // CLK_TCK = 100
  } catch {
    return null;
  }
}
const cpuPerHop = (before: number | null, after: number | null, hops: number) =>
  before === null || after === null || hops === 0 ? null : round(((after - before) * 1000) / hops, 0);

// ----------------------------------------------------------------------------------- load phases

export async function closedLoop(
  plan: LoadPlan,
  port: number,
  screens: Check[],
  seconds: number,
  pid?: number,
): Promise<Phase> {
  const bad = newBad();
  const cpu0 = cpuMs(pid);
  const requests = plan.texts.map((text, step) => ({
    method: 'POST' as const,
    path: '/ussd',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    // One context per connection, reset when the list wraps: step 0 starts a new conversation.
    setupRequest: (req: autocannon.Request, ctx: object) => {
      const c = ctx as Partial<Conversation>;
      if (step === 0 || !c.sid) Object.assign(c, newConversation(plan));
      return { ...req, body: form(c as Conversation, text) };
    },
    onResponse: (status: number, body: string) => {
      if (status !== 200 || !screens[step](body)) recordBad(bad, step, status, body);
    },
  }));
  const res = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: plan.connections,
    duration: seconds,
    timeout: plan.timeoutS,
    requests,
  });
  const hops = res.requests.total;
  for (let i = 0; i < res.errors; i++) recordBad(bad, -1, 'error', 'connection error or timeout');
  return {
    hops,
    hopsPerS: round(hops / res.duration, 0),
    p50: res.latency.p50,
    p99: res.latency.p99,
    max: res.latency.max,
    bad,
    cpuUsPerHop: cpuPerHop(cpu0, cpuMs(pid), hops),
  };
}

/**
 * Open loop: one request every 1000/rate ms whatever the answers do, latency measured from the
 * scheduled send time. A conversation's next hop goes out only after its previous hop was answered;
 * when no conversation is waiting, a new one starts.
 */
export async function pacedLoop(
  plan: LoadPlan,
  port: number,
  screens: Check[],
  pid?: number,
): Promise<Phase> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round(plan.rate * plan.rateDurationS);
  const interval = 1000 / plan.rate;
  const latencies = new Float64Array(total);
  const bad = newBad();
  const ready: Conversation[] = [];
  let answered = 0;
  let sent = 0;
  const cpu0 = cpuMs(pid);
  const t0 = performance.now() + 5;
  await new Promise<void>((resolve) => {
    const safety = setTimeout(resolve, (plan.rateDurationS + plan.timeoutS + 2) * 1000);
    const finish = () => {
      if (++answered === total) {
        clearTimeout(safety);
        resolve();
      }
    };
    const fire = (scheduled: number) => {
      const c = ready.shift() ?? newConversation(plan);
      const step = c.step;
      const body = form(c, plan.texts[step]);
      post(port, body, { agent, timeoutMs: plan.timeoutS * 1000 }).then(
        (res) => {
          latencies[answered] = performance.now() - scheduled;
          if (res.status === 200 && screens[step](res.body)) {
            c.step += 1;
            if (c.step < plan.texts.length) ready.push(c);
          } else {
            recordBad(bad, step, res.status, res.body);
          }
          finish();
        },
        (err: Error) => {
          latencies[answered] = performance.now() - scheduled;
          recordBad(bad, step, 'error', err.message);
          finish();
        },
      );
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
  const sorted = Array.from(latencies.subarray(0, answered)).sort((a, b) => a - b);
  const pct = (p: number) =>
    round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN);
  return {
    hops: answered,
    hopsPerS: round(answered / wallS, 0),
    p50: pct(0.5),
    p99: pct(0.99),
    max: round(sorted[sorted.length - 1] ?? NaN),
    bad,
    cpuUsPerHop: cpuPerHop(cpu0, cpuMs(pid), answered),
  };
}
