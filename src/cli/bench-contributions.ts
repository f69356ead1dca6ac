/**
 * `npm run bench:contributions`: tontine contributions confirmed end to end by ONE gateway process on
 * MariaDB, beside a floor measured in the same run. Per contribution: KKiaPay's webhook
 * (POST /api/payments/webhook, `x-kkiapay-secret`) for a pending payment of purpose cotisation_tontine,
 * the gateway re-verifies it with a KKiaPay stub on 127.0.0.1 (bench-kkiapay.ts, in this process) and
 * settles it: payment status, cotisation, carnet, participant, ledger entry with postings and balances,
 * audit row, SMS receipt in the outbox (and its BullMQ hand-off). The floor (bench-contrib-floor.ts) takes
 * the same webhook over the same Koa stack, makes the same verify call and writes the same rows with
 * hand-written SQL in one transaction per contribution.
 *
 * Data: a dedicated database (dropped and made again), the demo SFDs, then in bulk SQL one tontine of
 * SFD CSC and, per payment to send, a client, a participant (carnet under way: 0 to 30 boxes paid, so
 * some payments open a new cycle and pay its commission box), their tontine account and a pending
 * payment for 1 to 3 days. Every webhook is for a distinct payment of a distinct participant.
 *
 * Each server runs as its own child process, one after the other (never both at once): one webhook by
 * hand (its rows checked), a warm-up, a closed loop (BENCH_CONNECTIONS clients back to back:
 * contributions/s), a paced open loop (BENCH_RATE/s, latency from the scheduled send: p99), then the rows
 * of every payment it was sent are counted. The gateway runs without its workers (RUN_WORKERS=false, as
 * beside `npm run worker` processes): the SMS jobs wait in Redis.
 *
 * Knobs (env): BENCH_ROUNDS=1 (gateway and floor alternate; the summary takes medians)
 *   BENCH_CONNECTIONS=32 BENCH_WARMUP=3 BENCH_DURATION=10 BENCH_CLOSED_MAX=12000 (payments per closed
 *   loop) BENCH_RATE=200 BENCH_RATE_DURATION=10 BENCH_SERVERS="gateway floor" BENCH_KEEP=0
 *   BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/tontiflex_bench_contrib BENCH_REDIS_URL=redis://127.0.0.1:6379/12
 *   BENCH_NODE_ARGS (extra node flags for both servers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection, type Connection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import { flushRedis, prepareData } from './bench-data';
import { cpuMs, round } from './bench-load';
import { benchTransactionId, BENCH_KEYS, startKkiapayStub } from './bench-kkiapay';
import { freePort, post, sleep, startChild, stopChild, type Child } from './bench-process';
import {
  closedRequests,
  pacedRequests,
  type Job,
  type RequestPhase,
  type RequestPlan,
} from './bench-requests';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const CONNECTIONS = num('BENCH_CONNECTIONS', 32);
const WARMUP_S = num('BENCH_WARMUP', 3);
const DURATION_S = num('BENCH_DURATION', 10);
const CLOSED_MAX = num('BENCH_CLOSED_MAX', 12_000);
const RATE = num('BENCH_RATE', 200);
const RATE_DURATION_S = num('BENCH_RATE_DURATION', 10);
const ROUNDS = num('BENCH_ROUNDS', 1);
const SERVERS = (process.env.BENCH_SERVERS ?? 'gateway floor').split(/[\s,]+/).filter(Boolean);
const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/tontiflex_bench_contrib';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/12';
const KEEP = process.env.BENCH_KEEP === '1';
const ROOT = join(__dirname, '..', '..', '..'); // dist/src/cli → project root
const PHONE_PREFIX = '+2290196';
const PHONE_DIGITS = 6;
const SECRET = 'tontiflex-bench-webhook-secret';
const WEBHOOK = '/api/payments/webhook';
const TIMEOUT_S = 10;
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 30;
/** The gateway's production node flags (package.json `start`); the floor gets the same. */
const SERVER_NODE_ARGS = ['--max-semi-space-size=32'];

/** Payments each measurement uses: one by hand, the warm-up's, the closed loop's, the paced loop's. */
const WARMUP_MAX = Math.min(CLOSED_MAX, Math.ceil(WARMUP_S * 1000));
const PACED_N = Math.round(RATE * RATE_DURATION_S);
const PER_MEASURE = 1 + WARMUP_MAX + CLOSED_MAX + PACED_N;

interface Payment {
  id: number;
  reference: string;
  amount: number;
}

interface Target {
  name: 'gateway' | 'floor';
  args: string[];
  env: Record<string, string>;
}

