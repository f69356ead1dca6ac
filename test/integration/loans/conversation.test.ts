import type { Sfd, User } from '../../../src/accounts/entities';
import { agentCashAccount, sfdAccount } from '../../../src/ledger/service';
import { Loan, LoanApplication, LoanPayment } from '../../../src/loans/entities';
import { loanPenaltyAccount, loanPrincipalAccount } from '../../../src/loans/ledger-accounts';
import { PaymentTransaction } from '../../../src/payments/entities';
import { savingsLedgerAccount } from '../../../src/savings/balance';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { ledgerBalance } from '../../helpers/ledger';
import { eligibleClient } from './helpers';

/**
 * Issue 14's whole conversation over HTTP, from the request to solde, against the real database and the
 * payment simulator (phones ending in 1 are paid): the client asks for 60 000 over 3 months; the
 * superviseur sets the terms (12 %, fees 600, 10 % of it held on the savings) and forwards; the admin
 * grants; an agent disburses by mobile money; the client repays the first instalment by mobile money,
 * the second in cash at the branch, the last by mobile money: solde, the hold released.
 *
 * The schedule, worked by hand (r = 1 % a month): instalment 60 000 × 0.01 / (1 − 1.01^−3) = 20 401.32
 * → 20 401. #1 interest 600, principal 19 801 (outstanding 40 199); #2 interest 401.99 → 402, principal
 * 19 999 (outstanding 20 200); #3 interest 202, principal 20 200, total 20 402. Interest 1 204.
 * Disbursed: 60 000 − 600 of fees = 59 400 to the phone. The hold: 10 % of 60 000 = 6 000.
 */
let t: TestApp;
let sfd: Sfd;

/** `hour` o'clock in Porto-Novo (UTC+1) on local day `date`. */
const local = (date: string, hour = 10) =>
  new Date(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10), hour - 1));

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '30' });
  sfd = await makeSfd(t, 'PRC');
});
afterAll(() => t.close());

