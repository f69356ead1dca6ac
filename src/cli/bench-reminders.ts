/**
 * `npm run bench:reminders`: one reminders run over BENCH_CLIENTS (100,000) clients whose KYC is still
 * pending 7 days after registration, against real MySQL and Redis (BullMQ), in this process.
 *
 * It (re)creates the database BENCH_MYSQL_URL names, migrates it, seeds the demo SFDs and inserts the
 * clients with INSERT … SELECT (registered exactly 7 days before now), empties BENCH_REDIS_URL's
 * database, then times one scheduler tick (REMINDER_HOUR 0, so the hour of the day does not matter)
 * until every outbox row exists and every delivery job is in BullMQ, sampling the process's RSS every
 * 10 ms. No SMS worker runs: the queueing is measured, not 100,000 sends. Redis is emptied again at
 * the end and the database dropped, unless BENCH_KEEP=1.
 *
 * Knobs (env): BENCH_CLIENTS=100000 BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/tontiflex_bench_reminders
 *   BENCH_REDIS_URL=redis://127.0.0.1:6379/13 BENCH_KEEP=0, and the app's REMINDER_BATCH_SIZE.
 * Redis db 13 is bench:ussd's too (never run both at once); 14 and 15 are the end-to-end tests', whose
 * gateways run SMS workers that would take the measured jobs.
 */
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { Sfd } from '../accounts/entities';
import { seedDemo } from '../accounts/seed';
import { loadConfig } from '../config';
import { createLogger } from '../infra/logger';
import { closeDeps } from '../infra/open';
import { openDeps } from '../modules';
import { PREFIX } from '../infra/queue-bull';
import { SmsOutboxEntry } from '../notifications/entities';
import { SMS_JOB } from '../notifications/outbox-handoff';
import { createReminders } from '../accounts/kyc-reminder';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 100_000);
const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/tontiflex_bench_reminders';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13';
const KEEP = process.env.BENCH_KEEP === '1';
const TARGET_S = 60;
const TARGET_MB = 300;
const INSERT_ROWS = 25_000;
const DAY_MS = 86_400_000;

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function server<T>(
  run: (conn: Awaited<ReturnType<typeof createConnection>>, db: string) => Promise<T>,
) {
  const url = new URL(MYSQL_URL);
  const auth = url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : 'root@';
  const conn = await createConnection(`${url.protocol}//${auth}${url.host}/`);
  try {
    return await run(conn, url.pathname.slice(1));
  } finally {
    await conn.end();
  }
}

async function flushRedis(): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  await redis.flushdb();
  await redis.quit();
}

/**
 * The clients, made by the database from a sequence (a cross join of digits, which MySQL and MariaDB
 * both take): the process's memory then holds nothing of the seeding when the measured run starts.
 */
async function insertClients(db: DataSource, sfdId: number, registered: Date): Promise<void> {
  const digits = `(${[...Array(10).keys()].map((d) => `SELECT ${d} AS d`).join(' UNION ALL ')})`;
  const places = [1, 10, 100, 1000, 10_000, 100_000];
  const n = places.map((p, i) => `${p} * t${i}.d`).join(' + ');
  const from = places.map((_, i) => `${digits} t${i}`).join(' CROSS JOIN ');
  for (let low = 0; low < CLIENTS; low += INSERT_ROWS) {
    await db.query(
      `INSERT INTO users (phone, email, first_name, last_name, role, sfd_id, status, language,
         password_hash, pin_hash, kyc_status, id_number_enc, phone_verified_at, created_at, updated_at)
       SELECT CONCAT('+2290190', LPAD(n, 6, '0')), NULL, CONCAT('Client', n), 'Bench', 'client', ?,
         'active', IF(n % 4 = 0, 'en', 'fr'), NULL, NULL, 'pending', NULL, ?, ?, ?
       FROM (SELECT ${n} AS n FROM ${from}) seq
       WHERE n >= ? AND n < ? ORDER BY n`,
      [sfdId, registered, registered, registered, low, Math.min(CLIENTS, low + INSERT_ROWS)],
    );
  }
}

async function bench(): Promise<void> {
  await server(async (conn, db) => {
    await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await conn.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
  });
  await flushRedis();
  const config = loadConfig({
    MYSQL_URL,
    REDIS_URL,
    DEMO_MODE: 'true',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    NODE_ENV: 'production',
  });
  const deps = await openDeps(config, createLogger(config.LOG_LEVEL));
  try {
    // ------------------------------------------------------------------ data: 7 days old, KYC pending
    await seedDemo(deps);
    const sfd = await deps.db.manager.findOneOrFail(Sfd, { where: { code: 'CSC' } });
    const registered = new Date(Date.now() - 7 * DAY_MS);
    const seeding = Date.now();
    await insertClients(deps.db, sfd.id, registered);
    console.log(
      `data: ${CLIENTS} pending clients of ${sfd.code} inserted in ${(Date.now() - seeding) / 1000} s`,
    );

    // ------------------------------------------------------------------ the measured run
    const reminders = createReminders({ ...deps, config: { ...config, REMINDER_HOUR: 0 } });
    const redis = new Redis(REDIS_URL);
    const jobs = new Queue(SMS_JOB, { connection: redis, prefix: PREFIX });
    global.gc?.();
    const rssBefore = process.memoryUsage.rss();
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
    const started = performance.now();
    const queued = await reminders.tick();
    let rows = 0;
    let waiting = 0;
    for (let tries = 0; tries < 100; tries++) {
      rows = await deps.db.manager.count(SmsOutboxEntry, { where: { kind: 'reminder' } });
      waiting = await jobs.count(); // waiting + prioritized + delayed
      if (rows >= CLIENTS && waiting >= CLIENTS) break;
      await sleep(50);
    }
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());
    await jobs.close();
    await redis.quit();

    const timeOk = seconds <= TARGET_S;
    const memOk = mb(peak) < TARGET_MB;
    console.log(
      `queued ${queued} reminders in ${seconds.toFixed(1)} s, peak RSS ${mb(peak)} MB ` +
        `(targets: <= ${TARGET_S} s, < ${TARGET_MB} MB: ${timeOk && memOk ? 'met' : 'NOT met'})`,
    );
    console.log(
      `  outbox rows: ${rows}, BullMQ jobs: ${waiting}, RSS before the run: ${mb(rssBefore)} MB, ` +
        `batch size ${config.REMINDER_BATCH_SIZE}, ${Math.round(queued / seconds)} reminders/s`,
    );
    if (queued !== CLIENTS || rows !== CLIENTS || waiting !== CLIENTS) {
      // Jobs missing with every row there: another process works on this Redis database.
      console.error(`expected ${CLIENTS} of each (is BENCH_REDIS_URL's database used elsewhere?)`);
      process.exitCode = 1;
    }
  } finally {
    await closeDeps(deps);
    if (!KEEP) await flushRedis();
    if (!KEEP) await server((conn, db) => conn.query(`DROP DATABASE IF EXISTS \`${db}\``));
  }
}

bench().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
