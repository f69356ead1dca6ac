import type { Sfd, User } from '../../../src/accounts/entities';
import { Loan, LoanApplication, LoanInstalment, type LoanStatus } from '../../../src/loans/entities';
import { loanPrincipalAccount } from '../../../src/loans/ledger-accounts';
import { post, sfdAccount } from '../../../src/ledger/service';
import { authed } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';
import { eligibleClient, makeApplication, makeLoan, type LoanTermsInput } from './helpers';

/**
 * The portfolio statistics on a portfolio built by hand, as of 2026-07-01 (Porto-Novo): loans of
 * 120 000 at 0 % over 12 months (instalments of 10 000 of principal, no interest) disbursed at dates
 * that put one in each arrears bucket, one current, one solde at 12 % (100 000: 106 619 repaid), one
 * granted and not disbursed; the figures, PAR30/PAR90 and the CSV worked out below.
 */

let t: TestApp;
let a: Sfd;
let b: Sfd;
let tokAgentA: string;
let tokPlatform: string;
const { get } = authed(() => t);
const URL = '/api/loans/reports/statistiques/';
const at = (day: string) => new Date(`${day}T09:00:00.000Z`); // 10:00 in Porto-Novo
const ZERO: LoanTermsInput = { amount: 120_000, annualRateBp: 0, months: 12, tegBp: 0 };

/** A loan disbursed on `day` (the clock set there for the fixture), back to `now` after. */
async function loanOn(sfd: Sfd, day: string, terms: LoanTermsInput & { status?: LoanStatus }) {
  const now = t.clock.now();
  t.clock.set(at(day));
  const { client, savings } = await eligibleClient(t, sfd);
  const made = await makeLoan(t, sfd, client, savings, { ...terms, disbursedOn: day });
  t.clock.set(now);
  return made;
}

/** Pays instalments 1..n in full (rows and ledger, as a repayment would): principal then interest. */
async function payFirst(loan: Loan, instalments: LoanInstalment[], n: number) {
  const m = t.deps.db.manager;
  for (const i of instalments.slice(0, n)) {
    await m.update(
      LoanInstalment,
      { id: i.id },
      { principalPaid: i.principal, interestPaid: i.interest, status: 'paye', paidAt: at(i.dueDate) },
    );
    await m.transaction((tx) =>
      post(tx, {
        key: `test:loan:${loan.id}:repay:${i.n}`,
        kind: 'test_loan_repayment',
        lines: [
          { account: sfdAccount(loan.sfdId, 'cash'), amount: -i.total },
          ...(i.interest > 0
            ? [{ account: sfdAccount(loan.sfdId, 'interest-income'), amount: i.interest }]
            : []),
          { account: loanPrincipalAccount(loan.id), amount: i.principal },
        ],
        sfdId: loan.sfdId,
        at: at(i.dueDate),
      }),
    );
  }
}

/** Moves an application's creation `hours` before its grant. */
async function createdHoursBefore(application: LoanApplication, hours: number) {
  await t.deps.db.manager.update(
    LoanApplication,
    { id: application.id },
    { createdAt: new Date((application.decidedAt as Date).getTime() - hours * 3_600_000) },
  );
}

