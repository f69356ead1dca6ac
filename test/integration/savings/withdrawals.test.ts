import type { Sfd, User } from '../../../src/accounts/entities';
import { JournalEntry } from '../../../src/ledger/entities';
import { sfdAccount } from '../../../src/ledger/service';
import { Notification } from '../../../src/notifications/inapp-entities';
import { PaymentTransaction } from '../../../src/payments/entities';
import { formatAccountNumber } from '../../../src/savings/account-number';
import { savingsBalance, savingsLedgerAccount } from '../../../src/savings/balance';
import { SavingsAccount, SavingsHold, SavingsTransaction } from '../../../src/savings/entities';
import { HoldsService } from '../../../src/savings/holds';
import { SAVINGS_WITHDRAWAL_PENDING } from '../../../src/savings/money-notices';
import {
  SAVINGS_PAYOUT_GRACE_MS,
  SAVINGS_WITHDRAWAL_PURPOSE,
  SavingsWithdrawalsService,
  savingsWithdrawalEntryKey,
  savingsWithdrawalReversalKey,
} from '../../../src/savings/withdrawals';
import { DepositsService } from '../../../src/savings/deposits';
import { auditOf } from '../../helpers/api';
import { entryLines, ledgerBalance } from '../../helpers/ledger';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { activeSavingsAccount } from './helpers';

/**
 * Savings withdrawals: the request against the available balance (20 at once never overdraw), the
 * agent's decision (cash at the branch; mobile money payout paid or failed and reversed; reject), 20
 * validations at once, holds that cannot be withdrawn until released. Ledger and SMS exact.
 */
let t: TestApp;
let sfd: Sfd;
let agent: User;
let agentToken: string;
let seq = 0;
/** The simulator pays a phone ending in 1 and refuses one ending in 9. */
const phoneEnding = (last: string) => `+22901962${String(++seq).padStart(4, '0')}${last}`;

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '30' });
  sfd = await makeSfd(t, 'SWD');
  agent = await makeUser(t, 'agent_sfd', sfd);
  agentToken = await tokenFor(t, agent);
});
afterAll(() => t.close());

const linesOf = (key: string) => entryLines(t, key);
const balanceOf = (code: string) => ledgerBalance(t, code, true);
const rowOf = (id: number) => t.deps.db.manager.findOneByOrFail(SavingsTransaction, { id });