interface Rows {
  sent: number;
  /** Answered "ok": each must be settled. The others sent (unanswered) may be or not. */
  ok: number;
  paid: number;
  cotisations: number;
  entries: number;
  receipts: number;
}

interface Outcome {
  name: string;
  closed: RequestPhase;
  paced: RequestPhase;
  dbCpuUsClosed: number | null;
  /** InnoDB row lock waits during the closed loop, in ms per contribution (the server's global count). */
  lockWaitMs: number | null;
  rows: Rows;
}

// ------------------------------------------------------------------------------------------- data

async function server<T>(run: (conn: Connection, db: string) => Promise<T>, db = ''): Promise<T> {
  const url = new URL(MYSQL_URL);
  const auth = url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : 'root@';
  const conn = await createConnection({
    uri: `${url.protocol}//${auth}${url.host}/${db}`,
    timezone: 'Z',
    supportBigNumbers: true,
  });
  try {
    return await run(conn, url.pathname.slice(1));
  } finally {
    await conn.end();
  }
}

/** The bench's tontine, participants (carnets under way), their accounts and one pending payment each. */
async function seedContributions(conn: Connection, count: number): Promise<Payment[]> {
  const now = new Date();
  const dayAgo = new Date(now.getTime() - 86_400_000);
  const [[sfd]] = await conn.query<RowDataPacket[]>("SELECT id FROM sfds WHERE code = 'CSC'");
  const sfdId = Number(sfd.id);
  const [t] = await conn.query<ResultSetHeader>(
    `INSERT INTO tontines (sfd_id, name, status, stake_min, stake_max, joining_fee, min_withdrawal,
       withdrawal_notice_days, created_by, created_at, updated_at)
     VALUES (?, 'Tontine du banc', 'active', 100, 10000, 500, 0, 0, NULL, ?, ?)`,
    [sfdId, now, now],
  );
  const tontineId = t.insertId;
  await conn.query(
    `INSERT INTO tontine_participants (sfd_id, tontine_id, client_id, stake, next_stake, status, joined_at,
       last_contribution_at, created_at, updated_at)
     SELECT ?, ?, id, 100 * (1 + id % 10), NULL, 'actif', ?, ?, ?, ? FROM users
     WHERE phone LIKE ? ORDER BY id LIMIT ?`,
    [sfdId, tontineId, dayAgo, dayAgo, dayAgo, dayAgo, `${PHONE_PREFIX}%`, count],
  );
  await conn.query(
    `INSERT INTO tontine_carnets (sfd_id, participant_id, cycle, stake, started_on, boxes_paid,
       completed_at, created_at, updated_at)
     SELECT sfd_id, id, 1, stake, IF(id % 31 = 0, NULL, '2026-11-01'), id % 31, NULL, ?, ?
     FROM tontine_participants WHERE tontine_id = ?`,
    [dayAgo, dayAgo, tontineId],
  );
  await conn.query(
    `INSERT INTO ledger_accounts (code, kind, sfd_id, owner_id, balance, may_go_negative, created_at,
       updated_at)
     SELECT CONCAT('tontine:', id), 'tontine', sfd_id, client_id, stake * GREATEST(id % 31 - 1, 0), 0, ?, ?
     FROM tontine_participants WHERE tontine_id = ?`,
    [dayAgo, dayAgo, tontineId],
  );
  await conn.query(
    `INSERT INTO payment_transactions (reference, provider, provider_transaction_id, type, direction,
       amount, phone, status, purpose, purpose_ref, sfd_id, client_id, initiated_by, payment_url,
       failure_reason, created_at, updated_at, completed_at)
     SELECT CONCAT('TFCTBENCH', LPAD(p.id, 10, '0')), 'kkiapay', NULL, 'cotisation_tontine', 'collection',
       p.stake * (1 + p.id % 3), u.phone, 'pending', 'cotisation_tontine', CONCAT(p.id, ':', 1 + p.id % 3),
       p.sfd_id, p.client_id, p.client_id, NULL, NULL, ?, ?, NULL
     FROM tontine_participants p JOIN users u ON u.id = p.client_id WHERE p.tontine_id = ? ORDER BY p.id`,
    [now, now, tontineId],
  );
  const [rows] = await conn.query<RowDataPacket[]>(
    "SELECT id, reference, amount FROM payment_transactions WHERE purpose = 'cotisation_tontine' ORDER BY id",
  );
  return rows.map((r) => ({ id: Number(r.id), reference: String(r.reference), amount: Number(r.amount) }));
}