beforeAll(async () => {
  t = await startTestApp();
  a = await makeSfd(t, 'STA');
  b = await makeSfd(t, 'STB');
  tokAgentA = await tokenFor(t, await makeUser(t, 'agent_sfd', a));
  tokPlatform = await tokenFor(t, await makeUser(t, 'admin_plateforme', null));
  t.clock.set(at('2026-07-01'));

  // Current: first due 2026-07-15.
  const l1 = await loanOn(a, '2026-06-15', ZERO);
  await createdHoursBefore(l1.application, 36);
  // 1–30: due 2026-06-10 unpaid, 21 days late.
  const l2 = await loanOn(a, '2026-05-10', ZERO);
  await createdHoursBefore(l2.application, 12);
  // 31–90: 2026-04-20 paid, 2026-05-20 unpaid (42 days late), 2026-06-20 unpaid; 110 000 outstanding.
  const l3 = await loanOn(a, '2026-03-20', { ...ZERO, status: 'en_remboursement' });
  await payFirst(l3.loan, l3.instalments, 1);
  // 91–180: 2026-03-01 to 2026-06-01 unpaid, the oldest 122 days late.
  await loanOn(a, '2026-02-01', ZERO);
  // Over 180: 2025-12-01 to 2026-06-01 unpaid, the oldest 212 days late.
  await loanOn(a, '2025-11-01', { ...ZERO, status: 'en_defaut' });
  // Solde: 100 000 at 12 % over 12 months, its 12 instalments (2025-07-01 … 2026-06-01) paid: 106 619.
  const l6 = await loanOn(a, '2025-06-01', { status: 'solde' });
  await payFirst(l6.loan, l6.instalments, 12);
  // Granted, not disbursed; an application in review; a rejected one.
  const c7 = await eligibleClient(t, a);
  await makeLoan(t, a, c7.client, c7.savings, ZERO);
  const c8 = await eligibleClient(t, a);
  await makeApplication(t, a, c8.client, c8.savings, { status: 'soumis' });
  const c9 = await eligibleClient(t, a);
  await makeApplication(t, a, c9.client, c9.savings, { status: 'rejete' });
  // Another SFD: one current loan.
  await loanOn(b, '2026-06-20', ZERO);
});
afterAll(() => t.close());

const SFD_A = () => ({
  sfd_id: a.id,
  as_of: '2026-07-01',
  disbursed_count: 6,
  disbursed_amount: 700_000, // 5 × 120 000 + 100 000
  active_loans: 5,
  gross_outstanding: 590_000, // 120 000 × 4 + 110 000
  // Due on or before 2026-07-01 (that day's included): 1 + 3 + 5 + 8 instalments of 10 000, and the
  // solde loan's 106 619; paid: 10 000 + 106 619.
  repayment_due: 276_619,
  repayment_paid: 116_619,
  repayment_rate: '0.4216', // 116 619 / 276 619 = 0.42158…
  arrears: [
    { bucket: '1_30', count: 1, outstanding: 120_000 },
    { bucket: '31_90', count: 1, outstanding: 110_000 },
    { bucket: '91_180', count: 1, outstanding: 120_000 },
    { bucket: 'over_180', count: 1, outstanding: 120_000 },
  ],
  par30: '0.5932', // (110 000 + 120 000 + 120 000) / 590 000 = 0.59322…
  par90: '0.4068', // (120 000 + 120 000) / 590 000 = 0.40677…
  granted_count: 7,
  average_processing_hours: 6.9, // (36 + 12 + 0 × 5) / 7 = 6.857…
  loans_by_status: { accorde: 1, decaisse: 3, en_remboursement: 1, en_defaut: 1, solde: 1 },
  applications_by_status: { soumis: 1, en_cours_examen: 0, transfere_admin: 0, accorde: 7, rejete: 1 },
});

it('the figures of the SFD, as of its local today, exact', async () => {
  const res = await get(tokAgentA, URL);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ results: [SFD_A()] });
});

it('a period bounds the amount disbursed and the processing time, not the portfolio', async () => {
  const res = await get(tokAgentA, `${URL}?date_from=2026-05-10&date_to=2026-06-15`);
  expect(res.status).toBe(200);
  expect(res.body.results).toEqual([
    {
      ...SFD_A(),
      disbursed_count: 2,
      disbursed_amount: 240_000,
      granted_count: 2,
      average_processing_hours: 24, // (36 + 12) / 2
    },
  ]);
  const empty = await get(tokAgentA, `${URL}?date_from=2026-06-16&date_to=2026-06-30`);
  expect(empty.body.results[0]).toMatchObject({ disbursed_count: 0, disbursed_amount: 0, granted_count: 0 });
  expect(empty.body.results[0].average_processing_hours).toBeNull();
  const bad = await get(tokAgentA, `${URL}?date_from=2026-06-16&date_to=2026-06-01`);
  expectProblem(bad, 400, 'validation');
  expect(Object.keys(bad.body.errors)).toEqual(['date_to']);
  expectProblem(await get(tokAgentA, `${URL}?date_from=16-06-2026`), 400, 'validation');
  expectProblem(await get(tokAgentA, `${URL}?date_to=2026-02-30`), 400, 'validation');
});