async function until(check: () => Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ask = (token: string, accountId: number, amount: number) =>
  t.request
    .post(`/api/savings/accounts/${accountId}/withdraw/`)
    .set('Authorization', `Bearer ${token}`)
    .send({ amount });
const validate = (token: string, id: number, body: object) =>
  t.request
    .post(`/api/savings/transactions/${id}/validate/`)
    .set('Authorization', `Bearer ${token}`)
    .send(body);
const smsOf = async (user: User) => (await t.inbox.to(user.phone as string)).map((m) => m.body);

it('a request: en_cours undecided, audited, the agents told in-app, an SMS; nothing posted', async () => {
  const client = await makeUser(t, 'client', sfd, { firstName: 'Awa', lastName: 'Dossou' });
  const account = await activeSavingsAccount(t, sfd, client, 10_000);
  const res = await ask(await tokenFor(t, client), account.id, 4000);
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({
    account_id: account.id,
    type: 'retrait',
    status: 'en_cours',
    amount: 4000,
    decided_at: null,
    requested_by: client.id,
    journal_entry_key: null,
  });
  expect((await auditOf(t, 'savings_transaction', res.body.id)).map((e) => [e.action, e.after])).toEqual([
    ['savings.retrait.request', { status: 'en_cours', amount: 4000, account_id: account.id }],
  ]);
  const notices = await t.deps.db.manager.findBy(Notification, { type: SAVINGS_WITHDRAWAL_PENDING });
  expect(notices.filter((n) => n.userId === agent.id).map((n) => n.message)).toEqual([
    `Awa Dossou demande un retrait de 4 000 FCFA sur son compte épargne ${formatAccountNumber(account.id)}.`,
  ]);
  expect(await smsOf(client)).toEqual([
    `TontiFlex: demande de retrait de 4 000 FCFA sur votre compte epargne ${formatAccountNumber(account.id)} ` +
      `recue (ref E${res.body.id}). Un agent va la traiter.`,
  ]);
  expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(10_000);
  // The pending request is not available any more; the minimum is 500.
  const over = await ask(agentToken, account.id, 6001);
  expect(over.status).toBe(409);
  expect(over.body.type).toMatch(/insufficient-funds$/);
  expect(over.body.detail).toBe('at most 6000 XOF may be withdrawn');
  expect((await ask(agentToken, account.id, 499)).status).toBe(400);
  expect((await ask(agentToken, account.id, 6000)).status).toBe(201);
});

it('20 parallel requests against one balance never overdraw: exactly floor(available/amount) accepted', async () => {
  const client = await makeUser(t, 'client', sfd);
  const token = await tokenFor(t, client);
  const account = await activeSavingsAccount(t, sfd, client, 7_300);
  const answers = await Promise.all(Array.from({ length: 20 }, () => ask(token, account.id, 1000)));
  const statuses = answers.map((a) => a.status);
  expect(statuses.filter((s) => s === 201)).toHaveLength(7);
  expect(statuses.filter((s) => s === 409)).toHaveLength(13);
  const pending = await t.deps.db.manager.findBy(SavingsTransaction, {
    accountId: account.id,
    status: 'en_cours',
  });
  expect(pending.reduce((s, r) => s + r.amount, 0)).toBe(7000);
  // 20 validations at once (each request approved, in cash): all seven paid, the balance never below 0.
  const approvals = await Promise.all(
    [...pending, ...pending].map((r) => validate(agentToken, r.id, { decision: 'approve', method: 'cash' })),
  );
  expect(approvals.filter((a) => a.status === 200)).toHaveLength(7);
  expect(approvals.filter((a) => a.status === 409)).toHaveLength(7);
  expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(300);
  expect(
    await t.deps.db.manager.countBy(SavingsTransaction, { accountId: account.id, status: 'confirmee' }),
  ).toBe(7);
});

it('20 parallel validations of one request: one wins, one entry', async () => {
  const client = await makeUser(t, 'client', sfd);
  const account = await activeSavingsAccount(t, sfd, client, 5000);
  const { body: asked } = await ask(await tokenFor(t, client), account.id, 5000);
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      validate(
        agentToken,
        asked.id,
        i % 2 ? { decision: 'approve', method: 'cash' } : { decision: 'reject', reason: 'Non' },
      ),
    ),
  );
  expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
  expect(answers.filter((a) => a.status === 409)).toHaveLength(19);
  const row = await rowOf(asked.id);
  expect(await t.deps.db.manager.countBy(JournalEntry, { key: savingsWithdrawalEntryKey(asked.id) })).toBe(
    row.status === 'confirmee' ? 1 : 0,
  );
  expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(row.status === 'confirmee' ? 0 : 5000);
});

