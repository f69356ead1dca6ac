import { Sfd as SfdEntity, type Sfd } from '../../../src/accounts/entities';
import { JournalEntry } from '../../../src/ledger/entities';
import { Loan, LoanInstalment, LoanPenalty } from '../../../src/loans/entities';
import { PENALTIES_EVERY_MS, PENALTIES_JOB } from '../../../src/loans/jobs';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd } from '../../helpers/factories';
import { entryLines, ledgerBalance } from '../../helpers/ledger';
import { eligibleClient, makeLoan } from './helpers';

/**
 * The daily penalty run (issue 14): a late instalment accrues one penalty per late local day, round
 * half up(unpaid principal and interest × penalty_daily_bp / 10 000); however often the run goes, once
 * a day; after missed days, every one of them; each batch one balanced ledger entry (the loans'
 * penalty accounts −x, the SFD's penalty income +x). 100 000 at 12 % over 12 months: instalment 1 is
 * 8 885 (interest 1 000, principal 7 885), due 2026-04-02 for a loan disbursed 2026-03-02; at the
 * fixtures' 10 bp a day its penalty is 8 885 × 10 / 10 000 = 8.885 → 9 a day.
 */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());
// Each test's loans stop accruing once it is done (solde), so the next test's run counts its own only.
afterEach(async () => {
  await t.deps.db.manager.createQueryBuilder().update(Loan).set({ status: 'solde' }).where('1 = 1').execute();
});

/** `hour` o'clock in Porto-Novo (UTC+1) on local day `date`. */
const local = (date: string, hour = 10, minute = 0) =>
  new Date(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10), hour - 1, minute));

const run = async (date: string, hour = 10, minute = 0) => {
  t.clock.set(local(date, hour, minute));
  return t.modules.loans.penalties.run();
};

async function disbursedLoan(sfd: Sfd, disbursedOn: string, opts: Parameters<typeof makeLoan>[4] = {}) {
  t.clock.set(local(disbursedOn, 9));
  const { client, savings } = await eligibleClient(t, sfd);
  return makeLoan(t, sfd, client, savings, { disbursedOn, ...opts });
}

const instalment = (id: number) => t.deps.db.manager.findOneByOrFail(LoanInstalment, { id });
const penaltiesOf = async (instalmentId: number) =>
  (await t.deps.db.manager.find(LoanPenalty, { where: { instalmentId }, order: { day: 'ASC' } })).map((p) => [
    p.day,
    p.base,
    p.amount,
    p.journalEntryKey,
  ]);
const entryCount = () => t.deps.db.manager.count(JournalEntry, { where: { kind: 'loan_penalties' } });

