import type { Sfd, User } from '../../../src/accounts/entities';
import { agentCashAccount, sfdAccount } from '../../../src/ledger/service';
import { Loan, LoanInstalment, LoanPenalty, LoanPayment } from '../../../src/loans/entities';
import { loanPenaltyAccount, loanPrincipalAccount } from '../../../src/loans/ledger-accounts';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { ledgerBalance } from '../../helpers/ledger';
import { eligibleClient, makeLoan } from './helpers';

/**
 * Issue 14's time travel: a loan lived over 93 days (5 Jan → 8 Apr 2027) with a late first instalment,
 * the penalty job run twice one day and missed two days, a partial repayment, an overpayment, a
 * default and its cure. Every figure is worked by hand below.
 *
 * The loan: 100 000 at 12 % a year over 12 months (annuity), disbursed in cash on 5 Jan 2027, due on
 * the 5th from 5 Feb; the daily penalty 10 bp (0.1 %) of the instalment's unpaid principal + interest,
 * rounded half up; the SFD puts a loan en_defaut after 5 days late (its setting, changed through the API).
 *   #1 5 Feb: interest 1 000, principal 7 885 (8 885)
 *   #2 5 Mar: interest round(92 115 × 1 %) = 921, principal 7 964 (8 885)
 *   #3 5 Apr: interest round(84 151 × 1 %) = 842, principal 8 043 (8 885)
 *
 * Penalties on #1 (late from 6 Feb): base 8 885 → 8.885 → 9 a day.
 *   runs: 6 Feb, 7 Feb twice (the second adds nothing), 8 Feb, none on 9 and 10 Feb, 11 Feb (catches up
 *   9, 10, 11): 6 days × 9 = 54 through 11 Feb. 11 Feb: 6 days late > 5 → en_defaut.
 * 12 Feb 09:00, cash 5 000: #1 penalty 54, interest 1 000, principal 3 946 → #1 owes 3 939 principal.
 *   Still 7 days late: en_defaut stays.
 * Runs 12 → 20 Feb daily (10:00): base 3 939 → 3.939 → 4 a day, 9 days = 36.
 * 21 Feb 09:00, cash 20 000: #1 penalty 36, principal 3 939 (#1 paid, 3 975); #2 interest 921, principal
 *   7 964 (#2 paid, 8 885); the remaining 7 140 to #3: interest 842, principal 6 298 → #3 owes 1 745.
 *   Nothing late any more → en_remboursement.
 * Runs 22 Feb → 8 Apr daily: nothing until #3 is late from 6 Apr: base 1 745 → 1.745 → 2 a day;
 *   6, 7, 8 Apr = 6. 3 days late ≤ 5: en_remboursement.
 * Totals: paid 25 000 = penalties 90 + interest 2 763 + principal 22 147. Penalties accrued 96 (90 paid).
 */
let t: TestApp;
let sfd: Sfd;
let agent: User;

/** `hour` o'clock in Porto-Novo (UTC+1) on local day `date`. */
const local = (date: string, hour = 10) =>
  new Date(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10), hour - 1));
const nextDay = (date: string) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'TTL');
  agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });
});
afterAll(() => t.close());

const m = () => t.deps.db.manager;
const run = async (date: string, hour = 10) => {
  t.clock.set(local(date, hour));
  return t.modules.loans.penalties.run();
};
const status = async (id: number) => (await m().findOneByOrFail(Loan, { id })).status;
const instalment = (loanId: number, n: number) => m().findOneByOrFail(LoanInstalment, { loanId, n });
const parts = async (loanId: number, n: number) => {
  const i = await instalment(loanId, n);
  return {
    principalPaid: i.principalPaid,
    interestPaid: i.interestPaid,
    penaltyAccrued: i.penaltyAccrued,
    penaltyPaid: i.penaltyPaid,
    status: i.status,
  };
};

async function payCash(loanId: number, amount: number, key: string, date: string) {
  t.clock.set(local(date, 9));
  const res = await t.request
    .post('/api/loans/payments/')
    .set('Authorization', `Bearer ${await tokenFor(t, agent)}`)
    .set('Idempotency-Key', key)
    .send({ loan_id: loanId, amount, method: 'cash' });
  expect(res.status).toBe(201);
  return res.body as { id: number; status: string };
}