it('approve in cash: confirmee, branch cash, the notice closed, the SMS with the new balance, audited', async () => {
  const client = await makeUser(t, 'client', sfd);
  const account = await activeSavingsAccount(t, sfd, client, 9000);
  const { body: asked } = await ask(await tokenFor(t, client), account.id, 3000);
  const cashBefore = await balanceOf(sfdAccount(sfd.id, 'cash'));
  const res = await validate(agentToken, asked.id, { decision: 'approve', method: 'cash' });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    status: 'confirmee',
    method: 'cash',
    decided_by: agent.id,
    collected_by: agent.id,
    journal_entry_key: savingsWithdrawalEntryKey(asked.id),
    payment_reference: null,
  });
  expect(await linesOf(savingsWithdrawalEntryKey(asked.id))).toEqual({
    [savingsLedgerAccount(account.id)]: -3000,
    [sfdAccount(sfd.id, 'cash')]: 3000,
  });
  expect(await balanceOf(sfdAccount(sfd.id, 'cash'))).toBe(cashBefore + 3000);
  expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(6000);
  expect(
    (await auditOf(t, 'savings_transaction', asked.id)).map((e) => [e.action, e.before, e.after]),
  ).toEqual([
    ['savings.retrait.request', null, { status: 'en_cours', amount: 3000, account_id: account.id }],
    [
      'savings.retrait.approve',
      { status: 'en_cours', amount: 3000, decided: false },
      { status: 'en_cours', amount: 3000, decided: true, method: 'cash' },
    ],
    ['savings.retrait.paid_cash', { status: 'en_cours' }, { status: 'confirmee' }],
  ]);
  const notices = await t.deps.db.manager.findBy(Notification, { type: SAVINGS_WITHDRAWAL_PENDING });
  const mine = notices.filter((n) => n.data === JSON.stringify({ transaction_id: asked.id }));
  expect(mine.length).toBeGreaterThan(0);
  expect(mine.every((n) => n.readAt !== null)).toBe(true);
  expect((await smsOf(client)).at(-1)).toBe(
    `TontiFlex: retrait de 3 000 FCFA (compte epargne ${formatAccountNumber(account.id)}, ref E${asked.id}) ` +
      "remis en especes a l'agence. Nouveau solde: 6 000 FCFA.",
  );
  expect((await validate(agentToken, asked.id, { decision: 'reject', reason: 'Doublon' })).status).toBe(409);
});

it('reject: annulee with the reason, told; nothing posted; the money available again', async () => {
  const client = await makeUser(t, 'client', sfd);
  const token = await tokenFor(t, client);
  const account = await activeSavingsAccount(t, sfd, client, 2000);
  const { body: asked } = await ask(token, account.id, 2000);
  expect((await validate(agentToken, asked.id, { decision: 'reject' })).status).toBe(400);
  const res = await validate(agentToken, asked.id, { decision: 'reject', reason: 'Piece non presentee' });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ status: 'annulee', reason: 'Piece non presentee', decided_by: agent.id });
  expect(
    await t.deps.db.manager.findOneBy(JournalEntry, { key: savingsWithdrawalEntryKey(asked.id) }),
  ).toBeNull();
  expect((await smsOf(client)).at(-1)).toBe(
    `TontiFlex: retrait de 2 000 FCFA (compte epargne ${formatAccountNumber(account.id)}, ref E${asked.id}) ` +
      'refuse: Piece non presentee',
  );
  expect((await ask(token, account.id, 2000)).status).toBe(201);
});

it('approve by mobile money: en_cours decided, the entry posted, the payout sent; paid → confirmee', async () => {
  const client = await makeUser(t, 'client', sfd, { phone: phoneEnding('1') });
  const account = await activeSavingsAccount(t, sfd, client, 8000);
  const { body: asked } = await ask(await tokenFor(t, client), account.id, 5000);
  const res = await validate(agentToken, asked.id, { decision: 'approve', method: 'mobile_money' });
  expect(res.status).toBe(200);
  expect(res.body.payment_reference).toMatch(/^TF/);
  expect(res.body.decided_at).not.toBeNull();
  expect(await linesOf(savingsWithdrawalEntryKey(asked.id))).toEqual({
    [savingsLedgerAccount(account.id)]: -5000,
    [sfdAccount(sfd.id, 'mobile-money')]: 5000,
  });
  const payment = await t.deps.db.manager.findOneByOrFail(PaymentTransaction, {
    reference: res.body.payment_reference,
  });
  expect(payment).toMatchObject({
    direction: 'payout',
    type: 'retrait_epargne',
    purpose: SAVINGS_WITHDRAWAL_PURPOSE,
    purposeRef: String(asked.id),
    amount: 5000,
    phone: client.phone,
    initiatedBy: agent.id,
  });
  await until(async () => (await rowOf(asked.id)).status === 'confirmee');
  expect(await rowOf(asked.id)).toMatchObject({
    paymentReference: payment.reference,
    method: 'mobile_money',
  });
  expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(3000);
  // While it was being paid it was no longer pending: the rest was available.
  const sms = await smsOf(client);
  expect(sms).toContain(
    `TontiFlex: retrait de 5 000 FCFA (compte epargne ${formatAccountNumber(account.id)}, ref E${asked.id}) ` +
      "accepte. L'argent est envoye sur votre compte mobile money.",
  );
  await until(async () => (await smsOf(client)).length === 3);
  expect((await smsOf(client)).at(-1)).toBe(
    `TontiFlex: 5 000 FCFA envoyes sur votre compte mobile money. Ref ${payment.reference}.`,
  );
  expect((await auditOf(t, 'savings_transaction', asked.id)).map((e) => e.action)).toEqual([
    'savings.retrait.request',
    'savings.retrait.approve',
    'savings.retrait.paid',
  ]);
});

