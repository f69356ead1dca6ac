import type { Sfd, User } from '../../../src/accounts/entities';
import { JournalEntry } from '../../../src/ledger/entities';
import { agentCashAccount, sfdAccount } from '../../../src/ledger/service';
import { Loan, LoanInstalment, LoanPayment } from '../../../src/loans/entities';
import { loanPrincipalAccount } from '../../../src/loans/ledger-accounts';
import { cashRepaymentEntryKey } from '../../../src/loans/repayments';
import { formatXof } from '../../../src/shared/money';
import { auditOf } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { entryLines, ledgerBalance } from '../../helpers/ledger';
import { eligibleClient, makeLoan } from './helpers';

/**
 * The loan's status as repayments move it (issue 14): en_defaut back to en_remboursement once no
 * instalment is late beyond the SFD's defaultAfterDays (and not before), a cash payoff that closes the
 * loan even when ten retries race it, and a repayment started through the generic payments API. The
 * fixtures' loan: 100 000 at 12 % over 12 months, disbursed 5 Jan 2027, #1 8 885 (1 000 interest,
 * 7 885 principal) due 5 Feb, then the 5th of each month.
 */
let t: TestApp;
let agent: User;
let seq = 0;

const local = (date: string, hour = 10) =>
  new Date(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10), hour - 1));

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '30' });
});
afterAll(() => t.close());

const m = () => t.deps.db.manager;

async function disbursed(sfd: Sfd, status: Loan['status'] = 'decaisse', language: User['language'] = 'fr') {
  t.clock.set(local('2027-01-05'));
  const client = await makeUser(t, 'client', sfd, {
    phone: `+22901963${String(++seq).padStart(4, '0')}1`,
    kycStatus: 'verified',
    language,
  });
  const { savings } = await eligibleClient(t, sfd, { client });
  const made = await makeLoan(t, sfd, client, savings, { disbursedOn: '2027-01-05', status });
  return { client, ...made, scheduled: made.instalments.reduce((s, i) => s + i.total, 0) };
}

const cash = async (loanId: number, amount: number, key: string, who: User = agent) =>
  t.request
    .post('/api/loans/payments/')
    .set('Authorization', `Bearer ${await tokenFor(t, who)}`)
    .set('Idempotency-Key', key)
    .send({ loan_id: loanId, amount, method: 'cash' });

describe('en_defaut', () => {
  it('back to en_remboursement when the oldest unpaid instalment is no longer late beyond 90 days', async () => {
    const sfd = await makeSfd(t, 'DF1');
    agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });
    const { loan } = await disbursed(sfd, 'en_defaut');
    // 10 May: #1 (5 Feb) is 94 days late, #2 (5 March) 66.
    t.clock.set(local('2027-05-10'));
    const res = await cash(loan.id, 8885, 'cure-1');
    expect(res.body).toMatchObject({ status: 'confirme', interest_part: 1000, principal_part: 7885 });
    expect((await m().findOneByOrFail(Loan, { id: loan.id })).status).toBe('en_remboursement');
    expect((await auditOf(t, 'loan', loan.id)).map((e) => [e.action, e.before, e.after])).toEqual([
      [
        'loans.loan.en_remboursement',
        { status: 'en_defaut', payment_id: res.body.id },
        { status: 'en_remboursement', payment_id: res.body.id },
      ],
    ]);
  });

  it('stays en_defaut while an instalment is still late beyond the SFD setting (30 days here)', async () => {
    const sfd = await makeSfd(t, 'DF2');
    agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });
    await t.modules.loans.settings.update(sfd.id, { defaultAfterDays: 30 }, agent.id);
    const { loan } = await disbursed(sfd, 'en_defaut');
    t.clock.set(local('2027-05-10')); // after #1 is paid, #2 is 66 days late > 30
    expect((await cash(loan.id, 8885, 'still-1')).status).toBe(201);
    expect((await m().findOneByOrFail(Loan, { id: loan.id })).status).toBe('en_defaut');
    expect(await auditOf(t, 'loan', loan.id)).toEqual([]);
    // #2 paid too: #3 (5 April) is 35 days late, still > 30; #3 paid: #4 (5 May) 5 days → cured.
    await cash(loan.id, 8885, 'still-2');
    expect((await m().findOneByOrFail(Loan, { id: loan.id })).status).toBe('en_defaut');
    await cash(loan.id, 8885, 'still-3');
    expect((await m().findOneByOrFail(Loan, { id: loan.id })).status).toBe('en_remboursement');
  });
});

