import type { Sfd, User } from '../../../src/accounts/entities';
import { JournalEntry } from '../../../src/ledger/entities';
import { agentCashAccount, post, sfdAccount } from '../../../src/ledger/service';
import { Loan, LoanApplication, LoanInstalment, LoanPayment } from '../../../src/loans/entities';
import { loanPenaltyAccount, loanPrincipalAccount } from '../../../src/loans/ledger-accounts';
import { cashRepaymentEntryKey, REPAYMENT_PURPOSE } from '../../../src/loans/repayments';
import { PaymentTransaction } from '../../../src/payments/entities';
import { formatXof } from '../../../src/shared/money';
import { auditOf } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { entryLines, ledgerBalance } from '../../helpers/ledger';
import { eligibleClient, makeLoan } from './helpers';

/**
 * Repayments through HTTP (issue 14). The fixtures' loan: 100 000 at 12 % over 12 months (annuity),
 * disbursed on 5 Jan 2027, due on the 5th of each month from 5 Feb. Worked by hand:
 * #1: interest 100 000 × 1 % = 1 000, principal 8 885 − 1 000 = 7 885, outstanding 92 115;
 * #2: interest 921.15 → 921, principal 7 964, outstanding 84 151; #3…#12: the rest.
 */
let t: TestApp;
let sfd: Sfd;
let agent: User;
let seq = 0;
/** The simulator pays a phone ending in 1 (9: refused, 8: never answers). */
const phoneEnding = (d: 1 | 8 | 9) => `+22901962${String(++seq).padStart(4, '0')}${d}`;

/** `hour` o'clock in Porto-Novo (UTC+1) on local day `date`. */
const local = (date: string, hour = 10) =>
  new Date(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10), hour - 1));

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '30' });
  sfd = await makeSfd(t, 'RPY');
  agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });
});
afterAll(() => t.close());

const m = () => t.deps.db.manager;
const balanceOf = (code: string) => ledgerBalance(t, code, true);
const bodies = async (u: User) => (await t.inbox.to(u.phone as string)).map((s) => s.body);