it('a failed payout gives the money back: a reversing entry, echouee (payout_failed)', async () => {
  const client = await makeUser(t, 'client', sfd, { phone: phoneEnding('9') });
  const account = await activeSavingsAccount(t, sfd, client, 6000);
  const { body: asked } = await ask(await tokenFor(t, client), account.id, 6000);
  const res = await validate(agentToken, asked.id, { decision: 'approve', method: 'mobile_money' });
  expect(res.status).toBe(200);
  await until(async () => (await rowOf(asked.id)).status === 'echouee');
  expect(await rowOf(asked.id)).toMatchObject({
    reason: 'payout_failed',
    paymentReference: res.body.payment_reference,
  });
  expect(await linesOf(savingsWithdrawalReversalKey(asked.id))).toEqual({
    [savingsLedgerAccount(account.id)]: 6000,
    [sfdAccount(sfd.id, 'mobile-money')]: -6000,
  });
  expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(6000);
  expect((await auditOf(t, 'savings_transaction', asked.id)).map((e) => e.action)).toEqual([
    'savings.retrait.request',
    'savings.retrait.approve',
    'savings.retrait.payout_failed',
  ]);
  // The money is back and available.
  expect((await ask(await tokenFor(t, client), account.id, 6000)).status).toBe(201);
});

it('a payout lost to a crash after the approval is sent by the sweep, once', async () => {
  const client = await makeUser(t, 'client', sfd, { phone: phoneEnding('1') });
  const account = await activeSavingsAccount(t, sfd, client, 4000);
  const { body: asked } = await ask(await tokenFor(t, client), account.id, 4000);
  const principal = {
    userId: agent.id,
    role: agent.role,
    sfdId: sfd.id,
    jti: 'j',
    familyId: 'f',
    expiresAt: 0,
  };
  const crashing = Object.create(t.payments.service) as typeof t.payments.service;
  crashing.payout = () => Promise.reject(new Error('process killed'));
  const deposits = new DepositsService(t.deps, t.accounts.service, t.payments.service);
  await expect(
    new SavingsWithdrawalsService(t.deps, t.accounts.service, crashing, deposits).decide(
      principal,
      asked.id,
      {
        decision: 'approve',
        method: 'mobile_money',
      },
    ),
  ).rejects.toThrow('process killed');
  expect(await rowOf(asked.id)).toMatchObject({ status: 'en_cours', paymentReference: null });
  const sweep = new SavingsWithdrawalsService(t.deps, t.accounts.service, t.payments.service, deposits);
  expect(await sweep.resumePayouts()).toBe(0);
  t.clock.advance(SAVINGS_PAYOUT_GRACE_MS + 1000);
  expect(await sweep.resumePayouts()).toBe(1);
  await until(async () => (await rowOf(asked.id)).status === 'confirmee');
  expect(await sweep.resumePayouts()).toBe(0);
  const payouts = await t.deps.db.manager.findBy(PaymentTransaction, {
    purpose: SAVINGS_WITHDRAWAL_PURPOSE,
    purposeRef: String(asked.id),
  });
  expect(payouts.map((x) => [x.direction, x.amount, x.status])).toEqual([['payout', 4000, 'success']]);
  expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(0);
});

