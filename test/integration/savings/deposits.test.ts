import type { Sfd, User } from '../../../src/accounts/entities';
import { JournalEntry } from '../../../src/ledger/entities';
import { agentCashAccount, sfdAccount } from '../../../src/ledger/service';
import { PaymentTransaction } from '../../../src/payments/entities';
import { formatAccountNumber } from '../../../src/savings/account-number';
import { savingsLedgerAccount } from '../../../src/savings/balance';
import { cashDepositEntryKey, DEPOSIT_PURPOSE } from '../../../src/savings/deposits';
import { SavingsAccount, SavingsTransaction } from '../../../src/savings/entities';
import { auditOf } from '../../helpers/api';
import { entryLines, ledgerBalance } from '../../helpers/ledger';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { activeSavingsAccount } from './helpers';

/**
 * Deposits: mobile money through the payment simulator (pending → the payment's success posts the
 * money, confirms the deposit, sends the receipt), cash by an agent with an Idempotency-Key (even ten
 * at once: one row, one entry), and what is refused. Ledger lines and SMS texts exact.
 */
let t: TestApp;
let sfd: Sfd;
let agent: User;
let agentToken: string;
let seq = 0;
/** The simulator pays a phone ending in 1 (9: refused, 8: never answers). */
const payingPhone = () => `+22901960${String(++seq).padStart(4, '0')}1`;

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '30' });
  sfd = await makeSfd(t, 'SDP');
  agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });
  agentToken = await tokenFor(t, agent);
});
afterAll(() => t.close());

const linesOf = (key: string) => entryLines(t, key);
const balanceOf = (code: string) => ledgerBalance(t, code, true);