/** The rows the payments with ids in [lo, hi] left, and how many of them were sent. */
async function countRows(lo: number, hi: number, sent: number, ok = sent): Promise<Rows> {
  const db = new URL(MYSQL_URL).pathname.slice(1);
  return server(async (conn) => {
    const range = 'p.id BETWEEN ? AND ?';
    const [[r]] = await conn.query<RowDataPacket[]>(
      `SELECT
         (SELECT COUNT(*) FROM payment_transactions p WHERE ${range} AND p.status = 'success') AS paid,
         (SELECT COUNT(*) FROM tontine_cotisations c JOIN payment_transactions p
            ON p.reference = c.payment_reference WHERE ${range}) AS cotisations,
         (SELECT COUNT(*) FROM journal_entries j JOIN payment_transactions p
            ON j.idem_key = CONCAT('tontine:cotisation:', p.reference)
            WHERE ${range} AND j.kind = 'tontine_cotisation') AS entries,
         (SELECT COUNT(*) FROM sms_outbox o JOIN payment_transactions p
            ON o.dedupe_key = CONCAT('payment:', p.reference, ':receipt') WHERE ${range}) AS receipts`,
      [lo, hi, lo, hi, lo, hi, lo, hi],
    );
    return {
      sent,
      ok,
      paid: Number(r.paid),
      cotisations: Number(r.cotisations),
      entries: Number(r.entries),
      receipts: Number(r.receipts),
    };
  }, db);
}

// ------------------------------------------------------------------------------------------- load

/** KKiaPay's webhook for a payment, as the bench sends it (the body is only a hint: it is verified). */
function webhook(p: Payment): Job {
  const transactionId = benchTransactionId(p.reference, p.amount);
  return {
    path: WEBHOOK,
    body: JSON.stringify({
      transactionId,
      isPaymentSucces: true,
      event: 'transaction.success',
      account: '22995000001',
      method: 'MOBILE_MONEY',
      amount: p.amount,
      fees: Math.round(p.amount * 0.019),
      partnerId: p.reference,
      performedAt: new Date().toISOString(),
    }),
    headers: { 'content-type': 'application/json', 'x-kkiapay-secret': SECRET },
    check: (status, body) => status === 200 && body.includes('"status":"ok"'),
  };
}

/** A cursor over a slice of the payments: each job once. */
function cursor(payments: Payment[]): { next: () => Job | null; taken: () => number } {
  let i = 0;
  return { next: () => (i < payments.length ? webhook(payments[i++]) : null), taken: () => i };
}

/** The database server's process (mariadbd or mysqld on this host), for its CPU; null if not found. */
function dbPid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'mariadbd' || comm === 'mysqld') return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** InnoDB's total row lock wait so far, in ms (global: other databases' transactions count too). */
async function rowLockMs(): Promise<number> {
  return server(async (conn) => {
    const [rows] = await conn.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Innodb_row_lock_time'");
    return Number(rows[0]?.Value ?? 0);
  });
}

/** A webhook for an unknown payment answers 200 ({status: 'ignored'}): the server is up. */
async function waitReady(port: number, child: Child): Promise<void> {
  const until = Date.now() + 30_000;
  let gone = false;
  void child.exited.then(() => (gone = true));
  const probe = webhook({ id: 0, reference: 'TFBENCHREADY', amount: 1 });
  for (;;) {
    if (gone) throw new Error(`server exited before answering:\n${child.output()}`);
    const res = await post(port, probe.body, { path: WEBHOOK, headers: probe.headers }).catch(() => null);
    if (res?.status === 200) return;
    if (Date.now() > until) throw new Error(`server not ready after 30 s:\n${child.output()}`);
    await sleep(100);
  }
}