describe('solde in cash', () => {
  it('ten retries of a payoff at once: one payment closes the loan, the nine others answer it', async () => {
    const sfd = await makeSfd(t, 'SC1');
    agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });
    const { client, loan, scheduled } = await disbursed(sfd);
    // Disbursed today: payoff = #1 8 885 (the current period) + the other principal 92 115 = 101 000.
    const token = await tokenFor(t, agent);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.request
          .post('/api/loans/payments/')
          .set('Authorization', `Bearer ${token}`)
          .set('Idempotency-Key', 'payoff-1')
          .send({ loan_id: loan.id, amount: 101_000, method: 'cash' }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const id = answers[0].body.id as number;
    expect(await m().countBy(LoanPayment, { loanId: loan.id })).toBe(1);
    expect(await m().countBy(JournalEntry, { key: cashRepaymentEntryKey(id) })).toBe(1);
    expect(await entryLines(t, cashRepaymentEntryKey(id))).toEqual({
      [agentCashAccount(agent.id)]: -101_000,
      [sfdAccount(sfd.id, 'interest-income')]: 1000,
      [loanPrincipalAccount(loan.id)]: 100_000,
    });
    expect(await ledgerBalance(t, loanPrincipalAccount(loan.id))).toBe(0);
    const rows = await m().find(LoanInstalment, { where: { loanId: loan.id }, order: { n: 'ASC' } });
    expect(rows.reduce((s, i) => s + i.interestWaived, 0)).toBe(scheduled - 100_000 - 1000);
    expect(rows.every((i) => i.status === 'paye')).toBe(true);
    expect((await m().findOneByOrFail(Loan, { id: loan.id })).status).toBe('solde');
    // No hold on this loan: no guarantee SMS, only the receipt naming the agent.
    expect((await t.inbox.to(client.phone as string)).map((s) => s.body)).toEqual([
      `TontiFlex: l'agent Koffi Agbo a recu 101 000 FCFA en especes. Votre pret P${loan.applicationId} est entierement ` +
        `rembourse (solde). Merci! Ref R${id}`,
    ]);
    expect((await cash(loan.id, 100, 'payoff-2')).status).toBe(409);
  });
});

describe('a repayment started through POST /api/payments/initiate/', () => {
  it("is applied to the client's own loan like any other (the row is written when it succeeds)", async () => {
    const sfd = await makeSfd(t, 'GI1');
    const { client, loan, scheduled } = await disbursed(sfd, 'decaisse', 'en');
    t.clock.set(local('2027-02-05'));
    const started = await t.request
      .post('/api/payments/initiate/')
      .set('Authorization', `Bearer ${await tokenFor(t, client)}`)
      .send({ type: 'remboursement_pret', amount: 8885, purpose_ref: String(loan.id) });
    expect(started.status).toBe(201);
    const reference = started.body.reference as string;
    const until = Date.now() + 5000;
    while (!(await m().findOneBy(LoanPayment, { paymentReference: reference }))) {
      if (Date.now() > until) throw new Error('the repayment was never applied');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await m().findOneByOrFail(LoanPayment, { paymentReference: reference })).toMatchObject({
      status: 'confirme',
      method: 'mobile_money',
      amount: 8885,
      interestPart: 1000,
      principalPart: 7885,
      requestedBy: client.id,
    });
    expect((await m().findOneByOrFail(LoanInstalment, { loanId: loan.id, n: 1 })).status).toBe('paye');
    expect((await m().findOneByOrFail(Loan, { id: loan.id })).status).toBe('en_remboursement');
    // The client reads English: the receipt too (#2, 8 885, is next on 5 March).
    expect((await t.inbox.to(client.phone as string)).map((s) => s.body)).toEqual([
      `TontiFlex: 8 885 FCFA received for your loan P${loan.applicationId}. Still due: ${formatXof(scheduled - 8885)} FCFA. ` +
        `Next instalment: 8 885 FCFA on 05/03/2027. Ref ${reference}`,
    ]);
  });
});
