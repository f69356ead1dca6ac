/**
 * `npm run bench:penalties`: ONE daily penalty run (LoanPenaltiesService.run: the accrual of every
 * active SFD, then the default-status pass) over BENCH_LOANS (100,000) active loans, BENCH_LATE_PCT
 * (10 %) of them late, against real MySQL (MariaDB), in this process.
 *
 * It (re)creates the database BENCH_MYSQL_URL names, migrates it, seeds the demo SFDs, then inserts in
 * bulk SQL (INSERT … SELECT from a digit sequence, on a connection of its own, so the measured process
 * holds nothing of the seeding): one client and savings account of SFD CSC, per loan an application,
 * the loan (decaisse or en_remboursement), its penalty ledger account and 3 instalments. A late loan's
 * first instalment fell due 2 to 31 days ago and is accrued through yesterday (the steady state: the
 * run charges today); 1 late loan in 100 is 91 to 120 days late instead, so the run also moves loans
 * to en_defaut (its SMS queued in the in-process outbox: no Redis is used). The other instalments fall
 * due within 5 to 85 days. It then times the run, sampling the process's RSS every 10 ms, checks the
 * rows it wrote, and times a second run the same day (nothing to do: the cost of the 15-minute job).
 * The database is dropped at the end, unless BENCH_KEEP=1.
 *
 * Knobs (env): BENCH_LOANS=100000 BENCH_LATE_PCT=10
 *   BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/tontiflex_bench_penalties BENCH_KEEP=0
 */
import { createConnection, type Connection } from 'mysql2/promise';
import { AccountsDirectory } from '../accounts/directory';
import { Sfd } from '../accounts/entities';
import { seedDemo } from '../accounts/seed';
import { loadConfig } from '../config';
import { closeDeps } from '../infra/open';
import { createLogger } from '../infra/logger';
import { Loan, LoanPenalty } from '../loans/entities';
import { LoanPenaltiesService, type PenaltyRun } from '../loans/penalties';
import { LoanSettingsService } from '../loans/settings';
import { openDeps } from '../modules';
import { addDays, localDateOf } from '../shared/sfd-calendar';

const LOANS = Number(process.env.BENCH_LOANS ?? 100_000);
const LATE_PCT = Number(process.env.BENCH_LATE_PCT ?? 10);
const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/tontiflex_bench_penalties';
const KEEP = process.env.BENCH_KEEP === '1';
const TARGET_S = 60;
const TARGET_MB = 300;
const INSERT_ROWS = 25_000;
/** The instalment: 33 333 of principal and 1 000 of interest, at 10 bp a day: 34.333 → 34 a day. */
const PRINCIPAL = 33_333;
const INTEREST = 1000;
const DAILY_BP = 10;

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

function serverUrl(): { url: string; db: string } {
  const url = new URL(MYSQL_URL);
  const auth = url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : 'root@';
  return { url: `${url.protocol}//${auth}${url.host}/`, db: url.pathname.slice(1) };
}

async function onServer(sql: string): Promise<void> {
  const conn = await createConnection(serverUrl().url);
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}

/** `SELECT n` for n in [0, 1 000 000): a cross join of digits (MySQL and MariaDB both take it). */
function sequence(): string {
  const digits = `(${[...Array(10).keys()].map((d) => `SELECT ${d} AS d`).join(' UNION ALL ')})`;
  const places = [1, 10, 100, 1000, 10_000, 100_000];
  const n = places.map((p, i) => `${p} * t${i}.d`).join(' + ');
  return `SELECT ${n} AS n FROM ${places.map((_, i) => `${digits} t${i}`).join(' CROSS JOIN ')}`;
}

/**
 * Loan k (1-based, = its application's id on this fresh database) is late when k % (100 / LATE_PCT) is
 * 0; among those, every hundredth is past the default threshold.
 */
