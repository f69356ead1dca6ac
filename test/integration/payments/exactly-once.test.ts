/**
 * Payments are applied exactly once, whoever reports the outcome and however often: real HTTP calls to
 * the app (webhooks, callbacks, initiate, check-status, transactions), the real provider adapters
 * pointed at the local KKiaPay and MTN MoMo stubs, and assertions on the replies, on the
 * payment_transactions rows, on the ledger and on the SMS the phones received.
 */
import type { Sfd, User } from '../../../src/accounts/entities';
import { checkLedger } from '../../../src/ledger/check';
import { JournalEntry, LedgerAccount } from '../../../src/ledger/entities';
import { ensureAccount, post, reverse, sfdAccount } from '../../../src/ledger/service';
import { PAYMENT_TYPE_NAMES, PaymentTransaction } from '../../../src/payments/entities';
import { paymentEntryKey, reversalEntryKey } from '../../../src/payments/purposes';
import { auditOf } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, phone, tokenFor } from '../../helpers/factories';
import { KkiapayStub } from '../../helpers/stubs/kkiapay-stub';
import { MomoStub, MOMO, momoEnv } from '../../helpers/stubs/momo-stub';

const KKIA = { publicKey: 'pk_public_1234', privateKey: 'tpk_private_5678', secretKey: 'tsk_secret_9abc' };
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PROBLEM = /^application\/problem\+json/;
const MINUTE = 60_000;

let seq = 0;

// ---------------------------------------------------------------------------------------------------
// The business the tests register, under purpose names no module uses (the business modules register
// the real ones): a savings wallet per client (a ledger account that may not go negative), credited by
// 'test_collection' deposits (type depot_epargne) and debited before 'test_payout' withdrawals.
// ---------------------------------------------------------------------------------------------------

const COLLECTION = 'test_collection';
const PAYOUT = 'test_payout';

const walletOf = (clientId: number) => `test:wallet:${clientId}`;
const withdrawalKey = (id: string) => `test:withdrawal:${id}`;

interface Faults {
  /** How many of the next applyCollection calls crash after posting, before the commit. */
  crashApply: number;
}

function registerPurposes(t: TestApp): Faults {
  const faults: Faults = { crashApply: 0 };
  t.payments.registry.register(COLLECTION, {
    types: ['depot_epargne'], // callers of POST /initiate may name it for a deposit
    applyCollection: async (manager, payment, at) => {
      await post(manager, {
        key: paymentEntryKey(payment.reference),
        kind: 'test_deposit',
        lines: [
          { account: sfdAccount(payment.sfdId, 'mobile-money'), amount: -payment.amount },
          { account: walletOf(payment.clientId), amount: payment.amount },
        ],
        ref: { type: 'payment', id: payment.reference },
        sfdId: payment.sfdId,
        at,
      });
      if (faults.crashApply > 0) {
        faults.crashApply -= 1;
        throw new Error('injected crash between the provider success and our commit');
      }
    },
  });
  t.payments.registry.register(PAYOUT, {
    revertPayout: async (manager, payment, at) => {
      await reverse(manager, withdrawalKey(payment.purposeRef as string), {
        key: reversalEntryKey(payment.reference),
        kind: 'test_withdrawal_reversal',
        ref: { type: 'payment', id: payment.reference },
        sfdId: payment.sfdId,
        at,
      });
    },
  });
  return faults;
}

/** A client of the SFD with their savings wallet opened. */
async function openClient(t: TestApp, sfd: Sfd): Promise<User> {
  const client = await makeUser(t, 'client', sfd);
  await ensureAccount(t.deps.db.manager, {
    code: walletOf(client.id),
    kind: 'test_wallet',
    sfdId: sfd.id,
    ownerId: client.id,
    mayGoNegative: false,
    at: t.clock.now(),
  });
  return client;
}

const balance = async (t: TestApp, code: string) =>
  (await t.deps.db.manager.findOneByOrFail(LedgerAccount, { code })).balance;

const paymentRow = (t: TestApp, reference: string) =>
  t.deps.db.manager.findOneByOrFail(PaymentTransaction, { reference });

/** The ledger entries written for a payment (its own entry and any reversal). */
const entriesOf = (t: TestApp, reference: string) =>
  t.deps.db.manager.find(JournalEntry, {
    where: { refType: 'payment', refId: reference },
    order: { id: 'ASC' },
  });

const journalSize = (t: TestApp) => t.deps.db.manager.count(JournalEntry);

/** A payment's audit trail: [action, actor id, actor role, SFD], oldest first. */
const auditTrail = async (t: TestApp, reference: string) =>
  (await auditOf(t, 'payment', (await paymentRow(t, reference)).id)).map((e) => [
    e.action,
    e.actorId,
    e.actorRole,
    e.sfdId,
  ]);

const receipts = async (t: TestApp, to: string) => (await t.inbox.to(to)).filter((m) => m.kind === 'receipt');

const sms = async (t: TestApp, to: string, pattern: RegExp) =>
  (await t.inbox.to(to)).filter((m) => pattern.test(m.body));

async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function initiate(
  t: TestApp,
  access: string,
  body: Record<string, unknown>,
): Promise<{ reference: string; [k: string]: unknown }> {
  const res = await t.request
    .post('/api/payments/initiate/')
    .set('Authorization', `Bearer ${access}`)
    .send({ type: 'depot_epargne', purpose: COLLECTION, ...body });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({
    status: 'pending',
    direction: 'collection',
    type: 'depot_epargne',
    purpose: COLLECTION,
  });
  return res.body as { reference: string };
}

// ---------------------------------------------------------------------------------------------------
// KKiaPay: POST /api/payments/webhook/ with x-kkiapay-secret; the hint is verified with the stub.
// ---------------------------------------------------------------------------------------------------

