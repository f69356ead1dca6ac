/**
 * `npm run bench:ussd`: USSD hop throughput and latency of ONE gateway process against real Redis and
 * MySQL, beside a floor measured in the same run: a bare Koa server parsing the same form
 * (@koa/bodyparser, @koa/router) and doing one Redis GET and one SET (EX 180) per request.
 *
 * Each server runs as its own child process, one after the other (never both at once), on this host:
 * a warm-up, a closed loop (autocannon, N connections), then a paced open loop (one request every
 * 1000/RATE ms over keep-alive, latency from the scheduled send time: no coordinated omission).
 *
 * The gateway's measured conversation, by a seeded client (fresh sessionId each time), all CON
 * (BENCH_WALK picks it):
 * - `screens` (the default): '' (main menu) → '6' (my account) → '6*1' (language screen) → '6*1*0'
 *   (back) → '6*1*0*2' (current PIN screen). Screens only, no invoked service: the walk comparable to
 *   a framework's menu conversation that touches no database; the first hop still looks the caller up
 *   in MySQL (one query per 5 hops).
 * - `profile`: '' (main menu) → '6' (my account) → '6*4' (my information: loads the profile)
 *   → '6*4*0' (back) → '6*4*0*1' (language screen). Two MySQL queries per 5 hops (the caller, the
 *   profile) and one invoked service.
 *
 * Knobs (env): BENCH_ROUNDS=1 (gateway and floor alternate; the summary takes medians)
 *   BENCH_WALK=screens|profile BENCH_CONNECTIONS=50 BENCH_WARMUP=5 BENCH_DURATION=15
 *   BENCH_RATE=1000 BENCH_RATE_DURATION=15 BENCH_CLIENTS=20000 BENCH_SERVERS="gateway floor"
 *   BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/tontiflex_bench BENCH_REDIS_URL=redis://127.0.0.1:6379/13
 *   BENCH_NODE_ARGS (extra node flags for both servers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 * `node dist/src/cli/bench-floor.js` runs the floor server alone (PORT, REDIS_URL).
 */
import {
  closedLoop,
  form,
  newConversation,
  pacedLoop,
  round,
  type Check,
  type LoadPlan,
  type Phase,
} from './bench-load';
import { join } from 'node:path';
import { flushRedis, prepareData } from './bench-data';
import { freePort, post, sleep, startChild, stopChild, waitReady } from './bench-process';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const CONNECTIONS = num('BENCH_CONNECTIONS', 50);
const WARMUP_S = num('BENCH_WARMUP', 5);
const DURATION_S = num('BENCH_DURATION', 15);
const RATE = num('BENCH_RATE', 1000);
const RATE_DURATION_S = num('BENCH_RATE_DURATION', 15);
const CLIENTS = num('BENCH_CLIENTS', 20_000);
const ROUNDS = num('BENCH_ROUNDS', 1);
const SERVERS = (process.env.BENCH_SERVERS ?? 'gateway floor').split(/[\s,]+/).filter(Boolean);
const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/tontiflex_bench';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13';
const PHONE_PREFIX = '+22901970';
const PHONE_DIGITS = 5;
const ROOT = join(__dirname, '..', '..', '..'); // dist/src/cli → project root
const TIMEOUT_S = 10;
/**
 * Node flags of both servers: the gateway's production flags (package.json `start`, Dockerfile). With
 * V8's default 16 MB semi-space, the scavenges came every ~13 ms under load and V8 pretenured the
 * allocation sites whose objects were in flight at them: old-generation garbage and mark-compacts, a
 * third more CPU per hop (README, "Benchmarks"). The floor gets the same flags, so the comparison stays
 * like for like (they change nothing measurable for it).
 */
const SERVER_NODE_ARGS = ['--max-semi-space-size=32'];