it('accrues one penalty a day from the day after the due date, once however often it runs, and catches up missed days', async () => {
  const sfd = await makeSfd(t);
  const { loan, instalments } = await disbursedLoan(sfd, '2026-03-02');
  const [first, second] = instalments;
  expect([first.dueDate, first.total, second.dueDate]).toEqual(['2026-04-02', 8885, '2026-05-02']);
  const key = (day: string) => `loan-penalties:${sfd.id}:${day}:${first.id}-${first.id}`;

  // The due day itself is not late.
  expect(await run('2026-04-02', 23, 50)).toEqual({ instalments: 0, penalties: 0, amount: 0 });

  // Day 1 late, just after local midnight (23:05 UTC the day before), then three more runs that day.
  t.clock.set(new Date(Date.UTC(2026, 3, 2, 23, 5)));
  expect(await t.modules.loans.penalties.run()).toEqual({ instalments: 1, penalties: 1, amount: 9 });
  for (const hour of [1, 10, 23])
    expect(await run('2026-04-03', hour)).toEqual({ instalments: 0, penalties: 0, amount: 0 });
  expect(await penaltiesOf(first.id)).toEqual([['2026-04-03', 8885, 9, key('2026-04-03')]]);
  expect(await entryLines(t, key('2026-04-03'))).toEqual({
    [`loan:${loan.id}:penalty`]: -9,
    [`sfd:${sfd.id}:penalty-income`]: 9,
  });

  expect(await run('2026-04-04')).toEqual({ instalments: 1, penalties: 1, amount: 9 });

  // The gateway is down on the 5th and the 6th: the run on the 7th charges the three days, in one entry.
  expect(await run('2026-04-07')).toEqual({ instalments: 1, penalties: 3, amount: 27 });
  expect(await run('2026-04-07', 18)).toEqual({ instalments: 0, penalties: 0, amount: 0 });
  expect(await penaltiesOf(first.id)).toEqual([
    ['2026-04-03', 8885, 9, key('2026-04-03')],
    ['2026-04-04', 8885, 9, key('2026-04-04')],
    ['2026-04-05', 8885, 9, key('2026-04-07')],
    ['2026-04-06', 8885, 9, key('2026-04-07')],
    ['2026-04-07', 8885, 9, key('2026-04-07')],
  ]);
  expect(await entryLines(t, key('2026-04-07'))).toEqual({
    [`loan:${loan.id}:penalty`]: -27,
    [`sfd:${sfd.id}:penalty-income`]: 27,
  });
  expect(await entryCount()).toBe(3);
  const after = await instalment(first.id);
  expect([after.penaltyAccrued, after.penaltyThrough, after.status]).toEqual([45, '2026-04-07', 'a_payer']);
  // The next instalment, not due yet, has nothing.
  expect((await instalment(second.id)).penaltyAccrued).toBe(0);
  expect(await ledgerBalance(t, `loan:${loan.id}:penalty`)).toBe(-45);
  expect(await ledgerBalance(t, `sfd:${sfd.id}:penalty-income`)).toBe(45);
});

it('accrues on what is unpaid of a partly paid instalment (caught-up days at the current base) and stops once it is paid', async () => {
  const sfd = await makeSfd(t);
  const { loan, instalments } = await disbursedLoan(sfd, '2026-03-02', { penaltyDailyBp: 25 });
  const [first] = instalments;
  const key = (day: string) => `loan-penalties:${sfd.id}:${day}:${first.id}-${first.id}`;
  // 8 885 × 25 / 10 000 = 22.2125 → 22.
  expect(await run('2026-04-03')).toEqual({ instalments: 1, penalties: 1, amount: 22 });

  // A repayment (the repayments part's, written here by hand) pays the interest and 3 885 of principal:
  // 4 000 unpaid → 4 000 × 25 / 10 000 = 10 a day, for the 4th and, caught up, the 5th and 6th.
  await t.deps.db.manager.update(
    LoanInstalment,
    { id: first.id },
    { interestPaid: 1000, principalPaid: 3885 },
  );
  expect(await run('2026-04-04')).toEqual({ instalments: 1, penalties: 1, amount: 10 });
  expect(await run('2026-04-06')).toEqual({ instalments: 1, penalties: 2, amount: 20 });
  expect((await penaltiesOf(first.id)).map(([day, base, amount]) => [day, base, amount])).toEqual([
    ['2026-04-03', 8885, 22],
    ['2026-04-04', 4000, 10],
    ['2026-04-05', 4000, 10],
    ['2026-04-06', 4000, 10],
  ]);
  expect(await entryLines(t, key('2026-04-06'))).toEqual({
    [`loan:${loan.id}:penalty`]: -20,
    [`sfd:${sfd.id}:penalty-income`]: 20,
  });

  // Paid in full: no more penalties, ever.
  await t.deps.db.manager.update(
    LoanInstalment,
    { id: first.id },
    { principalPaid: 7885, penaltyPaid: 52, status: 'paye', paidAt: t.clock.now() },
  );
  expect(await run('2026-04-07')).toEqual({ instalments: 0, penalties: 0, amount: 0 });
  expect(await run('2026-04-20')).toEqual({ instalments: 0, penalties: 0, amount: 0 });
  expect((await instalment(first.id)).penaltyAccrued).toBe(52);
  expect(await ledgerBalance(t, `sfd:${sfd.id}:penalty-income`)).toBe(52);
});