describe('KKiaPay webhooks are verified, then applied exactly once', () => {
  const stub = new KkiapayStub(KKIA);
  let t: TestApp;
  let faults: Faults;
  let sfd: Sfd;

  beforeAll(async () => {
    const base = await stub.start();
    t = await startTestApp({
      PAYMENT_PROVIDER: 'kkiapay',
      KKIAPAY_BASE_URL: base,
      KKIAPAY_PUBLIC_KEY: KKIA.publicKey,
      KKIAPAY_PRIVATE_KEY: KKIA.privateKey,
      KKIAPAY_SECRET_KEY: KKIA.secretKey,
    });
    faults = registerPurposes(t);
    sfd = await makeSfd(t, 'KKP');
  });
  afterAll(async () => {
    try {
      await t.close(); // also proves the ledger invariants on everything the tests left
    } finally {
      await stub.close();
    }
  });

  const webhook = (body: object, secret: string | null = t.config.PAYMENT_WEBHOOK_SECRET) => {
    const req = t.request.post('/api/payments/webhook/');
    return secret === null ? req.send(body) : req.set('x-kkiapay-secret', secret).send(body);
  };

  /** What KKiaPay posts once the client paid in the widget (only transactionId and partnerId are used). */
  const hook = (transactionId: string, partnerId: string | null, amount: number) => ({
    transactionId,
    isPaymentSucces: true,
    event: 'transaction.success',
    amount,
    partnerId,
    failureCode: null,
  });

  /** The client pays through the widget: KKiaPay now knows a transaction for our reference. */
  function pays(reference: string | null, amount: number, status = 'SUCCESS'): string {
    const transactionId = `kk-${++seq}-${Date.now()}`;
    stub.register({ transactionId, status, amount, partnerId: reference });
    return transactionId;
  }

  const statusCalls = (transactionId: string) =>
    stub.requests.filter(
      (r) =>
        r.path === '/api/v1/transactions/status' &&
        (r.body as { transactionId?: string }).transactionId === transactionId,
    ).length;

  async function newPayment(amount = 5000) {
    const client = await openClient(t, sfd);
    const access = await tokenFor(t, client);
    const created = await initiate(t, access, { amount });
    expect(created).toMatchObject({ provider: 'kkiapay', provider_transaction_id: null, amount });
    expect(created.payment_url).toMatch(/\/pay\/[\w-]+\.[\w-]+$/);
    expect(await sms(t, client.phone, /pour payer/)).toHaveLength(1); // the link went by SMS
    return { client, access, reference: created.reference };
  }

  async function expectAppliedOnce(client: User, reference: string, amount: number, transactionId: string) {
    const row = await paymentRow(t, reference);
    expect(row).toMatchObject({
      status: 'success',
      providerTransactionId: transactionId,
      failureReason: null,
    });
    expect(row.completedAt).toBeInstanceOf(Date);
    const entries = await entriesOf(t, reference);
    expect(entries.map((e) => e.key)).toEqual([paymentEntryKey(reference)]);
    expect(await balance(t, walletOf(client.id))).toBe(amount);
    expect(await receipts(t, client.phone)).toHaveLength(1);
    expect((await receipts(t, client.phone))[0].body).toContain(reference);
    // One audit row, written with the change (a rolled-back attempt left none), driven by KKiaPay: no actor.
    const [audit, ...more] = await auditOf(t, 'payment', row.id);
    expect(more).toEqual([]);
    expect(audit).toMatchObject({ action: 'payment.success', actorId: null, actorRole: null, sfdId: sfd.id });
    expect(audit.before).toMatchObject({ status: 'pending', amount, reference });
    expect(audit.after).toMatchObject({
      status: 'success',
      amount,
      reference,
      provider_transaction_id: transactionId,
    });
  }

  async function expectNothingApplied(client: User, reference: string, status = 'pending') {
    const row = await paymentRow(t, reference);
    expect(row.status).toBe(status);
    expect(await entriesOf(t, reference)).toEqual([]);
    expect(await balance(t, walletOf(client.id))).toBe(0);
    expect(await receipts(t, client.phone)).toEqual([]);
    const audit = await auditOf(t, 'payment', row.id);
    expect(audit.map((e) => [e.action, e.actorId, e.after?.status])).toEqual(
      status === 'pending' ? [] : [['payment.failed', null, status]],
    );
    return row;
  }

  it('applies the same webhook delivered five times in a row once', async () => {
    const { client, access, reference } = await newPayment(5000);
    const transactionId = pays(reference, 5000);
    for (let i = 0; i < 5; i++) {
      const res = await webhook(hook(transactionId, reference, 5000));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    }
    expect(statusCalls(transactionId)).toBeGreaterThanOrEqual(1); // the hint was verified
    await expectAppliedOnce(client, reference, 5000, transactionId);
    const status = await t.request
      .post('/api/payments/check-status/')
      .set('Authorization', `Bearer ${access}`)
      .send({ reference });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      reference,
      status: 'success',
      provider_transaction_id: transactionId,
    });
  });

  it('applies five copies of the webhook arriving at the same time once', async () => {
    const { client, reference } = await newPayment(7300);
    const transactionId = pays(reference, 7300);
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => webhook(hook(transactionId, reference, 7300))),
    );
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await expectAppliedOnce(client, reference, 7300, transactionId);
  });

  it('answers 200 to a webhook for an unknown transaction and applies nothing', async () => {
    const { client, reference } = await newPayment(5000);
    pays(reference, 5000); // paid, but the webhooks below name other transactions
    const before = await journalSize(t);
    for (const body of [
      hook('kk-never-seen', null, 5000),
      { transactionId: 'kk-never-seen-2' },
      hook('kk-never-seen-3', 'TFDE250101000000ABCDEF', 5000),
    ]) {
      const res = await webhook(body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ignored' });
    }
    expect(await journalSize(t)).toBe(before);
    await expectNothingApplied(client, reference);
  });

  it('refuses a wrong or missing x-kkiapay-secret with 401 problem+json, before verifying anything', async () => {
    const { client, reference } = await newPayment(5000);
    const transactionId = pays(reference, 5000);
    for (const secret of [null, '', 'not-the-secret', `${t.config.PAYMENT_WEBHOOK_SECRET}x`]) {
      const res = await webhook(hook(transactionId, reference, 5000), secret);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ status: 401, instance: '/api/payments/webhook' });
    }
    expect(statusCalls(transactionId)).toBe(0);
    const row = await expectNothingApplied(client, reference);
    expect(row.providerTransactionId).toBeNull();
    // The same webhook with the right secret is applied: only the secret was wrong.
    expect((await webhook(hook(transactionId, reference, 5000))).status).toBe(200);
    await expectAppliedOnce(client, reference, 5000, transactionId);
  });

  it('does not apply an attempt KKiaPay says failed; the link stays open, and a second attempt is applied once', async () => {
    const { client, reference } = await newPayment(5000);
    const failed = pays(reference, 5000, 'FAILED');
    const res = await webhook(hook(failed, reference, 5000)); // the body says success: KKiaPay does not
    expect(res.status).toBe(200);
    const row = await expectNothingApplied(client, reference, 'pending');
    expect(row).toMatchObject({ providerTransactionId: null, failureReason: null });
    expect(await sms(t, client.phone, /a echoue/)).toEqual([]);
    // The client tries again in KKiaPay's widget, and pays: that attempt is applied, once.
    const second = pays(reference, 5000);
    expect((await webhook(hook(second, reference, 5000))).status).toBe(200);
    await expectAppliedOnce(client, reference, 5000, second);
    // Replays of either attempt change nothing once the payment is settled.
    expect((await webhook(hook(failed, reference, 5000))).status).toBe(200);
    expect((await webhook(hook(second, reference, 5000))).status).toBe(200);
    await expectAppliedOnce(client, reference, 5000, second);
    expect(await sms(t, client.phone, /a echoue/)).toEqual([]);
  });

  it("keeps a payment pending (not failed) when the transaction is another reference's, or unknown to KKiaPay", async () => {
    const { client, reference } = await newPayment(5000);
    const other = await newPayment(5000);
    const othersTransaction = pays(other.reference, 5000); // paid, but for another reference
    const noPartner = pays(null, 5000); // paid outside our page: no partnerId at all
    for (const transactionId of [othersTransaction, noPartner, 'kk-not-found-anywhere']) {
      const res = await webhook(hook(transactionId, reference, 5000));
      expect(res.status).toBe(200);
      const row = await expectNothingApplied(client, reference, 'pending');
      expect(row).toMatchObject({ providerTransactionId: null, failureReason: null, completedAt: null });
    }
    expect(statusCalls('kk-not-found-anywhere')).toBe(1); // verified, TRANSACTION_NOT_FOUND
    expect(await sms(t, client.phone, /a echoue/)).toEqual([]);
    // Neither payment was harmed: each is still applied by its own transaction.
    const own = pays(reference, 5000);
    expect((await webhook(hook(own, reference, 5000))).status).toBe(200);
    await expectAppliedOnce(client, reference, 5000, own);
    expect((await webhook(hook(othersTransaction, other.reference, 5000))).status).toBe(200);
    await expectAppliedOnce(other.client, other.reference, 5000, othersTransaction);
  });

  it('does not apply a payment when KKiaPay reports another amount', async () => {
    const { client, reference } = await newPayment(5000);
    const transactionId = pays(reference, 4000);
    expect((await webhook(hook(transactionId, reference, 5000))).status).toBe(200);
    const row = await expectNothingApplied(client, reference, 'failed');
    expect(row.failureReason).toBe('AMOUNT_MISMATCH');
    // Money may have moved: the client is sent to the branch, not told that nothing was debited.
    const sms = (await t.inbox.to(client.phone)).at(-1)?.body ?? '';
    expect(sms).toContain(reference);
    expect(sms).toMatch(/Presentez-vous a votre agence/);
    expect(sms).not.toMatch(/Aucun montant/);
  });

  it('answers 5xx and writes nothing when the commit fails after the provider said success; the next webhook applies it once', async () => {
    const { client, reference } = await newPayment(6100);
    const transactionId = pays(reference, 6100);
    faults.crashApply = 1;
    const failed = await webhook(hook(transactionId, reference, 6100));
    expect(failed.status).toBe(500);
    expect(failed.headers['content-type']).toMatch(PROBLEM);
    expect(failed.body).toMatchObject({ status: 500, type: 'https://tontiflex.app/problems/internal' });
    expect(JSON.stringify(failed.body)).not.toContain('injected'); // 5xx details stay inside
    expect(faults.crashApply).toBe(0);
    const row = await expectNothingApplied(client, reference, 'pending');
    // Only the verified transaction id is kept (so the reconciliation can ask KKiaPay again).
    expect(row).toMatchObject({
      providerTransactionId: transactionId,
      completedAt: null,
      failureReason: null,
    });
    expect(await checkLedger(t.deps.db)).toEqual([]);
    // KKiaPay delivers again: applied once, and replays after that change nothing.
    for (let i = 0; i < 3; i++)
      expect((await webhook(hook(transactionId, reference, 6100))).status).toBe(200);
    await expectAppliedOnce(client, reference, 6100, transactionId);
  });

  it("applies it once through reconciliation when KKiaPay's five retries all hit a failed commit", async () => {
    const { client, reference } = await newPayment(6400);
    const transactionId = pays(reference, 6400);
    faults.crashApply = 6; // KKiaPay's call and its 5 retries (documented: 5 tries, 500 ms apart, incremental)
    for (let i = 0; i < 6; i++)
      expect((await webhook(hook(transactionId, reference, 6400))).status).toBe(500);
    await expectNothingApplied(client, reference, 'pending');
    expect(await checkLedger(t.deps.db)).toEqual([]);
    // KKiaPay has given up; the reconciliation job must still find the payment the client made.
    t.clock.advance(2 * MINUTE + 1000);
    await t.payments.service.reconcile();
    await t.payments.service.reconcile();
    await expectAppliedOnce(client, reference, 6400, transactionId);
  });

  it('applies 50 concurrent payments of one client, each webhook delivered twice at once, to the exact franc', async () => {
    const client = await openClient(t, sfd);
    const access = await tokenFor(t, client);
    const clearing = sfdAccount(sfd.id, 'mobile-money');
    const clearingBefore = await balance(t, clearing);
    const amounts = Array.from({ length: 50 }, (_, i) => 1000 + 37 * i);
    const created = await Promise.all(amounts.map((amount) => initiate(t, access, { amount })));
    expect(new Set(created.map((c) => c.reference)).size).toBe(50);
    const transactions = created.map((c, i) => pays(c.reference, amounts[i]));
    const replies = await Promise.all(
      [...created, ...created].map((c, i) =>
        webhook(hook(transactions[i % 50], c.reference, amounts[i % 50])),
      ),
    );
    expect(replies.filter((r) => r.status !== 200).map((r) => [r.status, r.body])).toEqual([]);
    const total = amounts.reduce((a, b) => a + b, 0);
    expect(await balance(t, walletOf(client.id))).toBe(total);
    expect(await balance(t, clearing)).toBe(clearingBefore - total);
    const rows = await t.deps.db.manager.findBy(PaymentTransaction, { clientId: client.id });
    expect(rows).toHaveLength(50);
    expect(rows.filter((r) => r.status !== 'success').map((r) => [r.reference, r.status])).toEqual([]);
    const entries = await t.deps.db.manager.find(JournalEntry, { where: { kind: 'test_deposit' } });
    const ours = entries.filter((e) => created.some((c) => e.key === paymentEntryKey(c.reference)));
    expect(ours).toHaveLength(50);
    expect(await receipts(t, client.phone)).toHaveLength(50);
    expect(await checkLedger(t.deps.db)).toEqual([]);
    const list = await t.request
      .get('/api/payments/transactions/?status=success&page_size=100')
      .set('Authorization', `Bearer ${access}`);
    expect(list.status).toBe(200);
    expect(list.body.count).toBe(50);
  });

  describe('initiate', () => {
    let agent: User;
    let otherAgent: User;
    let client: User;
    let access: string;

    beforeAll(async () => {
      const otherSfd = await makeSfd(t, 'KKO');
      agent = await makeUser(t, 'agent_sfd', sfd);
      otherAgent = await makeUser(t, 'agent_sfd', otherSfd);
      client = await openClient(t, sfd);
      access = await tokenFor(t, client);
    });

    const send = (token: string, body: Record<string, unknown>) =>
      t.request.post('/api/payments/initiate/').set('Authorization', `Bearer ${token}`).send(body);

    it('refuses bad input with 400 naming the field, and creates nothing', async () => {
      const before = await t.deps.db.manager.count(PaymentTransaction);
      const deposit = { type: 'depot_epargne', purpose: COLLECTION };
      const cases: [Record<string, unknown>, string][] = [
        [{ type: 'loterie', amount: 5000 }, 'type'],
        // A type whose own purpose no module registered (yet): nothing to apply it to.
        ...PAYMENT_TYPE_NAMES.filter((type) => !t.payments.registry.has(type)).map(
          (type): [Record<string, unknown>, string] => [{ type, amount: 5000 }, 'type'],
        ),
        [{ ...deposit, purpose: 'no_such_purpose', amount: 5000 }, 'purpose'],
        [{ ...deposit, purpose: 'sandbox', amount: 5000 }, 'purpose'], // registered, but no caller may name it
        [{ type: 'remboursement_pret', purpose: COLLECTION, amount: 5000 }, 'purpose'], // not for that type
        [{ ...deposit, purpose: 'Test-Collection', amount: 5000 }, 'purpose'],
        [{ ...deposit, amount: 0 }, 'amount'],
        [{ ...deposit, amount: 150.5 }, 'amount'],
        [{ ...deposit, amount: '5000' }, 'amount'],
        [deposit, 'amount'],
      ];
      for (const [body, field] of cases) {
        const res = await send(access, body);
        expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
        expect(res.headers['content-type']).toMatch(PROBLEM);
        expect(Object.keys(res.body.errors as object)).toEqual([field]);
      }
      expect(await t.deps.db.manager.count(PaymentTransaction)).toBe(before);
      expect(await t.inbox.to(client.phone)).toEqual([]);
    });

    it("lets an agent initiate for a client of their SFD, and answers 404 for another SFD's client", async () => {
      const agentAccess = await tokenFor(t, agent);
      const ok = await send(agentAccess, {
        type: 'depot_epargne',
        purpose: COLLECTION,
        amount: 2500,
        client_id: client.id,
      });
      expect(ok.status).toBe(201);
      expect(ok.body).toMatchObject({
        purpose: COLLECTION,
        client_id: client.id,
        initiated_by: agent.id,
        sfd_id: sfd.id,
        phone: client.phone,
        status: 'pending',
      });
      const before = await t.deps.db.manager.count(PaymentTransaction);
      const foreign = await send(await tokenFor(t, otherAgent), {
        type: 'depot_epargne',
        purpose: COLLECTION,
        amount: 2500,
        client_id: client.id,
      });
      expect(foreign.status).toBe(404);
      expect(foreign.headers['content-type']).toMatch(PROBLEM);
      const noClient = await send(agentAccess, { type: 'depot_epargne', purpose: COLLECTION, amount: 2500 });
      expect(noClient.body.errors).toHaveProperty('client_id');
      expect(await t.deps.db.manager.count(PaymentTransaction)).toBe(before);
    });
  });

  it("scopes the transactions list: a client sees theirs, an agent their SFD's, another SFD's agent none", async () => {
    const sfdA = await makeSfd(t, 'LSA');
    const sfdB = await makeSfd(t, 'LSB');
    const [alice, bob, carol] = [
      await openClient(t, sfdA),
      await openClient(t, sfdA),
      await openClient(t, sfdB),
    ];
    const [agentA, agentB] = [await makeUser(t, 'agent_sfd', sfdA), await makeUser(t, 'agent_sfd', sfdB)];
    const tokens = new Map<User, string>();
    for (const u of [alice, bob, carol, agentA, agentB]) tokens.set(u, await tokenFor(t, u));
    const refs = async (u: User, amounts: number[]) => {
      const out: string[] = [];
      for (const amount of amounts) out.push((await initiate(t, tokens.get(u)!, { amount })).reference);
      return out;
    };
    const aliceRefs = await refs(alice, [1000, 2000]);
    const bobRefs = await refs(bob, [3000]);
    const carolRefs = await refs(carol, [4000]);
    const seen = async (u: User, query = '') => {
      const res = await t.request
        .get(`/api/payments/transactions/${query}`)
        .set('Authorization', `Bearer ${tokens.get(u)}`);
      expect(res.status).toBe(200);
      expect(res.body.count).toBe(res.body.results.length);
      return (res.body.results as { reference: string }[]).map((r) => r.reference).sort();
    };
    expect(await seen(alice)).toEqual([...aliceRefs].sort());
    expect(await seen(bob)).toEqual(bobRefs);
    expect(await seen(carol)).toEqual(carolRefs);
    expect(await seen(agentA)).toEqual([...aliceRefs, ...bobRefs].sort());
    expect(await seen(agentB)).toEqual(carolRefs);
    // Filters never widen the scope.
    expect(await seen(alice, `?client_id=${bob.id}`)).toEqual([]);
    expect(await seen(agentB, `?client_id=${alice.id}`)).toEqual([]);
    expect(await seen(agentB, `?reference=${aliceRefs[0]}`)).toEqual([]);
    expect(await seen(agentA, `?client_id=${bob.id}`)).toEqual(bobRefs);
  });
});

