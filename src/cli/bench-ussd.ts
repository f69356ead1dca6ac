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
 * Knobs (env): BENCH_WALK=screens|profile BENCH_CONNECTIONS=50 BENCH_WARMUP=5 BENCH_DURATION=15
 *   BENCH_RATE=1000 BENCH_RATE_DURATION=15 BENCH_CLIENTS=2000 BENCH_SERVERS="gateway floor"
 *   BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/tontiflex_bench BENCH_REDIS_URL=redis://127.0.0.1:6379/13
 *   BENCH_NODE_ARGS (extra node flags for both servers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 * `node dist/src/cli/bench-ussd.js floor` runs the floor server alone (PORT, REDIS_URL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import autocannon from 'autocannon';
import Redis from 'ioredis';
import Koa from 'koa';
import { createConnection } from 'mysql2/promise';
import { Like } from 'typeorm';
import { Sfd, User } from '../accounts/entities';
import { seedDemo } from '../accounts/seed';
import { loadConfig } from '../config';
import { systemClock } from '../infra/clock';
import { hashSecret } from '../infra/crypto';
import { openDatabase } from '../infra/db';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const CONNECTIONS = num('BENCH_CONNECTIONS', 50);
const WARMUP_S = num('BENCH_WARMUP', 5);
const DURATION_S = num('BENCH_DURATION', 15);
const RATE = num('BENCH_RATE', 1000);
const RATE_DURATION_S = num('BENCH_RATE_DURATION', 15);
const CLIENTS = num('BENCH_CLIENTS', 2000);
const SERVERS = (process.env.BENCH_SERVERS ?? 'gateway floor').split(/[\s,]+/).filter(Boolean);
const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/tontiflex_bench';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13';
const PHONE_PREFIX = '+22901970';
const PHONE_DIGITS = 5;
const PIN = '4827';
const ROOT = join(__dirname, '..', '..', '..'); // dist/src/cli → project root
const TIMEOUT_S = 10;

type Check = (body: string) => boolean;
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

interface Target {
  name: 'gateway' | 'floor';
  args: string[];
  env: Record<string, string>;
  screens: Check[];
}

interface Conversation {
  sid: string;
  phone: string;
  step: number;
}

const runTag = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let conversations = 0;
function newConversation(): Conversation {
  const n = conversations++;
  return {
    sid: `ATUid_bench_${runTag}_${n.toString(36)}`,
    phone: PHONE_PREFIX + String(n % CLIENTS).padStart(PHONE_DIGITS, '0'),
    step: 0,
  };
}

const form = (c: Conversation, text: string) =>
  new URLSearchParams({
    sessionId: c.sid,
    serviceCode: '*384*123#',
    phoneNumber: c.phone,
    networkCode: '61603',
    text,
  }).toString();

// ------------------------------------------------------------------------------------------ results

interface Bad {
  count: number;
  samples: { step: number; status: number | string; body: string }[];
}
const newBad = (): Bad => ({ count: 0, samples: [] });
function recordBad(bad: Bad, step: number, status: number | string, body: string) {
  bad.count += 1;
  if (bad.samples.length < 5) bad.samples.push({ step, status, body: body.slice(0, 120) });
}

interface Phase {
  hops: number;
  hopsPerS: number;
  p50: number;
  p99: number;
  max: number;
  bad: Bad;
  cpuUsPerHop: number | null;
}

interface Outcome {
  name: string;
  closed: Phase;
  paced: Phase;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** utime + stime of a process, in ms (Linux /proc; null elsewhere). */
function cpuMs(pid: number | undefined): number | null {
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

async function closedLoop(port: number, screens: Check[], seconds: number, pid?: number): Promise<Phase> {
  const bad = newBad();
  const cpu0 = cpuMs(pid);
  const requests = TEXTS.map((text, step) => ({
    method: 'POST' as const,
    path: '/ussd',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    // One context per connection, reset when the list wraps: step 0 starts a new conversation.
    setupRequest: (req: autocannon.Request, ctx: object) => {
      const c = ctx as Partial<Conversation>;
      if (step === 0 || !c.sid) Object.assign(c, newConversation());
      return { ...req, body: form(c as Conversation, text) };
    },
    onResponse: (status: number, body: string) => {
      if (status !== 200 || !screens[step](body)) recordBad(bad, step, status, body);
    },
  }));
  const res = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: TIMEOUT_S,
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
async function pacedLoop(port: number, screens: Check[], pid?: number): Promise<Phase> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round(RATE * RATE_DURATION_S);
  const interval = 1000 / RATE;
  const latencies = new Float64Array(total);
  const bad = newBad();
  const ready: Conversation[] = [];
  let answered = 0;
  let sent = 0;
  const cpu0 = cpuMs(pid);
  const t0 = performance.now() + 5;
  await new Promise<void>((resolve) => {
    const safety = setTimeout(resolve, (RATE_DURATION_S + TIMEOUT_S + 2) * 1000);
    const finish = () => {
      if (++answered === total) {
        clearTimeout(safety);
        resolve();
      }
    };
    const fire = (scheduled: number) => {
      const c = ready.shift() ?? newConversation();
      const step = c.step;
      const body = form(c, TEXTS[step]);
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port,
          path: '/ussd',
          method: 'POST',
          timeout: TIMEOUT_S * 1000,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (data += chunk));
          res.on('end', () => {
            latencies[answered] = performance.now() - scheduled;
            if (res.statusCode === 200 && screens[step](data)) {
              c.step += 1;
              if (c.step < TEXTS.length) ready.push(c);
            } else {
              recordBad(bad, step, res.statusCode ?? 0, data);
            }
            finish();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => {
        latencies[answered] = performance.now() - scheduled;
        recordBad(bad, step, 'error', err.message);
        finish();
      });
      req.end(body);
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

// ----------------------------------------------------------------------------- processes and data

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function post(port: number, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/ussd',
        method: 'POST',
        agent: false,
        timeout: 2_000,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (data += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Child {
  proc: ChildProcess;
  output(): string;
  exited: Promise<void>;
}

function startChild(target: Target, port: number): Child {
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ');
  const proc = spawn(process.execPath, [...nodeArgs.filter(Boolean), ...target.args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...target.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: string) => (out = (out + chunk).slice(-20_000));
  proc.stdout?.setEncoding('utf8').on('data', keep);
  proc.stderr?.setEncoding('utf8').on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('close', () => resolve()));
  return { proc, output: () => out, exited };
}

async function stopChild(child: Child): Promise<void> {
  child.proc.kill('SIGTERM');
  const force = setTimeout(() => child.proc.kill('SIGKILL'), 10_000);
  await child.exited;
  clearTimeout(force);
}

/** The first hop of a conversation answers: the server is up (and warm enough to start). */
async function waitReady(port: number, child: Child): Promise<void> {
  const until = Date.now() + 30_000;
  let gone = false;
  void child.exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`server exited before answering:\n${child.output()}`);
    const res = await post(port, form(newConversation(), '')).catch(() => null);
    if (res?.status === 200) return;
    if (Date.now() > until) throw new Error(`server not ready after 30 s:\n${child.output()}`);
    await sleep(100);
  }
}

/** Database, migrations, demo SFDs, and CLIENTS clients with PIN 4827 (phones +22901970xxxxx). */
async function prepareData(): Promise<void> {
  const url = new URL(MYSQL_URL);
  const database = url.pathname.slice(1);
  const conn = await createConnection(`${url.protocol}//${url.username || 'root'}@${url.host}/`);
  await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4`);
  await conn.end();
  const config = loadConfig({ MYSQL_URL, DEMO_MODE: 'true', LOG_LEVEL: 'warn' });
  const db = await openDatabase(config);
  try {
    await seedDemo({ db, clock: systemClock, config });
    const sfd = await db.manager.findOneOrFail(Sfd, { where: { code: 'CSC' } });
    const existing = new Set(
      (
        await db.manager.find(User, { where: { phone: Like(`${PHONE_PREFIX}%`) }, select: { phone: true } })
      ).map((u) => u.phone),
    );
    const pinHash = await hashSecret(PIN);
    const now = new Date();
    const rows: Partial<User>[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const phone = PHONE_PREFIX + String(i).padStart(PHONE_DIGITS, '0');
      if (existing.has(phone)) continue;
      rows.push({
        phone,
        email: null,
        firstName: `Bench${i}`,
        lastName: 'Client',
        role: 'client',
        sfdId: sfd.id,
        status: 'active',
        language: 'fr',
        passwordHash: null,
        pinHash,
        kycStatus: 'pending',
        idNumberEnc: null,
        phoneVerifiedAt: now,
        createdAt: now,
        updatedAt: now,
      });
    }
    for (let i = 0; i < rows.length; i += 200) await db.manager.insert(User, rows.slice(i, i + 200));
    console.log(`data: ${database} ready, ${existing.size} client(s) existed, ${rows.length} created`);
  } finally {
    await db.destroy();
  }
}

async function flushRedis(): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  await redis.flushdb();
  await redis.quit();
}

/** One conversation by hand, screens printed: the measured walk is what we think it is. */
async function transcript(port: number, screens: Check[]): Promise<void> {
  const c = newConversation();
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
  await flushRedis();
  const port = await freePort();
  const child = startChild(target, port);
  try {
    await waitReady(port, child);
    console.log(`\n=== ${target.name} (pid ${child.proc.pid}, port ${port}) ===`);
    await transcript(port, target.screens);
    await closedLoop(port, target.screens, WARMUP_S);
    await sleep(500);
    const closed = await closedLoop(port, target.screens, DURATION_S, child.proc.pid);
    show(target.name, `closed c=${CONNECTIONS}`, closed);
    await sleep(500);
    const paced = await pacedLoop(port, target.screens, child.proc.pid);
    show(target.name, `paced ${RATE}/s`, paced);
    return { name: target.name, closed, paced };
  } finally {
    await stopChild(child);
  }
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
  const gw = outcomes.find((o) => o.name === 'gateway');
  const floor = outcomes.find((o) => o.name === 'floor');
  if (gw && floor) {
    const ratio = gw.closed.hopsPerS / floor.closed.hopsPerS;
    console.log(
      `\ngateway/floor throughput: ${round(ratio)} (target >= 0.8: ${ratio >= 0.8 ? 'met' : 'NOT met'})`,
    );
  }
  if (gw) {
    console.log(
      `gateway p99 at a paced ${RATE} hops/s: ${gw.paced.p99} ms (target <= 10 ms: ${gw.paced.p99 <= 10 ? 'met' : 'NOT met'})`,
    );
  }
}

async function bench(): Promise<void> {
  await prepareData();
  const targets: Record<string, Target> = {
    gateway: {
      name: 'gateway',
      args: ['dist/src/main.js'],
      env: {
        MYSQL_URL,
        REDIS_URL,
        DEMO_MODE: 'true',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        // The walk stops inside "Mon compte", which leaves a resume point for the phone: phones are
        // reused, and the next dial would rightly show "Session interrompue". A 1 s resume window
        // (the hop still writes it) keeps every measured walk identical.
        USSD_RESUME_S: '1',
      },
      screens: GATEWAY_SCREENS,
    },
    floor: {
      name: 'floor',
      args: [__filename, 'floor'],
      env: { REDIS_URL, NODE_ENV: 'production' },
      screens: FLOOR_SCREENS,
    },
  };
  const outcomes: Outcome[] = [];
  for (const name of SERVERS) {
    const target = targets[name];
    if (!target) throw new Error(`unknown server ${name} (gateway, floor)`);
    outcomes.push(await measure(target));
  }
  table(outcomes);
  if (outcomes.some((o) => o.closed.bad.count + o.paced.bad.count > 0)) process.exitCode = 1;
}

// ----------------------------------------------------------------------------------- the floor

/** The floor: same HTTP stack and form parsing, one GET and one SET EX 180 of a session per hop. */
function floor(): void {
  const redis = new Redis(process.env.REDIS_URL ?? REDIS_URL);
  const app = new Koa();
  const router = new Router();
  router.post('/ussd', async (ctx) => {
    const b = ctx.request.body as Record<string, string | undefined>;
    const key = `floor:s:${b.sessionId ?? ''}`;
    const prev = await redis.get(key);
    const hops = prev ? (JSON.parse(prev) as { hops: number }).hops + 1 : 1;
    await redis.set(key, JSON.stringify({ phone: b.phoneNumber, text: b.text ?? '', hops }), 'EX', 180);
    ctx.type = 'text/plain';
    ctx.body = 'CON ok';
  });
  app.use(bodyParser({ enableTypes: ['json', 'form'] }));
  app.use(router.routes());
  const server = app.listen(Number(process.env.PORT ?? 4300), '127.0.0.1');
  const stop = () => {
    server.close();
    redis
      .quit()
      .catch(() => redis.disconnect())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[2] === 'floor') {
  floor();
} else {
  bench().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}
