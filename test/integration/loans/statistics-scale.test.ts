import { embedded, startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser } from '../../helpers/factories';
import { activeSavingsAccount } from '../savings/helpers';

/**
 * The statistics of an SFD with 100 000 loans (1 200 000 instalments, 10 % of the loans late) are exact
 * at scale. The time it took and the memory it grew by are printed beside one bare pass over the same
 * rows, for the reader: speed is the benchmarks' business, never an assertion here. Slow to set up
 * (the rows are inserted by INSERT … SELECT), so it runs only when asked: LOANS_SCALE=1, on MySQL.
 */
const run = process.env.LOANS_SCALE === '1' && !embedded ? describe : describe.skip;

run('statistics at scale', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 120_000);
  afterAll(() => t.close());

  it('100 000 loans: the figures within a few passes over the instalments, the rows never loaded', async () => {
    const sfd = await makeSfd(t, 'SCL');
    const client = await makeUser(t, 'client', sfd);
    const savings = await activeSavingsAccount(t, sfd, client, 0, 200);
    const db = t.deps.db;
    const digit = `(${[...Array(10).keys()].map((d) => `SELECT ${d} AS d`).join(' UNION ALL ')})`;
    await db.query(
      'INSERT INTO loan_applications (sfd_id, client_id, open_client_id, status, amount, months, purpose, ' +
        'savings_account_id, savings_balance, channel, created_at, updated_at, decided_at) ' +
        "SELECT ?, ?, NULL, 'accorde', 120000, 12, 'commerce', ?, 100000, 'ussd', " +
        "'2026-01-01 08:00:00', '2026-01-01 08:00:00', '2026-01-02 08:00:00' " +
        `FROM ${digit} a CROSS JOIN ${digit} b CROSS JOIN ${digit} c CROSS JOIN ${digit} e CROSS JOIN ${digit} f`,
      [sfd.id, client.id, savings.id],
    );
    await db.query(
      'INSERT INTO loans (sfd_id, client_id, application_id, status, principal, annual_rate_bp, months, method, ' +
        'fees, penalty_daily_bp, teg_bp, savings_account_id, guarantee_amount, granted_at, disbursement_method, ' +
        'disbursed_at, first_due_date, created_at, updated_at) ' +
        "SELECT sfd_id, client_id, id, 'en_remboursement', 120000, 0, 12, 'annuity', 0, 10, 0, savings_account_id, " +
        "0, '2026-01-02 08:00:00', 'cash', '2026-01-02 08:00:00', '2026-02-02', created_at, updated_at " +
        'FROM loan_applications WHERE sfd_id = ?',
      [sfd.id],
    );
    const month = `(${[...Array(12).keys()].map((k) => `SELECT ${k + 1} AS k`).join(' UNION ALL ')})`;
    // Due on the 2nd of each month from 2026-02; as of 2026-07-15, six are due, five paid, except on one
    // loan in ten, which has paid none (its oldest, 2026-02-02, is 163 days late).
    await db.query(
      'INSERT INTO loan_instalments (sfd_id, loan_id, n, due_date, principal, interest, total, principal_paid, ' +
        'interest_paid, interest_waived, penalty_accrued, penalty_paid, status, created_at, updated_at) ' +
        "SELECT l.sfd_id, l.id, m.k, DATE_FORMAT(DATE_ADD('2026-02-02', INTERVAL m.k - 1 MONTH), '%Y-%m-%d'), " +
        '10000, 0, 10000, CASE WHEN m.k <= 5 AND l.id % 10 <> 0 THEN 10000 ELSE 0 END, 0, 0, 0, 0, ' +
        "CASE WHEN m.k <= 5 AND l.id % 10 <> 0 THEN 'paye' ELSE 'a_payer' END, l.created_at, l.updated_at " +
        `FROM loans l CROSS JOIN ${month} m WHERE l.sfd_id = ?`,
      [sfd.id],
    );
    t.clock.set(new Date('2026-07-15T09:00:00Z'));
    const rss = process.memoryUsage().rss;
    const started = Date.now();
    const [row] = await t.modules.loans.reports.statistics(
      { userId: 0, role: 'admin_plateforme', sfdId: null, jti: '', familyId: '', expiresAt: 0 },
      { sfdId: sfd.id },
    );
    const ms = Date.now() - started;
    // For scale: one bare pass over the same instalments on this machine, as it is loaded now.
    const bare = Date.now();
    await db.query(
      'SELECT SUM(i.principal - i.principal_paid) AS s FROM loans l INNER JOIN loan_instalments i ON i.loan_id = l.id WHERE l.sfd_id = ?',
      [sfd.id],
    );
    const bareMs = Date.now() - bare;
    process.stdout.write(`one bare pass over the instalments: ${bareMs} ms\n`);
    const again = Date.now();
    await t.modules.loans.reports.statistics(
      { userId: 0, role: 'admin_plateforme', sfdId: null, jti: '', familyId: '', expiresAt: 0 },
      { sfdId: sfd.id },
    );
    process.stdout.write(`statistics again: ${Date.now() - again} ms\n`);
    process.stdout.write(
      `statistics of 100 000 loans: ${ms} ms, rss +${Math.round((process.memoryUsage().rss - rss) / 1e6)} MB\n`,
    );
    expect(row.activeLoans).toBe(100_000);
    expect(row.grossOutstanding).toBe(100_000 * 120_000 - 90_000 * 50_000);
    expect(row.arrears.find((a) => a.bucket === '91_180')).toEqual({
      bucket: '91_180',
      count: 10_000,
      outstanding: 10_000 * 120_000,
    });
    // 1 200 000 000 / 7 500 000 000; paid 90 000 × 5 × 10 000 of 100 000 × 6 × 10 000 due.
    expect([row.par30, row.par90, row.repaymentRate]).toEqual(['0.1600', '0.1600', '0.7500']);
  }, 600_000);
});