async function until(check: () => Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A loan disbursed on 5 Jan 2027 (10:00 local) to a new client whose phone ends in `ending`. */
async function disbursed(ending: 1 | 8 | 9 = 1, opts: Parameters<typeof makeLoan>[4] = {}) {
  t.clock.set(local('2027-01-05'));
  const client = await makeUser(t, 'client', sfd, { phone: phoneEnding(ending), kycStatus: 'verified' });
  const { savings } = await eligibleClient(t, sfd, { client });
  const made = await makeLoan(t, sfd, client, savings, { disbursedOn: '2027-01-05', ...opts });
  const scheduled = made.instalments.reduce((s, i) => s + i.total, 0);
  return { client, savings, ...made, scheduled };
}

/** Logs in at the clock's time (tokens live 15 minutes of the test clock). */
const tokenOf = (u: User) => tokenFor(t, u);

const repay = (token: string, body: object, key?: string) => {
  const req = t.request.post('/api/loans/payments/').set('Authorization', `Bearer ${token}`);
  if (key) req.set('Idempotency-Key', key);
  return req.send(body);
};

const instalment = (loanId: number, n: number) => m().findOneByOrFail(LoanInstalment, { loanId, n });

describe('allocation through HTTP', () => {
  it('a partial cash payment pays the penalty, then the interest, then principal; entry and SMS exact', async () => {
    const { client, loan, scheduled } = await disbursed();
    t.clock.set(local('2027-02-10')); // #1 is 5 days late
    // 50 of penalties on #1, as the daily job would have posted them.
    await m().update(LoanInstalment, { loanId: loan.id, n: 1 }, { penaltyAccrued: 50 });
    await post(m(), {
      key: `test:penalty:${loan.id}`,
      kind: 'test_penalty',
      lines: [
        { account: loanPenaltyAccount(loan.id), amount: -50 },
        { account: sfdAccount(sfd.id, 'penalty-income'), amount: 50 },
      ],
      sfdId: sfd.id,
      at: t.clock.now(),
    });
    const cashBefore = await balanceOf(agentCashAccount(agent.id));
    const res = await repay(await tokenOf(agent), { loan_id: loan.id, amount: 5000, method: 'cash' }, 'p-1');
    expect(res.status).toBe(201);
    // 5 000 = 50 penalty + 1 000 interest + 3 950 principal (of #1's 7 885).
    expect(res.body).toMatchObject({
      loan_id: loan.id,
      client_id: client.id,
      amount: 5000,
      method: 'cash',
      status: 'confirme',
      penalty_part: 50,
      interest_part: 1000,
      principal_part: 3950,
      excess: 0,
      collected_by: agent.id,
      confirmed_by: agent.id,
      journal_entry_key: cashRepaymentEntryKey(res.body.id),
    });
    expect(await entryLines(t, cashRepaymentEntryKey(res.body.id))).toEqual({
      [agentCashAccount(agent.id)]: -5000,
      [loanPenaltyAccount(loan.id)]: 50,
      [sfdAccount(sfd.id, 'interest-income')]: 1000,
      [loanPrincipalAccount(loan.id)]: 3950,
    });
    expect(await balanceOf(agentCashAccount(agent.id))).toBe(cashBefore - 5000);
    expect(await balanceOf(loanPrincipalAccount(loan.id))).toBe(-96_050);
    expect(await balanceOf(loanPenaltyAccount(loan.id))).toBe(0);
    expect(await instalment(loan.id, 1)).toMatchObject({
      penaltyPaid: 50,
      interestPaid: 1000,
      principalPaid: 3950,
      interestWaived: 0,
      status: 'a_payer',
      paidAt: null,
    });
    expect((await m().findOneByOrFail(Loan, { id: loan.id })).status).toBe('en_remboursement');
    // What remains: the schedule + 50 of penalties − 5 000; #1 still owes 7 885 − 3 950 = 3 935.
    expect(await bodies(client)).toEqual([
      `TontiFlex: l'agent Koffi Agbo a recu 5 000 FCFA en especes pour votre pret P${loan.applicationId}. ` +
        `Reste du: ${formatXof(scheduled + 50 - 5000)} FCFA. ` +
        `Prochaine echeance: 3 935 FCFA le 05/02/2027. Ref R${res.body.id}`,
    ]);
    expect((await auditOf(t, 'loan', loan.id)).map((e) => [e.action, e.actorId, e.after])).toEqual([
      ['loans.loan.en_remboursement', agent.id, { status: 'en_remboursement', payment_id: res.body.id }],
    ]);
    expect((await auditOf(t, 'loan_payment', res.body.id)).map((e) => e.action)).toEqual([
      'loans.payment.confirme',
    ]);
  });

  it('a mobile-money overpayment spills into the next instalment: its interest, then its principal', async () => {
    const { client, loan, scheduled } = await disbursed(1);
    t.clock.set(local('2027-02-05')); // #1 due today
    const res = await repay(await tokenOf(client), {
      loan_id: loan.id,
      amount: 12_000,
      method: 'mobile_money',
    });
    expect(res.status).toBe(201);
    expect(['en_attente', 'confirme']).toContain(res.body.status);
    const reference = res.body.payment_reference as string;
    expect(res.body.payment).toMatchObject({ reference, type: 'remboursement_pret', amount: 12_000 });
    expect(await m().findOneByOrFail(PaymentTransaction, { reference })).toMatchObject({
      purpose: REPAYMENT_PURPOSE,
      purposeRef: String(loan.id),
      clientId: client.id,
      phone: client.phone,
    });
    await until(
      async () => (await m().findOneByOrFail(LoanPayment, { id: res.body.id })).status === 'confirme',
    );
    // #1: 1 000 + 7 885 = 8 885 (paye); 12 000 − 8 885 = 3 115 → #2's interest 921, principal 2 194.
    expect(await m().findOneByOrFail(LoanPayment, { id: res.body.id })).toMatchObject({
      penaltyPart: 0,
      interestPart: 1921,
      principalPart: 10_079,
      excess: 0,
      journalEntryKey: `payment:${reference}`,
      confirmedBy: null,
    });
    expect(await entryLines(t, `payment:${reference}`)).toEqual({
      [sfdAccount(sfd.id, 'mobile-money')]: -12_000,
      [sfdAccount(sfd.id, 'interest-income')]: 1921,
      [loanPrincipalAccount(loan.id)]: 10_079,
    });
    const first = await instalment(loan.id, 1);
    expect(first).toMatchObject({ status: 'paye', interestPaid: 1000, principalPaid: 7885 });
    expect(first.paidAt).not.toBeNull();
    expect(await instalment(loan.id, 2)).toMatchObject({
      status: 'a_payer',
      interestPaid: 921,
      principalPaid: 2194,
    });
    // #2 still owes 8 885 − 3 115 = 5 770, due 5 March.
    expect(await bodies(client)).toEqual([
      `TontiFlex: 12 000 FCFA recus pour votre pret P${loan.applicationId}. Reste du: ` +
        `${formatXof(scheduled - 12_000)} FCFA. Prochaine ` +
        `echeance: 5 770 FCFA le 05/03/2027. Ref ${reference}`,
    ]);
  });
});

describe('early payoff', () => {
  it('closes the loan: current interest paid, later interest waived, excess in suspense, hold released', async () => {
    const { client, savings, loan, application, instalments, scheduled } = await disbursed(8, {
      guaranteePct: 20,
    });
    // The grant's hold (H1 makes it at the grant): 20 % of 100 000.
    await m().transaction((tx) =>
      t.modules.savings.holds.hold(tx, {
        accountId: savings.id,
        amount: 20_000,
        reason: 'loan_guarantee',
        ref: { type: 'loan', id: loan.id },
        at: t.clock.now(),
      }),
    );
    const available = async () => (await t.modules.savings.holds.activeAccountOf(m(), client.id))?.available;
    expect(await available()).toBe(80_000);
    t.clock.set(local('2027-02-20')); // #1 late (no penalty here), #2 (due 5 March) the current period
    // Payoff: #1 8 885 + #2 8 885 + the principal of #3…#12 (84 151) = 101 921.
    expect(await t.modules.loans.repayments.dueNow(loan.id)).toMatchObject({
      next: { n: 1, dueDate: '2027-02-05', total: 8885, penalty: 0 },
      overdue: 8885,
      dueNow: 8885,
      payoff: 101_921,
    });
    const token = await tokenOf(client);
    const above = await repay(token, { loan_id: loan.id, amount: 101_922, method: 'mobile_money' });
    expect(above.status).toBe(409);
    expect(above.body.errors).toEqual({ amount: ['above_payoff'] });
    // The client pushes the payoff (a phone that never answers: the test settles it) …
    const res = await repay(token, { loan_id: loan.id, amount: 101_921, method: 'mobile_money' });
    expect([res.status, res.body.status]).toEqual([201, 'en_attente']);
    // … meanwhile an agent takes 1 000 in cash (#1's interest): the payoff falls to 100 921.
    const cash = await repay(
      await tokenOf(agent),
      { loan_id: loan.id, amount: 1000, method: 'cash' },
      'pay-1',
    );
    expect(cash.body).toMatchObject({ interest_part: 1000, principal_part: 0 });
    const reference = res.body.payment_reference as string;
    const payment = await m().findOneByOrFail(PaymentTransaction, { reference });
    const suspenseBefore = await balanceOf(sfdAccount(sfd.id, 'suspense'));
    expect(
      await t.payments.service.settle(payment, {
        status: 'success',
        providerTransactionId: null,
        amount: 101_921,
        reason: null,
      }),
    ).toBe(true);
    // #1 principal 7 885 + #2 921 + 7 964 + 84 151 later principal; 1 000 beyond is excess.
    expect(await entryLines(t, `payment:${reference}`)).toEqual({
      [sfdAccount(sfd.id, 'mobile-money')]: -101_921,
      [sfdAccount(sfd.id, 'interest-income')]: 921,
      [loanPrincipalAccount(loan.id)]: 100_000,
      [sfdAccount(sfd.id, 'suspense')]: 1000,
    });
    expect(await balanceOf(loanPrincipalAccount(loan.id))).toBe(0);
    expect(await balanceOf(sfdAccount(sfd.id, 'suspense'))).toBe(suspenseBefore + 1000);
    expect(await m().findOneByOrFail(LoanPayment, { id: res.body.id })).toMatchObject({
      status: 'confirme',
      interestPart: 921,
      principalPart: 100_000,
      excess: 1000,
    });
    const after = await m().find(LoanInstalment, { where: { loanId: loan.id }, order: { n: 'ASC' } });
    expect(after.every((i) => i.status === 'paye' && i.principalPaid === i.principal)).toBe(true);
    // Waived: every interest of #3…#12, exactly; none of #1 or #2.
    expect(after.map((i) => i.interestWaived)).toEqual([
      0,
      0,
      ...instalments.slice(2).map((i) => i.interest),
    ]);
    expect(after.reduce((s, i) => s + i.interestWaived, 0)).toBe(scheduled - 100_000 - 1000 - 921);
    const closed = await m().findOneByOrFail(Loan, { id: loan.id });
    expect(closed.status).toBe('solde');
    expect(closed.closedAt).toEqual(t.clock.now());
    expect((await m().findOneByOrFail(LoanApplication, { id: application.id })).openClientId).toBeNull();
    expect(await available()).toBe(100_000);
    expect((await auditOf(t, 'loan', loan.id)).map((e) => [e.action, e.actorId, e.after?.status])).toEqual([
      ['loans.loan.en_remboursement', agent.id, 'en_remboursement'],
      ['loans.loan.solde', null, 'solde'],
    ]);
    // Four SMS (the delivery worker sends them in any order).
    const sent = await bodies(client);
    expect(sent).toHaveLength(4);
    expect(sent).toEqual(
      expect.arrayContaining([
        expect.stringContaining("l'agent Koffi Agbo a recu 1 000 FCFA en especes"),
        `TontiFlex: 101 921 FCFA recus. Votre pret P${loan.applicationId} est entierement rembourse (solde). Merci! Ref ${reference}`,
        `TontiFlex: pret P${loan.applicationId} solde: la garantie de 20 000 FCFA bloquee sur votre compte epargne est liberee.`,
        `TontiFlex: 1 000 FCFA payes en plus du solde de votre pret P${loan.applicationId} (ref ${reference}) vous seront rendus par votre agence.`,
      ]),
    );
    // Solde: it takes no more repayments; the client may apply again.
    const again = await repay(token, { loan_id: loan.id, amount: 100, method: 'mobile_money' });
    expect(again.status).toBe(409);
    const apply = await t.request
      .post('/api/loans/applications/')
      .set('Authorization', `Bearer ${token}`)
      .send({ amount: 50_000, months: 6, purpose: 'commerce' });
    expect(apply.status).toBe(201);
  });
});

describe('what cannot be applied is parked in suspense', () => {
  it("a payment started elsewhere for someone else's loan: suspense, the loan untouched, the generic receipt", async () => {
    const { loan } = await disbursed(8);
    const intruder = await makeUser(t, 'client', sfd, { phone: phoneEnding(8) });
    const started = await t.request
      .post('/api/payments/initiate/')
      .set('Authorization', `Bearer ${await tokenOf(intruder)}`)
      .send({ type: 'remboursement_pret', amount: 5000, purpose_ref: String(loan.id) });
    expect(started.status).toBe(201);
    const payment = await m().findOneByOrFail(PaymentTransaction, { reference: started.body.reference });
    const suspenseBefore = await balanceOf(sfdAccount(sfd.id, 'suspense'));
    await t.payments.service.settle(payment, {
      status: 'success',
      providerTransactionId: null,
      amount: 5000,
      reason: null,
    });
    expect(await entryLines(t, `payment:${payment.reference}`)).toEqual({
      [sfdAccount(sfd.id, 'mobile-money')]: -5000,
      [sfdAccount(sfd.id, 'suspense')]: 5000,
    });
    expect(await balanceOf(sfdAccount(sfd.id, 'suspense'))).toBe(suspenseBefore + 5000);
    expect(await balanceOf(loanPrincipalAccount(loan.id))).toBe(-100_000);
    expect(await m().countBy(LoanPayment, { loanId: loan.id })).toBe(0);
    expect((await m().findOneByOrFail(Loan, { id: loan.id })).status).toBe('decaisse');
    expect(await bodies(intruder)).toEqual([
      `TontiFlex: paiement de 5 000 FCFA recu. Ref ${payment.reference}. Merci.`,
    ]);
  });

  it('a pending repayment whose loan was closed meanwhile ends echoue, its money in suspense', async () => {
    const { client, loan } = await disbursed(8);
    const res = await repay(await tokenOf(client), {
      loan_id: loan.id,
      amount: 3000,
      method: 'mobile_money',
    });
    expect(res.status).toBe(201);
    await m().update(Loan, { id: loan.id }, { status: 'solde' });
    const payment = await m().findOneByOrFail(PaymentTransaction, { reference: res.body.payment_reference });
    await t.payments.service.settle(payment, {
      status: 'success',
      providerTransactionId: null,
      amount: 3000,
      reason: null,
    });
    expect(await m().findOneByOrFail(LoanPayment, { id: res.body.id })).toMatchObject({
      status: 'echoue',
      reason: 'not_applicable',
      principalPart: 0,
    });
    expect(await entryLines(t, `payment:${payment.reference}`)).toEqual({
      [sfdAccount(sfd.id, 'mobile-money')]: -3000,
      [sfdAccount(sfd.id, 'suspense')]: 3000,
    });
  });
});

describe('cash idempotency and refusals', () => {
  it('the same Idempotency-Key ten times at once: one row, one entry, one SMS, every answer the first', async () => {
    const { client, loan } = await disbursed();
    const token = await tokenOf(agent);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        repay(token, { loan_id: loan.id, amount: 2000, method: 'cash' }, 'burst-1'),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    expect(await m().countBy(LoanPayment, { loanId: loan.id })).toBe(1);
    expect(await m().countBy(JournalEntry, { key: cashRepaymentEntryKey([...ids][0]) })).toBe(1);
    expect(await balanceOf(loanPrincipalAccount(loan.id))).toBe(-99_000); // 2 000 − 1 000 interest
    expect(await t.inbox.to(client.phone as string)).toHaveLength(1);
    const replay = await repay(token, { loan_id: loan.id, amount: 2000, method: 'cash' }, 'burst-1');
    expect([replay.status, replay.body.id, replay.headers['idempotent-replayed']]).toEqual([
      201,
      [...ids][0],
      'true',
    ]);
    expect((await repay(token, { loan_id: loan.id, amount: 2100, method: 'cash' }, 'burst-1')).status).toBe(
      409,
    );
    const other = await disbursed();
    expect(
      (await repay(await tokenOf(agent), { loan_id: other.loan.id, amount: 2000, method: 'cash' }, 'burst-1'))
        .status,
    ).toBe(409);
    expect(await balanceOf(loanPrincipalAccount(loan.id))).toBe(-99_000);
  });

  it('refused: no key (400), the client in cash (403), 0 (400), above the payoff or not disbursed (409)', async () => {
    const { client, loan } = await disbursed();
    const token = await tokenOf(agent);
    const missing = await repay(token, { loan_id: loan.id, amount: 500, method: 'cash' });
    expect(missing.status).toBe(400);
    expect(Object.keys(missing.body.errors)).toEqual(['Idempotency-Key']);
    expect(
      (await repay(await tokenOf(client), { loan_id: loan.id, amount: 500, method: 'cash' }, 'c')).status,
    ).toBe(403);
    expect((await repay(token, { loan_id: loan.id, amount: 0, method: 'cash' }, 'zero')).status).toBe(400);
    // Disbursed today: payoff = #1's 8 885 + the other principal 92 115 = 101 000.
    expect((await t.modules.loans.repayments.dueNow(loan.id)).payoff).toBe(101_000);
    expect((await repay(token, { loan_id: loan.id, amount: 101_001, method: 'cash' }, 'big')).status).toBe(
      409,
    );
    const other = await eligibleClient(t, sfd);
    const { loan: granted } = await makeLoan(t, sfd, other.client, other.savings); // accorde, not disbursed
    expect((await repay(token, { loan_id: granted.id, amount: 500, method: 'cash' }, 'granted')).status).toBe(
      409,
    );
    expect(await m().countBy(LoanPayment, { loanId: loan.id })).toBe(0);
  });
});

describe('confirmer', () => {
  it('asks the provider: still pending, then the money arrived (confirme); final: 409', async () => {
    const { client, loan } = await disbursed(8);
    const res = await repay(await tokenOf(client), {
      loan_id: loan.id,
      amount: 4000,
      method: 'mobile_money',
    });
    const staff = await tokenOf(agent);
    const confirm = () =>
      t.request.post(`/api/loans/payments/${res.body.id}/confirmer/`).set('Authorization', `Bearer ${staff}`);
    const pending = await confirm();
    expect([pending.status, pending.body.status]).toEqual([200, 'en_attente']);
    // The provider now has the money (its webhook lost): the staff's question applies it.
    const provider = t.payments.service.provider;
    const verify = jest
      .spyOn(provider, 'verify')
      .mockImplementation((id) =>
        Promise.resolve({ status: 'success', providerTransactionId: id, amount: 4000, reason: null }),
      );
    try {
      const done = await confirm();
      expect([done.status, done.body.status, done.body.interest_part, done.body.principal_part]).toEqual([
        200,
        'confirme',
        1000,
        3000,
      ]);
    } finally {
      verify.mockRestore();
    }
    expect((await confirm()).status).toBe(409);
  });

  it('a failed payment: the repayment ends echoue with it (nothing left to confirm: 409); a cash one is never pending (409)', async () => {
    const { client, loan } = await disbursed(9);
    const res = await repay(await tokenOf(client), {
      loan_id: loan.id,
      amount: 4000,
      method: 'mobile_money',
    });
    await until(
      async () =>
        (await m().findOneByOrFail(PaymentTransaction, { reference: res.body.payment_reference })).status ===
        'failed',
    );
    // The payment's failure ends the repayment in its transaction (failCollection): no staff needed.
    expect(await m().findOneByOrFail(LoanPayment, { id: res.body.id })).toMatchObject({
      status: 'echoue',
      reason: 'INSUFFICIENT_FUND',
    });
    const staff = await tokenOf(agent);
    const failed = await t.request
      .post(`/api/loans/payments/${res.body.id}/confirmer/`)
      .set('Authorization', `Bearer ${staff}`);
    expect(failed.status).toBe(409);
    expect(await balanceOf(loanPrincipalAccount(loan.id))).toBe(-100_000);
    const cash = await repay(staff, { loan_id: loan.id, amount: 100, method: 'cash' }, 'conf-cash');
    expect(
      (
        await t.request
          .post(`/api/loans/payments/${cash.body.id}/confirmer/`)
          .set('Authorization', `Bearer ${staff}`)
      ).status,
    ).toBe(409);
  });
});