interface Walk {
  inputs: string[];
  /** The gateway's expected screen after each hop. */
  screens: Check[];
}
const WALKS: Record<string, Walk> = {
  screens: {
    inputs: ['6', '1', '0', '2'],
    screens: [
      (b) => b.startsWith('CON TontiFlex\n'), // main menu (the caller looked up in MySQL)
      (b) => b.startsWith('CON Mon compte\n'),
      (b) => b.startsWith('CON Langue\n'),
      (b) => b.startsWith('CON Mon compte\n'), // back
      (b) => b.startsWith('CON Entrez votre PIN actuel:'),
    ],
  },
  profile: {
    inputs: ['6', '4', '0', '1'],
    screens: [
      (b) => b.startsWith('CON TontiFlex\n'), // main menu
      (b) => b.startsWith('CON Mon compte\n'),
      (b) => b.startsWith('CON ') && b.includes('\nSFD: '), // the profile, from MySQL
      (b) => b.startsWith('CON Mon compte\n'), // back
      (b) => b.startsWith('CON Langue\n'),
    ],
  },
};
const WALK_NAME = process.env.BENCH_WALK ?? 'screens';
const WALK = WALKS[WALK_NAME];
if (!WALK) throw new Error(`unknown BENCH_WALK ${WALK_NAME} (${Object.keys(WALKS).join(', ')})`);

/** The conversation: accumulated `text` of each hop. */
const TEXTS = WALK.inputs.reduce<string[]>((acc, x, i) => [...acc, i === 0 ? x : `${acc[i]}*${x}`], ['']);
const GATEWAY_SCREENS = WALK.screens;
const FLOOR_SCREENS: Check[] = TEXTS.map(() => (b: string) => b === 'CON ok');
const PLAN: LoadPlan = {
  texts: TEXTS,
  connections: CONNECTIONS,
  clients: CLIENTS,
  phonePrefix: PHONE_PREFIX,
  phoneDigits: PHONE_DIGITS,
  rate: RATE,
  rateDurationS: RATE_DURATION_S,
  timeoutS: TIMEOUT_S,
};

interface Target {
  name: 'gateway' | 'floor';
  args: string[];
  env: Record<string, string>;
  screens: Check[];
}

interface Outcome {
  name: string;
  closed: Phase;
  paced: Phase;
}

/** One conversation by hand, screens printed: the measured walk is what we think it is. */
async function transcript(port: number, screens: Check[]): Promise<void> {
  const c = newConversation(PLAN);
  for (const [step, text] of TEXTS.entries()) {
    const res = await post(port, form(c, text));
    const ok = res.status === 200 && screens[step](res.body);
    console.log(
      `  > text="${text}" [${res.status}] ${ok ? 'ok' : 'UNEXPECTED'}: ${JSON.stringify(res.body)}`,
    );
    if (!ok) throw new Error(`unexpected answer at hop ${step}`);
  }
}