it('pages through the late instalments of several loans: one entry per batch, a line per loan', async () => {
  const sfd = await makeSfd(t);
  // A: due 2026-02-02 and 2026-03-02; B: due 2026-03-01; C: due 2026-04-01, not late on 2026-03-04.
  const a = await disbursedLoan(sfd, '2026-01-02');
  const b = await disbursedLoan(sfd, '2026-02-01');
  const c = await disbursedLoan(sfd, '2026-03-01');
  const [a1, a2] = a.instalments;
  const [b1] = b.instalments;
  t.modules.loans.penalties.batchSize = 2;
  try {
    // On 2026-03-04: A1 is 30 days late (Feb 3 → Mar 4), A2 2 days, B1 3 days; 9 a day each (8 885).
    expect(await run('2026-03-04')).toEqual({ instalments: 3, penalties: 35, amount: 315 });
  } finally {
    t.modules.loans.penalties.batchSize = 500;
  }
  const first = `loan-penalties:${sfd.id}:2026-03-04:${a1.id}-${a2.id}`;
  const second = `loan-penalties:${sfd.id}:2026-03-04:${b1.id}-${b1.id}`;
  expect(await entryLines(t, first)).toEqual({
    [`loan:${a.loan.id}:penalty`]: -288,
    [`sfd:${sfd.id}:penalty-income`]: 288,
  });
  expect(await entryLines(t, second)).toEqual({
    [`loan:${b.loan.id}:penalty`]: -27,
    [`sfd:${sfd.id}:penalty-income`]: 27,
  });
  expect((await penaltiesOf(a1.id)).map(([day]) => day)).toHaveLength(30);
  expect((await penaltiesOf(a1.id))[0][0]).toBe('2026-02-03');
  expect((await penaltiesOf(a2.id)).map(([day]) => day)).toEqual(['2026-03-03', '2026-03-04']);
  expect(await penaltiesOf(c.instalments[0].id)).toEqual([]);

  // Both loans' instalments in one batch the next day: one entry with a line per loan.
  expect(await run('2026-03-05')).toEqual({ instalments: 3, penalties: 3, amount: 27 });
  expect(await entryLines(t, `loan-penalties:${sfd.id}:2026-03-05:${a1.id}-${b1.id}`)).toEqual({
    [`loan:${a.loan.id}:penalty`]: -18,
    [`loan:${b.loan.id}:penalty`]: -9,
    [`sfd:${sfd.id}:penalty-income`]: 27,
  });
  expect(await ledgerBalance(t, `sfd:${sfd.id}:penalty-income`)).toBe(342);
});

it('two runs at once charge each day once', async () => {
  const sfd = await makeSfd(t);
  const loans = [];
  for (let i = 0; i < 3; i++) loans.push(await disbursedLoan(sfd, '2026-03-02'));
  t.clock.set(local('2026-04-05'));
  const results = await Promise.all([t.modules.loans.penalties.run(), t.modules.loans.penalties.run()]);
  // 3 loans × 3 days (3rd, 4th, 5th) × 9, split between the runs however they met.
  expect(results.reduce((s, r) => s + r.penalties, 0)).toBe(9);
  expect(results.reduce((s, r) => s + r.amount, 0)).toBe(81);
  for (const { instalments } of loans) expect((await penaltiesOf(instalments[0].id)).length).toBe(3);
  expect(await ledgerBalance(t, `sfd:${sfd.id}:penalty-income`)).toBe(81);
});