async function measure(target: Target, slice: Payment[]): Promise<Outcome> {
  await flushRedis(REDIS_URL);
  const port = await freePort();
  const child = startChild(target, port, ROOT);
  try {
    await waitReady(port, child);
    console.log(`\n=== ${target.name} (pid ${child.proc.pid}, port ${port}) ===`);
    // One by hand: the answer, and the rows it left.
    const first = webhook(slice[0]);
    const res = await post(port, first.body, { path: WEBHOOK, headers: first.headers });
    const rows = await countRows(slice[0].id, slice[0].id, 1);
    const whole = rows.paid + rows.cotisations + rows.entries + rows.receipts === 4;
    console.log(
      `  > webhook ${slice[0].reference} [${res.status}] ${res.body}: payment ${rows.paid}, cotisation ` +
        `${rows.cotisations}, ledger entry ${rows.entries}, SMS receipt ${rows.receipts}`,
    );
    if (!first.check(res.status, res.body) || !whole) {
      throw new Error(`the contribution was not recorded:\n${child.output()}`);
    }
    const warm = slice.slice(1, 1 + WARMUP_MAX);
    const closedSlice = slice.slice(1 + WARMUP_MAX, 1 + WARMUP_MAX + CLOSED_MAX);
    const pacedSlice = slice.slice(1 + WARMUP_MAX + CLOSED_MAX);
    const plan = (c: ReturnType<typeof cursor>): RequestPlan => ({
      port,
      next: c.next,
      timeoutS: TIMEOUT_S,
      pid: child.proc.pid,
    });
    const w = cursor(warm);
    const warmed = await closedRequests(plan(w), { concurrency: CONNECTIONS, seconds: WARMUP_S });
    await sleep(500);
    const c = cursor(closedSlice);
    const mysqld = dbPid();
    const [db0, lock0] = [cpuMs(mysqld), await rowLockMs()];
    const closed = await closedRequests(plan(c), { concurrency: CONNECTIONS, seconds: DURATION_S });
    const [db1, lock1] = [cpuMs(mysqld), await rowLockMs()];
    const n = closed.hops;
    const dbCpuUsClosed = db0 === null || db1 === null || n === 0 ? null : round(((db1 - db0) * 1000) / n, 0);
    const lockWaitMs = n === 0 ? null : round((lock1 - lock0) / n, 1);
    show(target.name, `closed c=${CONNECTIONS}`, closed, dbCpuUsClosed, lockWaitMs);
    await sleep(500);
    const p = cursor(pacedSlice);
    const paced = await pacedRequests(plan(p), { rate: RATE, seconds: RATE_DURATION_S });
    show(target.name, `paced ${RATE}/s`, paced, null, null);
    // Every payment sent, settled whole: warm-up and closed loop are contiguous, the paced loop follows.
    const sent = 1 + w.taken() + c.taken() + p.taken();
    const ok = 1 + warmed.ok + closed.ok + paced.ok;
    await stopChild(child); // its requests still in flight finish first
    const counted = await countRows(slice[0].id, slice[slice.length - 1].id, sent, ok);
    console.log(
      `  rows: ${counted.sent} sent (${counted.ok} answered ok), ${counted.paid} payments settled, ` +
        `${counted.cotisations} cotisations, ${counted.entries} ledger entries, ${counted.receipts} SMS receipts`,
    );
    if (warmed.wrong + closed.wrong + paced.wrong > 0 || !rowsWhole(counted)) {
      console.log(`  the server's last output:\n${child.output().slice(-3000)}`);
    }
    return { name: target.name, closed, paced, dbCpuUsClosed, lockWaitMs, rows: counted };
  } finally {
    await stopChild(child);
  }
}

// ------------------------------------------------------------------------------------------- report

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function show(name: string, label: string, p: RequestPhase, dbCpu: number | null, lockWait: number | null) {
  console.log(
    `[${name}] ${label}: ${p.hops} contributions, ${p.hopsPerS}/s, p50 ${p.p50} ms, p99 ${p.p99} ms, ` +
      `max ${p.max} ms, errors ${p.bad.count} (wrong answers ${p.wrong}, timeouts ${p.timeouts}, ` +
      `unanswered at the end ${p.sent - p.hops}), server CPU ${p.cpuUsPerHop ?? '-'} us` +
      (dbCpu === null ? '' : `, MariaDB CPU ${dbCpu} us`) +
      (lockWait === null ? '' : `, row lock wait ${lockWait} ms`) +
      ' per contribution',
  );
  for (const s of p.bad.samples) console.log(`    bad: ${s.status} ${JSON.stringify(s.body)}`);
}

/** Every settled payment has all its rows; every answered one was settled. */
const rowsWhole = (r: Rows) =>
  r.cotisations === r.paid &&
  r.entries === r.paid &&
  r.receipts === r.paid &&
  r.paid <= r.sent &&
  r.paid >= r.ok;