it('lives 93 days: penalties once a day with catch-up, allocation, overpayment, default and cure, ledger exact', async () => {
  t.clock.set(local('2027-01-05'));
  const admin = await makeUser(t, 'admin_sfd', sfd);
  const setting = await t.request
    .put('/api/loans/settings/')
    .set('Authorization', `Bearer ${await tokenFor(t, admin)}`)
    .send({ default_after_days: 5 });
  expect(setting.status).toBe(200);
  const { client, savings } = await eligibleClient(t, sfd);
  const { loan, instalments } = await makeLoan(t, sfd, client, savings, {
    disbursedOn: '2027-01-05',
    penaltyDailyBp: 10,
  });
  expect(instalments.slice(0, 3).map((i) => [i.dueDate, i.interest, i.principal, i.total])).toEqual([
    ['2027-02-05', 1000, 7885, 8885],
    ['2027-03-05', 921, 7964, 8885],
    ['2027-04-05', 842, 8043, 8885],
  ]);

  // Nothing is late until 6 Feb: the runs of January and 5 Feb accrue nothing.
  expect((await run('2027-01-20')).penalties).toBe(0);
  expect((await run('2027-02-05')).penalties).toBe(0);
  expect(await run('2027-02-06')).toEqual({ instalments: 1, penalties: 1, amount: 9 });
  expect(await run('2027-02-07')).toEqual({ instalments: 1, penalties: 1, amount: 9 });
  expect(await run('2027-02-07', 18)).toEqual({ instalments: 0, penalties: 0, amount: 0 }); // twice a day
  expect(await run('2027-02-08')).toEqual({ instalments: 1, penalties: 1, amount: 9 });
  expect(await status(loan.id)).toBe('decaisse'); // 3 days late ≤ 5
  // No run on 9 and 10 Feb (downtime): 11 Feb catches both up, and its own day.
  expect(await run('2027-02-11')).toEqual({ instalments: 1, penalties: 3, amount: 27 });
  expect(await status(loan.id)).toBe('en_defaut'); // 6 days late > 5
  expect((await parts(loan.id, 1)).penaltyAccrued).toBe(54);

  const first = await payCash(loan.id, 5000, 'tt-1', '2027-02-12');
  expect(first.status).toBe('confirme');
  expect(await m().findOneByOrFail(LoanPayment, { id: first.id })).toMatchObject({
    penaltyPart: 54,
    interestPart: 1000,
    principalPart: 3946,
    excess: 0,
  });
  expect(await parts(loan.id, 1)).toEqual({
    principalPaid: 3946,
    interestPaid: 1000,
    penaltyAccrued: 54,
    penaltyPaid: 54,
    status: 'a_payer',
  });
  expect(await status(loan.id)).toBe('en_defaut'); // #1 still 7 days late

  for (let day = '2027-02-12'; day <= '2027-02-20'; day = nextDay(day)) {
    expect(await run(day)).toEqual({ instalments: 1, penalties: 1, amount: 4 });
  }
  expect((await parts(loan.id, 1)).penaltyAccrued).toBe(90);

  const second = await payCash(loan.id, 20_000, 'tt-2', '2027-02-21');
  expect(await m().findOneByOrFail(LoanPayment, { id: second.id })).toMatchObject({
    penaltyPart: 36,
    interestPart: 921 + 842,
    principalPart: 3939 + 7964 + 6298,
    excess: 0,
  });
  expect((await parts(loan.id, 1)).status).toBe('paye');
  expect(await parts(loan.id, 2)).toEqual({
    principalPaid: 7964,
    interestPaid: 921,
    penaltyAccrued: 0,
    penaltyPaid: 0,
    status: 'paye',
  });
  expect(await parts(loan.id, 3)).toEqual({
    principalPaid: 6298,
    interestPaid: 842,
    penaltyAccrued: 0,
    penaltyPaid: 0,
    status: 'a_payer',
  });
  // The next run sees nothing late: the loan is cured.
  expect((await run('2027-02-21')).penalties).toBe(0);
  expect(await status(loan.id)).toBe('en_remboursement');

  let accrued = 0;
  for (let day = '2027-02-22'; day <= '2027-04-08'; day = nextDay(day)) accrued += (await run(day)).amount;
  expect(accrued).toBe(6); // 6, 7, 8 Apr on #3's 1 745
  expect((await parts(loan.id, 3)).penaltyAccrued).toBe(6);
  expect(await status(loan.id)).toBe('en_remboursement'); // 3 days late ≤ 5

  // One penalty row per instalment and late day: #1 6 Feb → 20 Feb (15), #3 6 → 8 Apr (3).
  const rows = await m().find(LoanPenalty, { where: { loanId: loan.id }, order: { day: 'ASC' } });
  expect(rows.map((r) => `${r.day}:${r.amount}`)).toEqual([
    ...['06', '07', '08', '09', '10', '11'].map((d) => `2027-02-${d}:9`),
    ...['12', '13', '14', '15', '16', '17', '18', '19', '20'].map((d) => `2027-02-${d}:4`),
    ...['06', '07', '08'].map((d) => `2027-04-0${d.slice(1)}:2`),
  ]);

  // The ledger: what the client owes and what the SFD earned, to the franc.
  expect(await ledgerBalance(t, loanPrincipalAccount(loan.id))).toBe(-(100_000 - 22_147));
  expect(await ledgerBalance(t, loanPenaltyAccount(loan.id))).toBe(-(96 - 90));
  expect(await ledgerBalance(t, sfdAccount(sfd.id, 'penalty-income'))).toBe(96);
  expect(await ledgerBalance(t, sfdAccount(sfd.id, 'interest-income'))).toBe(2763);
  expect(await ledgerBalance(t, agentCashAccount(agent.id))).toBe(-25_000);

  // What the client hears: the default (the cure is silent) and each receipt, with what remains of the
  // schedule: 8 885 × 11 + 8 884 = 106 619, + 54 of penalties − 5 000 = 101 673; + 36 − 20 000 = 81 709.
  expect((await t.inbox.to(client.phone as string)).map((s) => s.body)).toEqual([
    `TontiFlex: votre pret P${loan.applicationId} est en defaut: une echeance est impayee depuis plus de 5 jours. ` +
      'Montant en retard: 8 939 FCFA. Contactez votre agence.',
    `TontiFlex: l'agent Koffi Agbo a recu 5 000 FCFA en especes pour votre pret P${loan.applicationId}. ` +
      `Reste du: 101 673 FCFA. Prochaine echeance: 3 939 FCFA le 05/02/2027. Ref R${first.id}`,
    `TontiFlex: l'agent Koffi Agbo a recu 20 000 FCFA en especes pour votre pret P${loan.applicationId}. ` +
      `Reste du: 81 709 FCFA. Prochaine echeance: 1 745 FCFA le 05/04/2027. Ref R${second.id}`,
  ]);
});