it('a loan whose batch fails holds back only itself', async () => {
  const sfd = await makeSfd(t);
  const good = await disbursedLoan(sfd, '2026-03-02');
  const broken = await disbursedLoan(sfd, '2026-03-02');
  // Its penalty account missing (never opened): its entry cannot be posted.
  await t.deps.db.query(`DELETE FROM ledger_accounts WHERE code = ?`, [`loan:${broken.loan.id}:penalty`]);
  expect(await run('2026-04-03')).toEqual({ instalments: 1, penalties: 1, amount: 9 });
  expect(await penaltiesOf(good.instalments[0].id)).toEqual([
    [
      '2026-04-03',
      8885,
      9,
      `loan-penalties:${sfd.id}:2026-04-03:${good.instalments[0].id}-${good.instalments[0].id}`,
    ],
  ]);
  const held = await instalment(broken.instalments[0].id);
  expect([held.penaltyAccrued, held.penaltyThrough]).toEqual([0, null]);
  expect(await penaltiesOf(broken.instalments[0].id)).toEqual([]);
});

it('runs as the loans module periodic job every 15 minutes', async () => {
  const sfd = await makeSfd(t);
  const { instalments } = await disbursedLoan(sfd, '2026-03-02');
  const job = t.modules.loans.jobs.periodic.find((j) => j.name === PENALTIES_JOB);
  expect(job?.everyMs).toBe(PENALTIES_EVERY_MS);
  expect(PENALTIES_EVERY_MS).toBe(15 * 60 * 1000);
  t.clock.set(local('2026-04-04'));
  expect(await job?.run()).toEqual({ instalments: 1, penalties: 2, amount: 18 });
  expect(await job?.run()).toEqual({ instalments: 0, penalties: 0, amount: 0 });
  expect((await instalment(instalments[0].id)).penaltyAccrued).toBe(18);
});

it("counts late days on each SFD's own calendar", async () => {
  const benin = await makeSfd(t);
  const abidjan = await makeSfd(t);
  await t.deps.db.manager.update(SfdEntity, { id: abidjan.id }, { timeZone: 'Africa/Abidjan' }); // UTC+0
  const b = await disbursedLoan(benin, '2026-03-02');
  const a = await disbursedLoan(abidjan, '2026-03-02');
  // 23:30 UTC on 2 April: already the 3rd in Porto-Novo (late), still the 2nd in Abidjan (due day).
  t.clock.set(new Date(Date.UTC(2026, 3, 2, 23, 30)));
  expect(await t.modules.loans.penalties.run()).toEqual({ instalments: 1, penalties: 1, amount: 9 });
  expect((await penaltiesOf(b.instalments[0].id)).map(([day]) => day)).toEqual(['2026-04-03']);
  expect(await penaltiesOf(a.instalments[0].id)).toEqual([]);
  t.clock.set(new Date(Date.UTC(2026, 3, 3, 0, 30)));
  expect(await t.modules.loans.penalties.run()).toEqual({ instalments: 1, penalties: 1, amount: 9 });
  expect((await penaltiesOf(a.instalments[0].id)).map(([day]) => day)).toEqual(['2026-04-03']);
});

it('never charges a day twice, even if the mark were lost: the unique (instalment, day) refuses it', async () => {
  const sfd = await makeSfd(t);
  const { loan, instalments } = await disbursedLoan(sfd, '2026-03-02');
  expect(await run('2026-04-04')).toEqual({ instalments: 1, penalties: 2, amount: 18 });
  await t.deps.db.manager.update(LoanInstalment, { id: instalments[0].id }, { penaltyThrough: null });
  // The run finds it again, fails on the 3rd's row, rolls back and charges nothing.
  expect(await run('2026-04-05')).toEqual({ instalments: 0, penalties: 0, amount: 0 });
  expect((await penaltiesOf(instalments[0].id)).length).toBe(2);
  const held = await instalment(instalments[0].id);
  expect([held.penaltyAccrued, held.penaltyThrough]).toEqual([18, null]);
  expect(await ledgerBalance(t, `loan:${loan.id}:penalty`)).toBe(-18);
});