async function until(check: () => Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const deposit = (token: string, accountId: number, body: object, key?: string) => {
  const req = t.request
    .post(`/api/savings/accounts/${accountId}/deposit/`)
    .set('Authorization', `Bearer ${token}`);
  if (key) req.set('Idempotency-Key', key);
  return req.send(body);
};

describe('mobile money', () => {
  it('the client deposits: en_cours with its payment, then confirmee, the entry and the receipt exact', async () => {
    const client = await makeUser(t, 'client', sfd, { phone: payingPhone() });
    const account = await activeSavingsAccount(t, sfd, client, 2500);
    const res = await deposit(await tokenFor(t, client), account.id, {
      amount: 3000,
      method: 'mobile_money',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      account_id: account.id,
      account_number: formatAccountNumber(account.id),
      client_id: client.id,
      type: 'depot',
      method: 'mobile_money',
      amount: 3000,
      requested_by: client.id,
    });
    expect(['en_cours', 'confirmee']).toContain(res.body.status);
    const reference = res.body.payment_reference as string;
    expect(res.body.payment.reference).toBe(reference);
    const payment = await t.deps.db.manager.findOneByOrFail(PaymentTransaction, { reference });
    expect(payment).toMatchObject({
      direction: 'collection',
      type: 'depot_epargne',
      purpose: DEPOSIT_PURPOSE,
      purposeRef: String(account.id),
      amount: 3000,
      phone: client.phone,
      clientId: client.id,
    });
    await until(
      async () =>
        (await t.deps.db.manager.findOneByOrFail(SavingsTransaction, { id: res.body.id })).status ===
        'confirmee',
    );
    expect(await t.deps.db.manager.countBy(SavingsTransaction, { paymentReference: reference })).toBe(1);
    const row = await t.deps.db.manager.findOneByOrFail(SavingsTransaction, { id: res.body.id });
    expect(row).toMatchObject({ journalEntryKey: `payment:${reference}`, collectedBy: null });
    expect(row.confirmedAt).not.toBeNull();
    expect(await linesOf(`payment:${reference}`)).toEqual({
      [sfdAccount(sfd.id, 'mobile-money')]: -3000,
      [savingsLedgerAccount(account.id)]: 3000,
    });
    expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(5500);
    // One receipt, the detailed one (the generic payment receipt is not sent).
    expect((await t.inbox.to(client.phone as string)).map((m) => m.body)).toEqual([
      `TontiFlex: depot de 3 000 FCFA recu sur votre compte epargne ${formatAccountNumber(account.id)}. ` +
        `Nouveau solde: 5 500 FCFA. Ref ${reference}.`,
    ]);
    const audit = await auditOf(t, 'savings_transaction', res.body.id);
    expect(audit.map((e) => e.action).sort()).toEqual(['savings.depot.paid', 'savings.depot.start']);
  });

  it('an agent deposits for the client, to another wallet', async () => {
    const client = await makeUser(t, 'client', sfd, { phone: payingPhone() });
    const wallet = payingPhone();
    const account = await activeSavingsAccount(t, sfd, client);
    const res = await deposit(agentToken, account.id, { amount: 100, method: 'mobile_money', phone: wallet });
    expect(res.status).toBe(201);
    expect(res.body.requested_by).toBe(agent.id);
    expect(res.body.payment.phone).toBe(wallet);
    await until(async () => (await balanceOf(savingsLedgerAccount(account.id))) === 100);
    await until(async () => (await t.inbox.to(client.phone as string)).length === 1);
  });

  it('a payment the account can no longer take (suspended meanwhile) is parked in suspense', async () => {
    // A phone ending in 8: the simulator never answers, so the test settles the payment itself.
    const client = await makeUser(t, 'client', sfd, { phone: `+22901961${String(++seq).padStart(4, '0')}8` });
    const account = await activeSavingsAccount(t, sfd, client);
    const suspenseBefore = await balanceOf(sfdAccount(sfd.id, 'suspense'));
    const res = await deposit(await tokenFor(t, client), account.id, { amount: 700, method: 'mobile_money' });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('en_cours');
    await t.deps.db.manager.update(SavingsAccount, { id: account.id }, { status: 'suspendu' });
    const reference = res.body.payment_reference as string;
    const payment = await t.deps.db.manager.findOneByOrFail(PaymentTransaction, { reference });
    expect(
      await t.payments.service.settle(payment, {
        status: 'success',
        providerTransactionId: null,
        amount: 700,
        reason: null,
      }),
    ).toBe(true);
    expect(await linesOf(`payment:${reference}`)).toEqual({
      [sfdAccount(sfd.id, 'mobile-money')]: -700,
      [sfdAccount(sfd.id, 'suspense')]: 700,
    });
    expect(await balanceOf(sfdAccount(sfd.id, 'suspense'))).toBe(suspenseBefore + 700);
    expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(0);
    expect(await t.deps.db.manager.findOneByOrFail(SavingsTransaction, { id: res.body.id })).toMatchObject({
      status: 'echouee',
      reason: 'not_applicable',
    });
    // The generic receipt: the client paid, the money is not lost.
    expect((await t.inbox.to(client.phone as string)).map((m) => m.body)).toEqual([
      `TontiFlex: paiement de 700 FCFA recu. Ref ${reference}. Merci.`,
    ]);
  });

  it('refused: under 100, an account not actif (409), another client (404)', async () => {
    const client = await makeUser(t, 'client', sfd, { phone: payingPhone() });
    const token = await tokenFor(t, client);
    const account = await activeSavingsAccount(t, sfd, client);
    expect((await deposit(token, account.id, { amount: 99, method: 'mobile_money' })).status).toBe(400);
    const someone = await makeUser(t, 'client', sfd);
    expect(
      (await deposit(await tokenFor(t, someone), account.id, { amount: 500, method: 'mobile_money' })).status,
    ).toBe(404);
    await t.deps.db.manager.update(SavingsAccount, { id: account.id }, { status: 'suspendu' });
    expect((await deposit(token, account.id, { amount: 500, method: 'mobile_money' })).status).toBe(409);
    expect(await t.deps.db.manager.countBy(PaymentTransaction, { clientId: client.id })).toBe(0);
  });
});

describe('cash', () => {
  it('an agent records cash: confirmee at once, agent cash → savings, the receipt names the agent', async () => {
    const client = await makeUser(t, 'client', sfd);
    const account = await activeSavingsAccount(t, sfd, client, 1000);
    const cashBefore = await balanceOf(agentCashAccount(agent.id));
    const res = await deposit(agentToken, account.id, { amount: 4500, method: 'cash' }, 'cash-1');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      type: 'depot',
      status: 'confirmee',
      method: 'cash',
      amount: 4500,
      collected_by: agent.id,
      journal_entry_key: cashDepositEntryKey(res.body.id),
    });
    expect(await linesOf(cashDepositEntryKey(res.body.id))).toEqual({
      [agentCashAccount(agent.id)]: -4500,
      [savingsLedgerAccount(account.id)]: 4500,
    });
    expect(await balanceOf(agentCashAccount(agent.id))).toBe(cashBefore - 4500);
    expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(5500);
    expect((await t.inbox.to(client.phone as string)).map((m) => m.body)).toEqual([
      `TontiFlex: l'agent Koffi Agbo a recu 4 500 FCFA en especes pour votre compte epargne ` +
        `${formatAccountNumber(account.id)}. Nouveau solde: 5 500 FCFA. Ref D${res.body.id}.`,
    ]);
    const audit = await auditOf(t, 'savings_transaction', res.body.id);
    expect(audit.map((e) => [e.action, e.actorId, e.after])).toEqual([
      ['savings.depot.cash', agent.id, { status: 'confirmee', amount: 4500, account_id: account.id }],
    ]);
  });

  it('the same Idempotency-Key ten times at once: one row, one entry, one SMS, every answer the first', async () => {
    const client = await makeUser(t, 'client', sfd);
    const account = await activeSavingsAccount(t, sfd, client);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        deposit(agentToken, account.id, { amount: 2000, method: 'cash' }, 'burst-1'),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    expect(await t.deps.db.manager.countBy(SavingsTransaction, { accountId: account.id })).toBe(1);
    expect(await t.deps.db.manager.countBy(JournalEntry, { key: cashDepositEntryKey([...ids][0]) })).toBe(1);
    expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(2000);
    expect(await t.inbox.to(client.phone as string)).toHaveLength(1);
    // A later replay answers the same; the key for another amount or account is a 409.
    const replay = await deposit(agentToken, account.id, { amount: 2000, method: 'cash' }, 'burst-1');
    expect([replay.status, replay.body.id]).toEqual([201, [...ids][0]]);
    expect((await deposit(agentToken, account.id, { amount: 2100, method: 'cash' }, 'burst-1')).status).toBe(
      409,
    );
    const other = await activeSavingsAccount(t, sfd, await makeUser(t, 'client', sfd));
    expect((await deposit(agentToken, other.id, { amount: 2000, method: 'cash' }, 'burst-1')).status).toBe(
      409,
    );
    expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(2000);
  });

  it('refused: no Idempotency-Key (400), the client (403), an account not actif (409)', async () => {
    const client = await makeUser(t, 'client', sfd);
    const account = await activeSavingsAccount(t, sfd, client);
    const missing = await deposit(agentToken, account.id, { amount: 500, method: 'cash' });
    expect(missing.status).toBe(400);
    expect(Object.keys(missing.body.errors)).toEqual(['Idempotency-Key']);
    expect(
      (await deposit(await tokenFor(t, client), account.id, { amount: 500, method: 'cash' }, 'k')).status,
    ).toBe(403);
    await t.deps.db.manager.update(SavingsAccount, { id: account.id }, { status: 'ferme' });
    expect((await deposit(agentToken, account.id, { amount: 500, method: 'cash' }, 'closed-1')).status).toBe(
      409,
    );
    expect(await t.deps.db.manager.countBy(SavingsTransaction, { accountId: account.id })).toBe(0);
  });

  it('POST /api/savings/transactions/ with type depot is the same deposit', async () => {
    const client = await makeUser(t, 'client', sfd);
    const account = await activeSavingsAccount(t, sfd, client);
    const res = await t.request
      .post('/api/savings/transactions/')
      .set('Authorization', `Bearer ${agentToken}`)
      .set('Idempotency-Key', 'body-1')
      .send({ type: 'depot', account_id: account.id, amount: 800, method: 'cash' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ account_id: account.id, status: 'confirmee', amount: 800 });
    expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(800);
  });
});