async function until<T>(read: () => Promise<T | null | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await read();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what}: not in time`);
}
const m = () => t.deps.db.manager;
const as = async (u: User) => ({ Authorization: `Bearer ${await tokenFor(t, u)}` });

it('goes from the request to solde over HTTP: terms, grant, payout, three repayments, hold released', async () => {
  t.clock.set(local('2027-01-05', 9));
  const client = await makeUser(t, 'client', sfd, {
    phone: '+2290196200011',
    kycStatus: 'verified',
    firstName: 'Afi',
    lastName: 'Dossou',
  });
  const { savings } = await eligibleClient(t, sfd, { client, balance: 40_000 });
  const superviseur = await makeUser(t, 'superviseur_sfd', sfd);
  const admin = await makeUser(t, 'admin_sfd', sfd);
  const agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });

  // 1. The client asks (5 × 40 000 = 200 000 at most).
  const applied = await t.request
    .post('/api/loans/applications/')
    .set(await as(client))
    .send({ amount: 60_000, months: 3, purpose: 'commerce' });
  expect(applied.status).toBe(201);
  expect(applied.body).toMatchObject({ status: 'soumis', amount: 60_000, savings_balance: 40_000 });
  const applicationId = applied.body.id as number;

  // 2. The superviseur reads the analysis, sets the terms and forwards.
  const report = await t.request
    .get(`/api/loans/applications/${applicationId}/rapport-analyse/`)
    .set(await as(superviseur));
  expect(report.status).toBe(200);
  const processed = await t.request
    .post(`/api/loans/applications/${applicationId}/process-application/`)
    .set(await as(superviseur))
    .send({
      amount: 60_000,
      annual_rate: 12,
      months: 3,
      method: 'annuity',
      fees: 600,
      daily_penalty_rate: 0.1,
      savings_guarantee_pct: 10,
      comment: 'Commerce de tissus, epargne reguliere',
      forward: true,
    });
  expect(processed.status).toBe(200);
  expect(processed.body.status).toBe('transfere_admin');

  // 3. The admin grants: the loan, and 6 000 held on the savings.
  const granted = await t.request
    .post(`/api/loans/applications/${applicationId}/admin-decision/`)
    .set(await as(admin))
    .send({ decision: 'approve' });
  expect(granted.status).toBe(200);
  expect(granted.body.status).toBe('accorde');
  const loan = await m().findOneByOrFail(Loan, { applicationId });
  expect(loan).toMatchObject({ status: 'accorde', principal: 60_000, fees: 600, guaranteeAmount: 6000 });
  expect(await t.modules.savings.holds.activeAccountOf(m(), client.id)).toMatchObject({
    balance: 40_000,
    held: 6000,
    available: 34_000,
  });

  // 4. An agent disburses by mobile money: 59 400 to the client's phone.
  const disbursed = await t.request
    .post(`/api/loans/${loan.id}/decaissement/`)
    .set(await as(agent))
    .send({ method: 'mobile_money' });
  expect(disbursed.status).toBe(200);
  await until(
    async () => (await m().findOneByOrFail(Loan, { id: loan.id })).status === 'decaisse',
    'decaisse',
  );
  const calendar = await t.request
    .get(`/api/loans/${loan.id}/calendrier-remboursement/`)
    .set(await as(client));
  expect(calendar.status).toBe(200);
  const rows = (calendar.body.rows ?? calendar.body.results) as { due_date: string; total: number }[];
  expect(rows.map((r) => [r.due_date, r.total])).toEqual([
    ['2027-02-05', 20_401],
    ['2027-03-05', 20_401],
    ['2027-04-05', 20_402],
  ]);
  expect(await ledgerBalance(t, loanPrincipalAccount(loan.id))).toBe(-60_000);
  expect(await ledgerBalance(t, sfdAccount(sfd.id, 'fee-income'))).toBe(600);

  // 5. The client repays #1 by mobile money on its due date.
  const payMobile = async (amount: number, date: string) => {
    t.clock.set(local(date));
    const res = await t.request
      .post('/api/loans/payments/')
      .set(await as(client))
      .send({ loan_id: loan.id, amount, method: 'mobile_money' });
    expect(res.status).toBe(201);
    return until(async () => {
      const p = await m().findOneByOrFail(LoanPayment, { id: res.body.id });
      return p.status === 'confirme' ? p : null;
    }, `payment ${res.body.id}`);
  };
  expect(await payMobile(20_401, '2027-02-05')).toMatchObject({ interestPart: 600, principalPart: 19_801 });
  expect((await m().findOneByOrFail(Loan, { id: loan.id })).status).toBe('en_remboursement');

  // 6. #2 in cash at the branch.
  t.clock.set(local('2027-03-04'));
  const cash = await t.request
    .post('/api/loans/payments/')
    .set(await as(agent))
    .set('Idempotency-Key', 'conv-2')
    .send({ loan_id: loan.id, amount: 20_401, method: 'cash' });
  expect(cash.status).toBe(201);
  expect(cash.body.status).toBe('confirme');

  // 7. #3 by mobile money: solde.
  expect(await payMobile(20_402, '2027-04-05')).toMatchObject({ interestPart: 202, principalPart: 20_200 });
  const closed = await m().findOneByOrFail(Loan, { id: loan.id });
  expect(closed.status).toBe('solde');
  expect((await m().findOneByOrFail(LoanApplication, { id: applicationId })).openClientId).toBeNull();
  expect(await t.modules.savings.holds.activeAccountOf(m(), client.id)).toMatchObject({
    held: 0,
    available: 40_000,
  });

  // The ledger: nothing owed, the interest and the fee earned, the money through its channels.
  expect(await ledgerBalance(t, loanPrincipalAccount(loan.id))).toBe(0);
  expect(await ledgerBalance(t, loanPenaltyAccount(loan.id))).toBe(0);
  expect(await ledgerBalance(t, sfdAccount(sfd.id, 'interest-income'))).toBe(1204);
  expect(await ledgerBalance(t, agentCashAccount(agent.id))).toBe(-20_401);
  expect(await ledgerBalance(t, savingsLedgerAccount(savings.id))).toBe(40_000);
  expect(await m().countBy(PaymentTransaction, { clientId: client.id, status: 'success' })).toBe(3);
  // The client was told every step, in order (the disbursement's SMS is the payout's receipt).
  const P = `P${applicationId}`;
  expect((await t.inbox.to(client.phone as string)).map((s) => s.body)).toEqual([
    `TontiFlex: demande de pret de 60 000 FCFA sur 3 mois recue (ref ${P}). Un superviseur va l'examiner.`,
    `TontiFlex: votre demande de pret ${P} a ete examinee et transmise pour decision.`,
    `TontiFlex: pret ${P} accorde: 60 000 FCFA sur 3 mois, mensualite 20 401 FCFA, TEG 18.13%. ` +
      'Un agent vous contactera pour le decaissement.',
    `TontiFlex: pret ${P} decaisse: 59 400 FCFA envoyes sur votre compte mobile money. ` +
      'A rembourser en 3 mensualites de 20 401 FCFA, la 1re le 05/02/2027.',
    expect.stringMatching(
      new RegExp(
        `^TontiFlex: 20 401 FCFA recus pour votre pret ${P}\\. Reste du: 40 803 FCFA\\. ` +
          'Prochaine echeance: 20 401 FCFA le 05/03/2027\\. Ref TFRP\\w+$',
      ),
    ),
    `TontiFlex: l'agent Koffi Agbo a recu 20 401 FCFA en especes pour votre pret ${P}. ` +
      `Reste du: 20 402 FCFA. Prochaine echeance: 20 402 FCFA le 05/04/2027. Ref R${cash.body.id}`,
    expect.stringMatching(
      new RegExp(
        `^TontiFlex: 20 402 FCFA recus\\. Votre pret ${P} est entierement rembourse \\(solde\\)\\. ` +
          'Merci! Ref TFRP\\w+$',
      ),
    ),
    `TontiFlex: pret ${P} solde: la garantie de 6 000 FCFA bloquee sur votre compte epargne est liberee.`,
  ]);
});