async function seed(conn: Connection, sfdId: number, today: string, now: Date): Promise<void> {
  const every = Math.round(100 / LATE_PCT);
  await conn.query(
    `INSERT INTO users (phone, email, first_name, last_name, role, sfd_id, status, language, password_hash,
       pin_hash, kyc_status, id_number_enc, phone_verified_at, created_at, updated_at)
     VALUES ('+2290190000001', NULL, 'Bench', 'Borrower', 'client', ?, 'active', 'fr', NULL, NULL,
       'verified', NULL, ?, ?, ?)`,
    [sfdId, now, now, now],
  );
  const [[client]] = (await conn.query("SELECT id FROM users WHERE phone = '+2290190000001'")) as unknown as [
    { id: number }[],
  ];
  await conn.query(
    `INSERT INTO savings_accounts (sfd_id, client_id, open_client_id, status, opening_fee, reason,
       requested_by, decided_by, decided_at, fee_payment_reference, opened_at, created_at, updated_at)
     VALUES (?, ?, ?, 'active', 0, NULL, NULL, NULL, ?, NULL, ?, ?, ?)`,
    [sfdId, client.id, client.id, now, now, now, now],
  );
  const [[savings]] = (await conn.query('SELECT id FROM savings_accounts')) as unknown as [{ id: number }[]];
  for (let low = 0; low < LOANS; low += INSERT_ROWS) {
    const high = Math.min(LOANS, low + INSERT_ROWS);
    await conn.query(
      `INSERT INTO loan_applications (sfd_id, client_id, open_client_id, status, amount, months, purpose,
         monthly_income, savings_account_id, savings_balance, channel, requested_by, reviewed_by, reviewed_at,
         review_comment, forwarded_at, decided_by, decided_at, reason, created_at, updated_at)
       SELECT ?, ?, NULL, 'accorde', 100000, 3, 'commerce', NULL, ?, 100000, 'back_office', NULL, NULL, ?,
         NULL, ?, NULL, ?, NULL, ?, ?
       FROM (${sequence()}) seq WHERE n >= ? AND n < ? ORDER BY n`,
      [sfdId, client.id, savings.id, now, now, now, now, now, low, high],
    );
  }
  await conn.query(
    `INSERT INTO loans (sfd_id, client_id, application_id, status, principal, annual_rate_bp, months, method,
       fees, penalty_daily_bp, teg_bp, savings_account_id, guarantee_amount, granted_by, granted_at,
       disbursement_method, disbursement_reference, disbursed_by, disbursed_at, first_due_date, defaulted_at,
       closed_at, created_at, updated_at)
     SELECT a.sfd_id, a.client_id, a.id, IF(a.id % 2 = 0, 'en_remboursement', 'decaisse'), 100000, 1200, 3,
       'flat', 0, ?, 1200, a.savings_account_id, 0, NULL, ?, 'cash', NULL, NULL, ?, NULL, NULL, NULL, ?, ?
     FROM loan_applications a ORDER BY a.id`,
    [DAILY_BP, now, now, now, now],
  );
  await conn.query(
    `INSERT INTO ledger_accounts (code, kind, sfd_id, owner_id, balance, may_go_negative, created_at, updated_at)
     SELECT CONCAT('loan:', l.id, ':penalty'), 'loan-penalty', l.sfd_id, l.client_id, 0, 1, ?, ?
     FROM loans l ORDER BY l.id`,
    [now, now],
  );
  // Days late of a late loan's first instalment: 2..31, or 91..120 for one late loan in 100.
  const late = `(l.id % ${every} = 0 AND k.k = 1)`;
  const lateDays = `IF(l.id % ${every * 100} = 0, 91 + l.id % 30, 2 + l.id % 30)`;
  for (let low = 0; low < LOANS; low += INSERT_ROWS) {
    await conn.query(
      `INSERT INTO loan_instalments (sfd_id, loan_id, n, due_date, principal, interest, total, principal_paid,
         interest_paid, interest_waived, penalty_accrued, penalty_paid, penalty_through, status, paid_at,
         created_at, updated_at)
       SELECT l.sfd_id, l.id, k.k,
         DATE_FORMAT(IF(${late}, DATE_SUB(?, INTERVAL ${lateDays} DAY),
           DATE_ADD(?, INTERVAL 5 + l.id % 20 + 30 * (k.k - 1) DAY)), '%Y-%m-%d'),
         ?, ?, ?, 0, 0, 0, 0, 0, IF(${late}, ?, NULL), 'a_payer', NULL, ?, ?
       FROM loans l CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3) k
       WHERE l.id > ? AND l.id <= ? ORDER BY l.id, k.k`,
      [
        today,
        today,
        PRINCIPAL,
        INTEREST,
        PRINCIPAL + INTEREST,
        addDays(today, -1),
        now,
        now,
        low,
        Math.min(LOANS, low + INSERT_ROWS),
      ],
    );
  }
}