it('the platform admin sees every SFD, or the one asked; staff only theirs', async () => {
  const all = await get(tokPlatform, URL);
  expect(all.body.results.map((r: { sfd_id: number }) => r.sfd_id)).toEqual([a.id, b.id]);
  expect(all.body.results[0]).toEqual(SFD_A());
  expect(all.body.results[1]).toMatchObject({
    sfd_id: b.id,
    disbursed_amount: 120_000,
    gross_outstanding: 120_000,
    repayment_rate: null,
    par30: '0.0000',
    par90: '0.0000',
  });
  expect(
    (await get(tokPlatform, `${URL}?sfd_id=${b.id}`)).body.results.map((r: { sfd_id: number }) => r.sfd_id),
  ).toEqual([b.id]);
  // Staff asking for another SFD still get their own.
  expect((await get(tokAgentA, `${URL}?sfd_id=${b.id}`)).body).toEqual({ results: [SFD_A()] });
});

it('format=csv: one row per SFD, exact', async () => {
  const res = await get(tokAgentA, `${URL}?format=csv`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
  expect(res.headers['content-disposition']).toBe('attachment; filename="loans-statistics.csv"');
  expect(res.text).toBe(
    'sfd_id,as_of,disbursed_count,disbursed_amount,active_loans,gross_outstanding,repayment_due,' +
      'repayment_paid,repayment_rate,arrears_1_30_count,arrears_1_30_outstanding,arrears_31_90_count,' +
      'arrears_31_90_outstanding,arrears_91_180_count,arrears_91_180_outstanding,arrears_over_180_count,' +
      'arrears_over_180_outstanding,par30,par90,granted_count,average_processing_hours,loans_accorde,' +
      'loans_decaisse,loans_en_remboursement,loans_en_defaut,loans_solde,applications_soumis,' +
      'applications_en_cours_examen,applications_transfere_admin,applications_accorde,applications_rejete\r\n' +
      `${a.id},2026-07-01,6,700000,5,590000,276619,116619,0.4216,1,120000,1,110000,1,120000,1,120000,` +
      '0.5932,0.4068,7,6.9,1,3,1,1,1,1,0,0,7,1\r\n',
  );
});

describe('a loan ages from bucket to bucket on the day it passes 30, 90 and 180 days late', () => {
  let c: Sfd;
  let superC: User;
  beforeAll(async () => {
    c = await makeSfd(t, 'STC');
    superC = await makeUser(t, 'superviseur_sfd', c);
    await loanOn(c, '2026-05-10', ZERO); // first due 2026-06-10
  });
  afterAll(() => t.clock.set(at('2026-07-01')));

  const bucketOn = async (day: string) => {
    t.clock.set(at(day));
    // A token of that day: access tokens live 15 minutes of the clock.
    const row = (await get(await tokenFor(t, superC), URL)).body.results[0] as {
      arrears: { bucket: string; count: number }[];
      par30: string;
      par90: string;
    };
    return [row.arrears.find((x) => x.count === 1)?.bucket ?? 'none', row.par30, row.par90];
  };

  it('due 2026-06-10: on time that day, 30 days late on 07-10, 31 on 07-11, 90 on 09-08, 91, 180, 181', async () => {
    expect(await bucketOn('2026-06-10')).toEqual(['none', '0.0000', '0.0000']);
    expect(await bucketOn('2026-06-11')).toEqual(['1_30', '0.0000', '0.0000']);
    expect(await bucketOn('2026-07-10')).toEqual(['1_30', '0.0000', '0.0000']);
    expect(await bucketOn('2026-07-11')).toEqual(['31_90', '1.0000', '0.0000']);
    expect(await bucketOn('2026-09-08')).toEqual(['31_90', '1.0000', '0.0000']);
    expect(await bucketOn('2026-09-09')).toEqual(['91_180', '1.0000', '1.0000']);
    expect(await bucketOn('2026-12-07')).toEqual(['91_180', '1.0000', '1.0000']);
    expect(await bucketOn('2026-12-08')).toEqual(['over_180', '1.0000', '1.0000']);
  });
});

it('clients are refused (403)', async () => {
  const client = await makeUser(t, 'client', a);
  expectProblem(await get(await tokenFor(t, client), URL), 403);
});