// ---------------------------------------------------------------------------------------------------
// MTN MoMo: request to pay, callback on /webhook/momo/ (only a hint), reconciliation and payouts.
// ---------------------------------------------------------------------------------------------------

describe('MTN MoMo collections, callbacks, reconciliation and payouts', () => {
  const stub = new MomoStub(MOMO);
  let t: TestApp;
  let faults: Faults;
  let sfd: Sfd;
  let agent: User;

  beforeAll(async () => {
    const base = await stub.start();
    t = await startTestApp(
      momoEnv(base, {
        PAYMENT_EXPIRY_MINUTES: '30',
        PROVIDER_TIMEOUT_MS: '1000', // lost answers (loseAnswersNext) time out within a test
      }),
    );
    faults = registerPurposes(t);
    sfd = await makeSfd(t, 'MMO');
    agent = await makeUser(t, 'agent_sfd', sfd);
  });
  afterAll(async () => {
    try {
      await t.close();
    } finally {
      await stub.close();
    }
  });

  const callback = (reference: string, status = 'SUCCESSFUL', method: 'post' | 'put' = 'post') =>
    t.request[method]('/api/payments/webhook/momo/').send({
      financialTransactionId: '123456789',
      externalId: reference,
      amount: '5000',
      currency: 'XOF',
      payer: { partyIdType: 'MSISDN', partyId: '2290197000001' },
      payerMessage: 'TontiFlex',
      payeeNote: 'TontiFlex',
      status,
    });

  const statusReads = (referenceId: string) =>
    stub.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/${referenceId}`)).length;

  async function collect(amount = 5000) {
    const client = await openClient(t, sfd);
    const access = await tokenFor(t, client);
    const created = await initiate(t, access, { amount });
    expect(created).toMatchObject({ provider: 'momo', payment_url: null, amount });
    const referenceId = created.provider_transaction_id as string;
    expect(referenceId).toMatch(UUID_V4);
    return { client, access, reference: created.reference, referenceId };
  }

  async function fund(client: User, amount: number) {
    await t.deps.db.transaction((m) =>
      post(m, {
        key: `test:fund:${++seq}`,
        kind: 'test_funding',
        lines: [
          { account: sfdAccount(sfd.id, 'cash'), amount: -amount },
          { account: walletOf(client.id), amount },
        ],
        sfdId: sfd.id,
        at: t.clock.now(),
      }),
    );
  }

  /** What the savings module does for a withdrawal to mobile money: debit the wallet, then pay out. */
  async function withdraw(client: User, amount: number, to = client.phone) {
    const id = `W${++seq}`;
    await t.deps.db.transaction((m) =>
      post(m, {
        key: withdrawalKey(id),
        kind: 'test_withdrawal',
        lines: [
          { account: walletOf(client.id), amount: -amount },
          { account: sfdAccount(sfd.id, 'mobile-money'), amount },
        ],
        ref: { type: 'withdrawal', id },
        sfdId: sfd.id,
        at: t.clock.now(),
      }),
    );
    return t.payments.service.payout({
      type: 'retrait_epargne',
      amount,
      phone: to,
      clientId: client.id,
      sfdId: sfd.id,
      purpose: PAYOUT,
      purposeRef: id,
      initiatedBy: agent.id,
    });
  }

  it('requests to pay with X-Reference-Id, ignores a callback MoMo does not confirm, applies a confirmed one once', async () => {
    const { client, reference, referenceId } = await collect(5000);
    const [sent] = stub
      .received('/collection/v1_0/requesttopay')
      .filter((r) => r.method === 'POST' && (r.body as { externalId?: string }).externalId === reference);
    expect(sent.headers).toMatchObject({
      'x-reference-id': referenceId,
      'x-target-environment': 'mtnbenin',
      'x-callback-url': `${t.config.PUBLIC_BASE_URL}/api/payments/webhook/momo/`,
    });
    expect(sent.body).toMatchObject({
      amount: '5000',
      payer: { partyIdType: 'MSISDN', partyId: client.phone.slice(1) },
    });
    // A callback claiming success while MoMo still says PENDING: verified, not applied.
    const early = await callback(reference, 'SUCCESSFUL');
    expect(early.status).toBe(200);
    expect(statusReads(referenceId)).toBe(1);
    expect((await paymentRow(t, reference)).status).toBe('pending');
    expect(await entriesOf(t, reference)).toEqual([]);
    expect(await balance(t, walletOf(client.id))).toBe(0);
    // MoMo confirms; its callback arrives three times, two of them at once.
    stub.setOutcome(referenceId, 'SUCCESSFUL');
    expect((await callback(reference)).status).toBe(200);
    // MTN sends its callbacks with PUT or POST: both are taken.
    const replays = await Promise.all([callback(reference), callback(reference, 'SUCCESSFUL', 'put')]);
    expect(replays.map((r) => r.status)).toEqual([200, 200]);
    const row = await paymentRow(t, reference);
    expect(row).toMatchObject({ status: 'success', providerTransactionId: referenceId });
    expect((await entriesOf(t, reference)).map((e) => e.key)).toEqual([paymentEntryKey(reference)]);
    expect(await balance(t, walletOf(client.id))).toBe(5000);
    expect(await receipts(t, client.phone)).toHaveLength(1);
    // Audited once, by nobody: MoMo's word drove it.
    expect(await auditTrail(t, reference)).toEqual([['payment.success', null, null, sfd.id]]);
    // A callback for a reference we never issued is ignored.
    const unknown = await callback('TFDE250101000000ABCDEF0123');
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ status: 'ignored' });
  });

  it('does not apply a payment when MoMo reports another amount', async () => {
    const { client, reference, referenceId } = await collect(5000);
    stub.setOutcome(referenceId, 'SUCCESSFUL');
    (stub.transactions.get(referenceId)!.request as { amount: string }).amount = '500';
    expect((await callback(reference)).status).toBe(200);
    expect(await paymentRow(t, reference)).toMatchObject({
      status: 'failed',
      failureReason: 'AMOUNT_MISMATCH',
    });
    expect(await entriesOf(t, reference)).toEqual([]);
    expect(await balance(t, walletOf(client.id))).toBe(0);
    expect(await receipts(t, client.phone)).toEqual([]);
    expect(await auditTrail(t, reference)).toEqual([['payment.failed', null, null, sfd.id]]);
  });

  it("lets a client check their own payment (asking MoMo again), and answers 404 for someone else's", async () => {
    const { client, access, reference, referenceId } = await collect(4200);
    stub.setOutcome(referenceId, 'SUCCESSFUL');
    const before = statusReads(referenceId);
    const own = await t.request
      .post('/api/payments/check-status/')
      .set('Authorization', `Bearer ${access}`)
      .send({ reference });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ reference, status: 'success', client_id: client.id });
    expect(statusReads(referenceId)).toBe(before + 1);
    expect(await balance(t, walletOf(client.id))).toBe(4200);
    expect(await receipts(t, client.phone)).toHaveLength(1);
    // The status check that applied it is the client's: they are the audit row's actor.
    expect(await auditTrail(t, reference)).toEqual([['payment.success', client.id, 'client', sfd.id]]);

    const other = await collect(3100);
    stub.setOutcome(other.referenceId, 'SUCCESSFUL');
    const otherSfdAgent = await makeUser(t, 'agent_sfd', await makeSfd(t, 'MMX'));
    for (const token of [access, await tokenFor(t, otherSfdAgent)]) {
      const res = await t.request
        .post('/api/payments/check-status/')
        .set('Authorization', `Bearer ${token}`)
        .send({ reference: other.reference });
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(PROBLEM);
    }
    // Refused callers did not trigger anything: the other payment is untouched.
    expect(statusReads(other.referenceId)).toBe(0);
    expect((await paymentRow(t, other.reference)).status).toBe('pending');
    const agentSees = await t.request
      .post('/api/payments/check-status/')
      .set('Authorization', `Bearer ${await tokenFor(t, agent)}`)
      .send({ reference: other.reference });
    expect(agentSees.body).toMatchObject({ status: 'success' });
    expect(await balance(t, walletOf(other.client.id))).toBe(3100);
    expect(await auditTrail(t, other.reference)).toEqual([
      ['payment.success', agent.id, 'agent_sfd', sfd.id],
    ]);
  });

  it('answers 5xx and writes nothing when the commit fails; reconciliation then applies it once', async () => {
    const { client, reference, referenceId } = await collect(8800);
    stub.setOutcome(referenceId, 'SUCCESSFUL');
    faults.crashApply = 1;
    const failed = await callback(reference);
    expect(failed.status).toBe(500);
    expect(failed.headers['content-type']).toMatch(PROBLEM);
    expect(await paymentRow(t, reference)).toMatchObject({ status: 'pending', completedAt: null });
    expect(await entriesOf(t, reference)).toEqual([]);
    expect(await balance(t, walletOf(client.id))).toBe(0);
    expect(await receipts(t, client.phone)).toEqual([]);
    expect(await auditTrail(t, reference)).toEqual([]); // rolled back with the change
    expect(await checkLedger(t.deps.db)).toEqual([]);
    // MoMo sends its callback only once: the reconciliation job finds it.
    t.clock.advance(2 * MINUTE + 1000);
    await t.payments.service.reconcile();
    await t.payments.service.reconcile();
    expect(await paymentRow(t, reference)).toMatchObject({ status: 'success' });
    expect((await entriesOf(t, reference)).map((e) => e.key)).toEqual([paymentEntryKey(reference)]);
    expect(await balance(t, walletOf(client.id))).toBe(8800);
    expect(await receipts(t, client.phone)).toHaveLength(1);
    expect((await callback(reference)).status).toBe(200); // a late callback changes nothing
    expect(await balance(t, walletOf(client.id))).toBe(8800);
    expect(await auditTrail(t, reference)).toEqual([['payment.success', null, null, sfd.id]]);
  });

  it('reconciles a lost callback after 2 minutes, and expires a payment never answered past PAYMENT_EXPIRY_MINUTES', async () => {
    const paid = await collect(5000);
    const refused = await collect(5000);
    const silent = await collect(5000);
    stub.setOutcome(paid.referenceId, 'SUCCESSFUL');
    stub.setOutcome(refused.referenceId, { status: 'FAILED', reason: 'APPROVAL_REJECTED' });
    // Not stale yet: the job leaves them alone.
    t.clock.advance(MINUTE);
    await t.payments.service.reconcile();
    for (const p of [paid, refused, silent])
      expect((await paymentRow(t, p.reference)).status).toBe('pending');
    expect(statusReads(paid.referenceId)).toBe(0);

    t.clock.advance(MINUTE + 1000);
    const first = await t.payments.service.reconcile();
    expect(first.verified).toBeGreaterThanOrEqual(2);
    expect(await paymentRow(t, paid.reference)).toMatchObject({ status: 'success' });
    expect(await balance(t, walletOf(paid.client.id))).toBe(5000);
    expect(await receipts(t, paid.client.phone)).toHaveLength(1);
    expect(await paymentRow(t, refused.reference)).toMatchObject({
      status: 'failed',
      failureReason: 'APPROVAL_REJECTED',
    });
    expect(await sms(t, refused.client.phone, /a echoue/)).toHaveLength(1);
    expect((await paymentRow(t, silent.reference)).status).toBe('pending');

    // Still within PAYMENT_EXPIRY_MINUTES: asked again, still pending.
    t.clock.advance(25 * MINUTE);
    await t.payments.service.reconcile();
    expect((await paymentRow(t, silent.reference)).status).toBe('pending');
    t.clock.advance(5 * MINUTE);
    const late = await t.payments.service.reconcile();
    expect(late.expired).toBeGreaterThanOrEqual(1);
    expect(await paymentRow(t, silent.reference)).toMatchObject({
      status: 'expired',
      failureReason: 'EXPIRED',
    });
    expect(await sms(t, silent.client.phone, /n'a pas ete confirme a temps/)).toHaveLength(1);
    expect(await entriesOf(t, silent.reference)).toEqual([]);
    expect(await balance(t, walletOf(silent.client.id))).toBe(0);
    // Nothing runs twice.
    expect(await t.payments.service.reconcile()).toEqual({ verified: 0, expired: 0 });
    expect(await receipts(t, paid.client.phone)).toHaveLength(1);
    expect(await sms(t, silent.client.phone, /n'a pas ete confirme a temps/)).toHaveLength(1);
    // The reconciliation acts for nobody; an expiry is audited as a failure with its status.
    expect(await auditTrail(t, paid.reference)).toEqual([['payment.success', null, null, sfd.id]]);
    expect(await auditTrail(t, refused.reference)).toEqual([['payment.failed', null, null, sfd.id]]);
    expect(await auditTrail(t, silent.reference)).toEqual([['payment.failed', null, null, sfd.id]]);
    const [expiry] = await auditOf(t, 'payment', (await paymentRow(t, silent.reference)).id);
    expect(expiry.before).toMatchObject({ status: 'pending', amount: 5000 });
    expect(expiry.after).toMatchObject({ status: 'expired', amount: 5000, failure_reason: 'EXPIRED' });
  });

  it('puts the money back once when MoMo fails the transfer, and tells the client and the agent', async () => {
    const client = await openClient(t, sfd);
    await fund(client, 20_000);
    const payout = await withdraw(client, 12_500);
    expect(payout).toMatchObject({ status: 'pending', direction: 'payout' });
    expect(payout.providerTransactionId).toMatch(UUID_V4);
    const [sent] = stub
      .received('/disbursement/v1_0/transfer')
      .filter(
        (r) => r.method === 'POST' && (r.body as { externalId?: string }).externalId === payout.reference,
      );
    expect(sent.headers['x-reference-id']).toBe(payout.providerTransactionId);
    expect(sent.body).toMatchObject({ amount: '12500', payee: { partyId: client.phone.slice(1) } });
    expect(await balance(t, walletOf(client.id))).toBe(7500);

    stub.setOutcome(payout.providerTransactionId!, { status: 'FAILED', reason: 'NOT_ENOUGH_FUNDS' });
    const agentAccess = await tokenFor(t, agent);
    const checks = await Promise.all(
      [1, 2, 3].map(() =>
        t.request
          .post('/api/payments/check-status/')
          .set('Authorization', `Bearer ${agentAccess}`)
          .send({ reference: payout.reference }),
      ),
    );
    for (const res of checks) {
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'failed', failure_reason: 'NOT_ENOUGH_FUNDS' });
    }
    expect(await balance(t, walletOf(client.id))).toBe(20_000);
    expect((await entriesOf(t, payout.reference)).map((e) => e.key)).toEqual([
      reversalEntryKey(payout.reference),
    ]);
    expect(await sms(t, client.phone, /est de retour sur votre compte/)).toHaveLength(1);
    expect(await sms(t, agent.phone, new RegExp(`retrait ${payout.reference} .*a echoue`))).toHaveLength(1);
    expect(await receipts(t, client.phone)).toEqual([]);
    // Three status checks at once, one change: one audit row, the agent's who asked.
    const [audit, ...more] = await auditOf(t, 'payment', (await paymentRow(t, payout.reference)).id);
    expect(more).toEqual([]);
    expect(audit).toMatchObject({
      action: 'payment.payout',
      actorId: agent.id,
      actorRole: 'agent_sfd',
      sfdId: sfd.id,
    });
    expect(audit.before).toMatchObject({ status: 'pending', amount: 12_500, direction: 'payout' });
    expect(audit.after).toMatchObject({
      status: 'failed',
      amount: 12_500,
      failure_reason: 'NOT_ENOUGH_FUNDS',
      reverted: true,
    });
  });

  it("keeps a request to pay whose answer was lost pending under its own X-Reference-Id; MoMo's outcome is applied once", async () => {
    const client = await openClient(t, sfd);
    stub.loseAnswersNext(1); // MoMo records the request; its 202 never comes back
    const created = await initiate(t, await tokenFor(t, client), { amount: 3000 });
    const referenceId = created.provider_transaction_id as string;
    expect(referenceId).toMatch(UUID_V4);
    expect(stub.transactions.get(referenceId)?.request).toMatchObject({ externalId: created.reference });
    // The client approves the prompt: the reconciliation asks MoMo about the id the payment kept.
    stub.setOutcome(referenceId, 'SUCCESSFUL');
    t.clock.advance(3 * MINUTE);
    await t.payments.service.reconcile();
    expect(await paymentRow(t, created.reference)).toMatchObject({ status: 'success' });
    expect(await balance(t, walletOf(client.id))).toBe(3000);
    expect((await entriesOf(t, created.reference)).map((e) => e.key)).toEqual([
      paymentEntryKey(created.reference),
    ]);
  });

  it('keeps the money out while a transfer whose answer was lost may still be paid; MoMo decides', async () => {
    const client = await openClient(t, sfd);
    await fund(client, 10_000);
    stub.loseAnswersNext(1);
    const paid = await withdraw(client, 4000);
    expect(paid).toMatchObject({ status: 'pending' });
    expect(stub.transactions.get(paid.providerTransactionId!)?.product).toBe('disbursement');
    expect(await balance(t, walletOf(client.id))).toBe(6000); // not put back: MoMo may pay it
    stub.setOutcome(paid.providerTransactionId!, 'SUCCESSFUL');
    // A transfer that never reached MoMo (no answer, nothing recorded) fails once MoMo says so (404).
    stub.failNext(1, 'hang');
    const lost = await withdraw(client, 1000);
    expect(lost).toMatchObject({ status: 'pending' });
    expect(stub.transactions.has(lost.providerTransactionId!)).toBe(false);
    expect(await balance(t, walletOf(client.id))).toBe(5000);
    t.clock.advance(3 * MINUTE);
    await t.payments.service.reconcile();
    expect(await paymentRow(t, paid.reference)).toMatchObject({ status: 'success' });
    expect(await paymentRow(t, lost.reference)).toMatchObject({
      status: 'failed',
      failureReason: 'NOT_FOUND',
    });
    expect(await balance(t, walletOf(client.id))).toBe(6000);
    expect((await entriesOf(t, paid.reference)).map((e) => e.key)).toEqual([]);
    expect((await entriesOf(t, lost.reference)).map((e) => e.key)).toEqual([
      reversalEntryKey(lost.reference),
    ]);
    expect(await auditTrail(t, paid.reference)).toEqual([['payment.payout', null, null, sfd.id]]);
    expect(await auditTrail(t, lost.reference)).toEqual([['payment.payout', null, null, sfd.id]]);
  });

  it('never expires a transfer MoMo still holds: the money stays out until MoMo pays it or fails it', async () => {
    const client = await openClient(t, sfd);
    await fund(client, 8000);
    const payout = await withdraw(client, 5000);
    t.clock.advance(45 * MINUTE); // past PAYMENT_EXPIRY_MINUTES (30), MoMo still says PENDING
    await t.payments.service.reconcile();
    expect(await paymentRow(t, payout.reference)).toMatchObject({ status: 'pending' });
    expect(await balance(t, walletOf(client.id))).toBe(3000); // not put back: MoMo may still pay
    stub.setOutcome(payout.providerTransactionId!, 'SUCCESSFUL');
    await t.payments.service.reconcile();
    expect(await paymentRow(t, payout.reference)).toMatchObject({ status: 'success' });
    expect(await balance(t, walletOf(client.id))).toBe(3000);
    expect(await entriesOf(t, payout.reference)).toEqual([]);
  });

  it('puts the money back when MoMo refuses the transfer outright', async () => {
    const client = await openClient(t, sfd);
    await fund(client, 10_000);
    const payout = await withdraw(client, 4000, '+229ABC'); // MoMo answers 400 INVALID_BODY
    expect(payout).toMatchObject({ status: 'failed', failureReason: 'PROVIDER_REFUSED' });
    expect(await balance(t, walletOf(client.id))).toBe(10_000);
    expect((await entriesOf(t, payout.reference)).map((e) => e.key)).toEqual([
      reversalEntryKey(payout.reference),
    ]);
    expect(await sms(t, agent.phone, new RegExp(payout.reference))).toHaveLength(1);
    // Refused within the agent's own request: the agent who started it is the actor.
    expect(await auditTrail(t, payout.reference)).toEqual([
      ['payment.payout', agent.id, 'agent_sfd', sfd.id],
    ]);
    const [audit] = await auditOf(t, 'payment', payout.id);
    expect(audit.after).toMatchObject({
      status: 'failed',
      failure_reason: 'PROVIDER_REFUSED',
      reverted: true,
    });
  });

  it('completes a successful payout with a receipt and posts nothing more', async () => {
    const client = await openClient(t, sfd);
    await fund(client, 9000);
    const payout = await withdraw(client, 6000);
    const journal = await journalSize(t);
    stub.setOutcome(payout.providerTransactionId!, 'SUCCESSFUL');
    const res = await t.request
      .post('/api/payments/check-status/')
      .set('Authorization', `Bearer ${await tokenFor(t, agent)}`)
      .send({ reference: payout.reference });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'success', direction: 'payout' });
    t.clock.advance(3 * MINUTE);
    await t.payments.service.reconcile();
    expect(await paymentRow(t, payout.reference)).toMatchObject({ status: 'success' });
    expect(await balance(t, walletOf(client.id))).toBe(3000);
    expect(await journalSize(t)).toBe(journal);
    expect(await entriesOf(t, payout.reference)).toEqual([]);
    expect(await sms(t, client.phone, /envoyes sur votre compte mobile money/)).toHaveLength(1);
    expect(await sms(t, agent.phone, new RegExp(payout.reference))).toEqual([]);
    expect(await auditTrail(t, payout.reference)).toEqual([
      ['payment.payout', agent.id, 'agent_sfd', sfd.id],
    ]);
    const [audit] = await auditOf(t, 'payment', payout.id);
    expect(audit.after).toMatchObject({ status: 'success', amount: 6000 });
    expect(audit.after).not.toHaveProperty('reverted');
  });

  it('has no sandbox test in MoMo production (X-Target-Environment mtnbenin)', async () => {
    const res = await t.request
      .post('/api/payments/sandbox-test/')
      .set('Authorization', `Bearer ${await tokenFor(t, agent)}`)
      .send({ amount: 100, phone: phone() });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });
});

// ---------------------------------------------------------------------------------------------------
// The simulator: a sandbox round trip through our own webhook lands in the SFD's suspense account.
// ---------------------------------------------------------------------------------------------------

describe('sandbox test with the simulator', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PAYMENT_PROVIDER: 'simulator', PAYMENT_SIMULATOR_DELAY_MS: '20' });
  });
  afterAll(() => t.close());

  it("answers 201 and, after the simulator's webhook, parks the money in the SFD's suspense account", async () => {
    const sfd = await makeSfd(t, 'SBX');
    const agent = await makeUser(t, 'agent_sfd', sfd);
    const client = await makeUser(t, 'client', sfd);
    const to = `${phone().slice(0, -1)}1`; // the simulator fails numbers ending in 9, ignores those in 8
    const refused = await t.request
      .post('/api/payments/sandbox-test/')
      .set('Authorization', `Bearer ${await tokenFor(t, client)}`)
      .send({ amount: 100, phone: to });
    expect(refused.status).toBe(403);
    const res = await t.request
      .post('/api/payments/sandbox-test/')
      .set('Authorization', `Bearer ${await tokenFor(t, agent)}`)
      .send({ amount: 250, phone: to });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'pending',
      provider: 'simulator',
      purpose: 'sandbox',
      sfd_id: sfd.id,
    });
    const reference = res.body.reference as string;
    await eventually(async () => (await paymentRow(t, reference)).status !== 'pending');
    expect((await paymentRow(t, reference)).status).toBe('success');
    expect(await balance(t, sfdAccount(sfd.id, 'suspense'))).toBe(250);
    expect(await balance(t, sfdAccount(sfd.id, 'mobile-money'))).toBe(-250);
    const entries = await entriesOf(t, reference);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ key: paymentEntryKey(reference), kind: 'sandbox_test' });
    expect(await receipts(t, to)).toHaveLength(1);
  });
});