it('held money cannot be withdrawn; released, it can', async () => {
  const client = await makeUser(t, 'client', sfd);
  const token = await tokenFor(t, client);
  const account = await activeSavingsAccount(t, sfd, client, 10_000);
  const holds = new HoldsService();
  const at = t.clock.now();
  const hold = await t.deps.db.transaction((m) =>
    holds.hold(m, {
      accountId: account.id,
      amount: 8000,
      reason: 'loan_guarantee',
      ref: { type: 'loan', id: 77 },
      at,
    }),
  );
  expect(hold).toMatchObject({
    accountId: account.id,
    amount: 8000,
    refType: 'loan',
    refId: '77',
    releasedAt: null,
  });
  // More than available cannot be held either.
  await expect(
    t.deps.db.transaction((m) =>
      holds.hold(m, { accountId: account.id, amount: 2001, reason: 'loan_guarantee', at }),
    ),
  ).rejects.toMatchObject({ status: 409, code: 'insufficient_funds' });
  const refused = await ask(token, account.id, 2500);
  expect(refused.status).toBe(409);
  expect(refused.body.detail).toBe('at most 2000 XOF may be withdrawn');
  expect((await ask(token, account.id, 2000)).status).toBe(201);
  expect(await t.deps.db.manager.transaction((m) => savingsBalance(m, account))).toEqual({
    balance: 10_000,
    held: 8000,
    pendingWithdrawals: 2000,
    available: 0,
  });
  expect(await t.deps.db.transaction((m) => holds.release(m, { ref: { type: 'loan', id: 77 } }, at))).toBe(1);
  expect(await t.deps.db.transaction((m) => holds.release(m, { holdId: hold.id }, at))).toBe(0);
  expect((await t.deps.db.manager.findOneByOrFail(SavingsHold, { id: hold.id })).releasedAt).not.toBeNull();
  expect((await ask(token, account.id, 8000)).status).toBe(201);
  expect((await ask(token, account.id, 500)).status).toBe(409);
});

it('an account not actif: no request (409), no hold (409)', async () => {
  const client = await makeUser(t, 'client', sfd);
  const account = await activeSavingsAccount(t, sfd, client, 5000);
  await t.deps.db.manager.update(SavingsAccount, { id: account.id }, { status: 'suspendu' });
  expect((await ask(await tokenFor(t, client), account.id, 1000)).status).toBe(409);
  await expect(
    t.deps.db.transaction((m) =>
      new HoldsService().hold(m, {
        accountId: account.id,
        amount: 100,
        reason: 'loan_guarantee',
        at: t.clock.now(),
      }),
    ),
  ).rejects.toMatchObject({ status: 409 });
});

it('POST /api/savings/transactions/ with type retrait is the same request', async () => {
  const client = await makeUser(t, 'client', sfd);
  const account = await activeSavingsAccount(t, sfd, client, 3000);
  const res = await t.request
    .post('/api/savings/transactions/')
    .set('Authorization', `Bearer ${await tokenFor(t, client)}`)
    .send({ type: 'retrait', account_id: account.id, amount: 3000 });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({
    type: 'retrait',
    status: 'en_cours',
    amount: 3000,
    account_id: account.id,
  });
  const again = await t.request
    .post('/api/savings/transactions/')
    .set('Authorization', `Bearer ${await tokenFor(t, client)}`)
    .send({ type: 'retrait', account_id: account.id, amount: 500 });
  expect(again.status).toBe(409);
});