async function timed(run: () => Promise<PenaltyRun>) {
  global.gc?.();
  const rssBefore = process.memoryUsage.rss();
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const started = performance.now();
  const result = await run();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { result, seconds, peak, rssBefore };
}

async function bench(): Promise<void> {
  const { db } = serverUrl();
  await onServer(`DROP DATABASE IF EXISTS \`${db}\``);
  await onServer(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
  const config = loadConfig({
    MYSQL_URL,
    DEMO_MODE: 'true',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    NODE_ENV: 'production',
  });
  const deps = await openDeps(config, createLogger(config.LOG_LEVEL));
  try {
    await seedDemo(deps);
    const sfd = await deps.db.manager.findOneOrFail(Sfd, { where: { code: 'CSC' } });
    const now = new Date();
    const today = localDateOf(now, sfd.timeZone);
    const seeding = Date.now();
    const conn = await createConnection(MYSQL_URL);
    try {
      await seed(conn, sfd.id, today, now);
    } finally {
      await conn.end();
    }
    const late = Math.floor(LOANS / Math.round(100 / LATE_PCT));
    console.log(
      `data: ${LOANS} active loans of ${sfd.code} (${LOANS * 3} instalments), ${late} late, ` +
        `inserted in ${(Date.now() - seeding) / 1000} s`,
    );

    const penalties = new LoanPenaltiesService(deps, {
      accounts: new AccountsDirectory(deps),
      settings: new LoanSettingsService(deps),
    });
    const first = await timed(() => penalties.run());
    const rows = await deps.db.manager.count(LoanPenalty);
    const defaulted = await deps.db.manager.count(Loan, { where: { status: 'en_defaut' } });
    const again = await timed(() => penalties.run());

    const ok = first.seconds <= TARGET_S && mb(first.peak) < TARGET_MB;
    console.log(
      `daily penalty run: ${first.result.penalties} penalties (${first.result.amount} XOF) on ` +
        `${first.result.instalments} instalments in ${first.seconds.toFixed(1)} s, peak RSS ${mb(first.peak)} MB ` +
        `(targets: <= ${TARGET_S} s, < ${TARGET_MB} MB: ${ok ? 'met' : 'NOT met'})`,
    );
    console.log(
      `  RSS before the run: ${mb(first.rssBefore)} MB, batch ${penalties.batchSize} instalments, ` +
        `${defaulted} loans moved to en_defaut; the same day again: ` +
        `${again.result.penalties} penalties in ${again.seconds.toFixed(2)} s`,
    );
    if (first.result.penalties !== late || rows !== late || again.result.penalties !== 0) {
      console.error(`expected ${late} penalties once (run: ${first.result.penalties}, rows: ${rows})`);
      process.exitCode = 1;
    }
    if (!ok) process.exitCode = 1;
  } finally {
    await closeDeps(deps);
    if (!KEEP) await onServer(`DROP DATABASE IF EXISTS \`${db}\``);
  }
}

bench().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