async function measure(target: Target): Promise<Outcome> {
  await flushRedis(REDIS_URL);
  const port = await freePort();
  const child = startChild(target, port, ROOT);
  try {
    await waitReady(port, child, () => form(newConversation(PLAN), ''));
    console.log(`\n=== ${target.name} (pid ${child.proc.pid}, port ${port}) ===`);
    await transcript(port, target.screens);
    await closedLoop(PLAN, port, target.screens, WARMUP_S);
    await sleep(500);
    const closed = await closedLoop(PLAN, port, target.screens, DURATION_S, child.proc.pid);
    show(target.name, `closed c=${CONNECTIONS}`, closed);
    await sleep(500);
    const paced = await pacedLoop(PLAN, port, target.screens, child.proc.pid);
    show(target.name, `paced ${RATE}/s`, paced);
    return { name: target.name, closed, paced };
  } finally {
    await stopChild(child);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function show(name: string, label: string, p: Phase) {
  console.log(
    `[${name}] ${label}: ${p.hopsPerS} hops/s, p50 ${p.p50} ms, p99 ${p.p99} ms, max ${p.max} ms, ` +
      `errors ${p.bad.count}, server CPU ${p.cpuUsPerHop ?? '-'} us/hop`,
  );
  for (const s of p.bad.samples) console.log(`    bad: hop ${s.step} ${s.status} ${JSON.stringify(s.body)}`);
}

function table(outcomes: Outcome[]) {
  const rows = [
    '| server | closed hops/s | p50 ms | p99 ms | CPU us/hop | errors | paced hops/s | p50 ms | p99 ms | max ms | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...outcomes
      .map(({ name, closed: c, paced: p }) =>
        [
          name,
          c.hopsPerS,
          c.p50,
          c.p99,
          c.cpuUsPerHop ?? '-',
          c.bad.count,
          p.hopsPerS,
          p.p50,
          p.p99,
          p.max,
          p.bad.count,
        ].join(' | '),
      )
      .map((r) => `| ${r} |`),
  ];
  console.log(`\n${rows.join('\n')}`);
  console.log(
    `closed = autocannon, ${CONNECTIONS} connections, ${DURATION_S} s after a ${WARMUP_S} s warm-up; ` +
      `paced = one hop every ${round(1000 / RATE, 3)} ms for ${RATE_DURATION_S} s, latency from the scheduled send. ` +
      `Each hop is one of the 5 of the ${WALK_NAME} walk: '${TEXTS.join("' → '")}'.`,
  );
  // With several rounds (BENCH_ROUNDS), each round's ratio compares two neighbouring runs, and the
  // medians resist this shared machine's drift between runs.
  const gws = outcomes.filter((o) => o.name === 'gateway');
  const floors = outcomes.filter((o) => o.name === 'floor');
  const of = gws.length > 1 ? ` (median of ${gws.length} rounds)` : '';
  if (gws.length > 0 && gws.length === floors.length) {
    const ratio = median(gws.map((g, i) => g.closed.hopsPerS / floors[i].closed.hopsPerS));
    console.log(
      `\ngateway/floor throughput: ${round(ratio)}${of} (target >= 0.8: ${ratio >= 0.8 ? 'met' : 'NOT met'})`,
    );
  }
  if (gws.length > 0) {
    const p99 = median(gws.map((g) => g.paced.p99));
    console.log(
      `gateway p99 at a paced ${RATE} hops/s: ${p99} ms${of} (target <= 10 ms: ${p99 <= 10 ? 'met' : 'NOT met'})`,
    );
  }
}

async function bench(): Promise<void> {
  await prepareData({
    mysqlUrl: MYSQL_URL,
    clients: CLIENTS,
    phonePrefix: PHONE_PREFIX,
    phoneDigits: PHONE_DIGITS,
  });
  const targets: Record<string, Target> = {
    gateway: {
      name: 'gateway',
      args: [...SERVER_NODE_ARGS, 'dist/src/main.js'],
      env: {
        MYSQL_URL,
        REDIS_URL,
        DEMO_MODE: 'true',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        // The walk stops inside "Mon compte", which leaves a resume point for the phone: phones are
        // reused, and the next dial would rightly show "Session interrompue". A 1 s resume window
        // (the hop still writes it) keeps every measured walk identical, as long as a phone dials again
        // more than 1 s later: 20,000 phones at 5 hops a walk allow up to 100,000 hops/s.
        USSD_RESUME_S: '1',
      },
      screens: GATEWAY_SCREENS,
    },
    floor: {
      name: 'floor',
      args: [...SERVER_NODE_ARGS, join(__dirname, 'bench-floor.js')],
      env: { REDIS_URL, NODE_ENV: 'production' },
      screens: FLOOR_SCREENS,
    },
  };
  const outcomes: Outcome[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of SERVERS) {
      const target = targets[name];
      if (!target) throw new Error(`unknown server ${name} (gateway, floor)`);
      outcomes.push(await measure(target));
    }
  }
  table(outcomes);
  if (outcomes.some((o) => o.closed.bad.count + o.paced.bad.count > 0)) process.exitCode = 1;
}

bench().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