function table(outcomes: Outcome[]) {
  const rows = [
    '| server | closed /s | p50 ms | p99 ms | CPU us | DB CPU us | lock wait ms | errors | paced /s | p50 ms | p99 ms | max ms | errors | rows whole |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...outcomes.map(({ name, closed: c, paced: p, dbCpuUsClosed, lockWaitMs, rows: r }) =>
      [
        '',
        name,
        c.hopsPerS,
        c.p50,
        c.p99,
        c.cpuUsPerHop ?? '-',
        dbCpuUsClosed ?? '-',
        lockWaitMs ?? '-',
        c.bad.count,
        p.hopsPerS,
        p.p50,
        p.p99,
        p.max,
        p.bad.count,
        `${rowsWhole(r) ? 'yes' : 'NO'} (${r.paid}/${r.sent})`,
        '',
      ]
        .join(' | ')
        .trim(),
    ),
  ];
  console.log(`\n${rows.join('\n')}`);
  console.log(
    `closed = ${CONNECTIONS} clients back to back for ${DURATION_S} s (at most ${CLOSED_MAX} payments) after ` +
      `a ${WARMUP_S} s warm-up; paced = one webhook every ${round(1000 / RATE, 3)} ms for ${RATE_DURATION_S} s, ` +
      'latency from the scheduled send. One contribution = webhook → verify with the KKiaPay stub → ' +
      'payment, cotisation, carnet, ledger entry, SMS receipt, audit row. CPU (the server process, MariaDB) ' +
      'and row lock wait (InnoDB, all its databases) per contribution of the closed loop.',
  );
  const gws = outcomes.filter((o) => o.name === 'gateway');
  const floors = outcomes.filter((o) => o.name === 'floor');
  const of = gws.length > 1 ? ` (median of ${gws.length} rounds)` : '';
  if (gws.length > 0 && gws.length === floors.length) {
    const ratio = median(gws.map((g, i) => g.closed.hopsPerS / floors[i].closed.hopsPerS));
    const met = ratio >= TARGET_RATIO ? 'met' : 'NOT met';
    console.log(`\ngateway/floor throughput: ${round(ratio)}${of} (target >= ${TARGET_RATIO}: ${met})`);
  }
  for (const [name, list] of [
    ['gateway', gws],
    ['floor', floors],
  ] as const) {
    if (list.length === 0) continue;
    const p99 = median(list.map((o) => o.paced.p99));
    const target =
      name === 'gateway'
        ? ` (target <= ${TARGET_P99_MS} ms: ${p99 <= TARGET_P99_MS ? 'met' : 'NOT met'})`
        : '';
    console.log(`${name} p99 at a paced ${RATE}/s: ${p99} ms${of}${target}`);
  }
}

// ------------------------------------------------------------------------------------------- run

async function bench(): Promise<void> {
  const measures = ROUNDS * SERVERS.length;
  const count = measures * PER_MEASURE;
  const seeding = Date.now();
  await server(async (conn, db) => {
    await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
  });
  await prepareData({
    mysqlUrl: MYSQL_URL,
    clients: count,
    phonePrefix: PHONE_PREFIX,
    phoneDigits: PHONE_DIGITS,
  });
  const db = new URL(MYSQL_URL).pathname.slice(1);
  const payments = await server((conn) => seedContributions(conn, count), db);
  console.log(
    `data: ${payments.length} participants with a pending payment in ${(Date.now() - seeding) / 1000} s`,
  );
  const stub = await startKkiapayStub();
  const common = {
    MYSQL_URL,
    NODE_ENV: 'production',
    KKIAPAY_BASE_URL: stub.base,
    PAYMENT_WEBHOOK_SECRET: SECRET,
  };
  const targets: Record<string, Target> = {
    gateway: {
      name: 'gateway',
      args: [...SERVER_NODE_ARGS, 'dist/src/main.js'],
      env: {
        ...common,
        REDIS_URL,
        DEMO_MODE: 'true',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        RUN_WORKERS: 'false',
        PAYMENT_PROVIDER: 'kkiapay',
        KKIAPAY_PUBLIC_KEY: BENCH_KEYS.publicKey,
        KKIAPAY_PRIVATE_KEY: BENCH_KEYS.privateKey,
        KKIAPAY_SECRET_KEY: BENCH_KEYS.secretKey,
      },
    },
    floor: {
      name: 'floor',
      args: [...SERVER_NODE_ARGS, join(__dirname, 'bench-contrib-floor.js')],
      env: common,
    },
  };
  const outcomes: Outcome[] = [];
  try {
    let m = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of SERVERS) {
        const target = targets[name];
        if (!target) throw new Error(`unknown server ${name} (gateway, floor)`);
        outcomes.push(await measure(target, payments.slice(m * PER_MEASURE, (m + 1) * PER_MEASURE)));
        m += 1;
      }
    }
  } finally {
    const closed = new Promise((resolve) => stub.server.close(resolve));
    stub.server.closeAllConnections();
    await closed;
    await flushRedis(REDIS_URL);
    if (!KEEP) await server((conn, name) => conn.query(`DROP DATABASE IF EXISTS \`${name}\``));
  }
  table(outcomes);
  // Missed targets and requests left unanswered are reported, not failed; a broken run (wrong answers,
  // rows missing) is.
  const broken = outcomes.some((o) => o.closed.wrong + o.paced.wrong > 0 || !rowsWhole(o.rows));
  if (broken) process.exitCode = 1;
}

bench().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
