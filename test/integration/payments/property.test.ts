/**
 * Model-based property test of the payments' exactly-once rule. fast-check generates sequences of
 * operations (collections and their MoMo callbacks — success, failure, early, duplicated, concurrent —,
 * payouts that succeed, fail or stay pending, reconciliation with time advanced) and runs them against
 * the app (real MoMo adapter → MoMo stub, callbacks over HTTP) and against an in-memory model of the
 * client's wallet and of each payment's status. After every step the database must agree with the
 * model, and the ledger must keep its invariants.
 */
import fc from 'fast-check';
import { In } from 'typeorm';
import { AuditEvent, type Sfd, type User } from '../../../src/accounts/entities';
import { checkLedger } from '../../../src/ledger/check';
import { JournalEntry, LedgerAccount } from '../../../src/ledger/entities';
import { ensureAccount, LedgerError, post, reverse, sfdAccount } from '../../../src/ledger/service';
import { PaymentTransaction, type PaymentStatus } from '../../../src/payments/entities';
import { paymentEntryKey, reversalEntryKey } from '../../../src/payments/purposes';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser } from '../../helpers/factories';
import { MomoStub, type MomoOutcome, MOMO, momoEnv } from '../../helpers/stubs/momo-stub';

const MINUTE = 60_000;
/** The service's rules the model mirrors: stale after 2 minutes, expired after PAYMENT_EXPIRY_MINUTES. */
const STALE_MS = 2 * MINUTE;
const EXPIRY_MINUTES = 30;
const EXPIRY_MS = EXPIRY_MINUTES * MINUTE;

type Outcome = 'PENDING' | 'SUCCESSFUL' | 'FAILED';

interface ModelPayment {
  reference: string;
  /** MoMo's X-Reference-Id: how the stub's outcome is set. */
  referenceId: string;
  direction: 'collection' | 'payout';
  amount: number;
  createdAt: number;
  status: PaymentStatus;
  /** What MoMo will answer when asked: final once it is not PENDING. */
  outcome: Outcome;
}

interface Model {
  wallet: number;
  payments: ModelPayment[];
}

interface Real {
  wallet: string;
  /** Index of the first SMS of this run in the inbox. */
  firstSms: number;
}

const withdrawalKey = (id: string) => `test:withdrawal:${id}`;
const COLLECTION = 'test_collection';
const PAYOUT = 'test_payout';

const stub = new MomoStub(MOMO);
let t: TestApp;
let sfd: Sfd;
let client: User;
let agent: User;
let seq = 0;

beforeAll(async () => {
  const base = await stub.start();
  t = await startTestApp(
    momoEnv(base, {
      PAYMENT_EXPIRY_MINUTES: String(EXPIRY_MINUTES),
    }),
  );
  // Deposits credit the wallet named by purpose_ref; a failed withdrawal reverses its debit. The purposes
  // are the test's own (no module registers these names): the business modules register the real ones.
  t.payments.registry.register(COLLECTION, {
    applyCollection: async (manager, payment, at) => {
      await post(manager, {
        key: paymentEntryKey(payment.reference),
        kind: 'test_deposit',
        lines: [
          { account: sfdAccount(payment.sfdId, 'mobile-money'), amount: -payment.amount },
          { account: payment.purposeRef as string, amount: payment.amount },
        ],
        ref: { type: 'payment', id: payment.reference },
        sfdId: payment.sfdId,
        at,
      });
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
  sfd = await makeSfd(t, 'PRP');
  client = await makeUser(t, 'client', sfd);
  agent = await makeUser(t, 'agent_sfd', sfd);
});

afterAll(async () => {
  try {
    await t.close();
  } finally {
    await stub.close();
  }
});

// ---------------------------------------------------------------------------------------------------
// The model's rules
// ---------------------------------------------------------------------------------------------------

/** What the runs exercised, to prove the generator reaches every case (checked at the end). */
const seen = new Map<string, number>();
const saw = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);

/** What learning MoMo's answer (by callback, status check or reconciliation) does to a pending payment. */
function learn(m: Model, p: ModelPayment, via: string): void {
  if (p.status !== 'pending' || p.outcome === 'PENDING') return;
  if (p.outcome === 'SUCCESSFUL') {
    p.status = 'success';
    if (p.direction === 'collection') m.wallet += p.amount;
  } else {
    p.status = 'failed';
    if (p.direction === 'payout') m.wallet += p.amount; // the withdrawal is reversed
  }
  saw(`${p.direction} ${p.status} via ${via}`);
}

/** Past PAYMENT_EXPIRY_MINUTES a collection expires; a payout MoMo may still pay stays pending. */
function expire(p: ModelPayment): void {
  if (p.direction === 'payout') {
    saw('payout pending past expiry');
    return;
  }
  p.status = 'expired';
  saw('collection expired');
}

/** MoMo gives up on the transfers it still holds (they fail): nothing stays pending for ever. */
function failPendingTransfers(): void {
  for (const tx of stub.transactions.values()) {
    if (tx.product === 'disbursement' && tx.status === 'PENDING') {
      stub.setOutcome(tx.referenceId, momoOutcome('FAILED'));
    }
  }
}

/** The audit row a payment that left `pending` must have: its action and the status it moved to. */
function expectedAudit(p: ModelPayment): string[] {
  if (p.status === 'pending') return [];
  const action =
    p.direction === 'payout'
      ? 'payment.payout'
      : p.status === 'success'
        ? 'payment.success'
        : 'payment.failed';
  return [`${action} ${p.status}`];
}

/** The SMS a payment must have caused, once each. */
function expectedSms(p: ModelPayment): number {
  if (p.status === 'pending') return 0;
  if (p.status === 'success') return 1; // receipt
  return p.direction === 'payout' ? 2 : 1; // the client, and for a payout the initiating agent too
}

// ---------------------------------------------------------------------------------------------------
// Checks after every step
// ---------------------------------------------------------------------------------------------------

let steps = 0;

async function expectAgreement(m: Model, r: Real): Promise<void> {
  steps += 1;
  const db = t.deps.db;
  const wallet = await db.manager.findOneByOrFail(LedgerAccount, { code: r.wallet });
  expect(wallet.balance).toBe(m.wallet);

  const [sums] = (await db.query(
    `SELECT COALESCE(SUM(balance), 0) AS total,
            COALESCE(SUM(CASE WHEN may_go_negative = 0 AND balance < 0 THEN 1 ELSE 0 END), 0) AS negatives
       FROM ledger_accounts`,
  )) as { total: string | number; negatives: string | number }[];
  expect({ conservation: Number(sums.total), negative: Number(sums.negatives) }).toEqual({
    conservation: 0,
    negative: 0,
  });

  const references = m.payments.map((p) => p.reference);
  if (references.length > 0) {
    const rows = await db.manager.find(PaymentTransaction, {
      select: { id: true, reference: true, status: true },
      where: { reference: In(references) },
    });
    const actual = Object.fromEntries(rows.map((row) => [row.reference, row.status]));
    expect(actual).toEqual(Object.fromEntries(m.payments.map((p) => [p.reference, p.status])));

    // Every payment that left pending was audited once, in the transaction that moved it.
    const referenceOf = new Map(rows.map((row) => [String(row.id), row.reference]));
    const audits = await db.manager.find(AuditEvent, {
      where: { targetType: 'payment', targetId: In([...referenceOf.keys()]) },
      order: { id: 'ASC' },
    });
    const trail = new Map<string, string[]>(references.map((ref) => [ref, []]));
    for (const a of audits) {
      const after = JSON.parse(a.after ?? '{}') as { status?: string };
      trail.get(referenceOf.get(a.targetId) as string)?.push(`${a.action} ${after.status}`);
    }
    expect(Object.fromEntries(trail)).toEqual(
      Object.fromEntries(m.payments.map((p) => [p.reference, expectedAudit(p)])),
    );

    const entries = await db.manager.find(JournalEntry, {
      select: { key: true },
      where: { refType: 'payment', refId: In(references) },
    });
    const expectedKeys = m.payments.flatMap((p) => {
      if (p.direction === 'collection') return p.status === 'success' ? [paymentEntryKey(p.reference)] : [];
      return p.status === 'failed' || p.status === 'expired' ? [reversalEntryKey(p.reference)] : [];
    });
    expect(entries.map((e) => e.key).sort()).toEqual(expectedKeys.sort());

    const sent = new Map<string, number>();
    for (const message of (await t.inbox.all()).slice(r.firstSms)) {
      const reference = /\bTF[A-Z]{2}\d{12}[0-9A-F]{10}\b/.exec(message.body)?.[0];
      if (reference) sent.set(reference, (sent.get(reference) ?? 0) + 1);
    }
    expect(Object.fromEntries(m.payments.map((p) => [p.reference, sent.get(p.reference) ?? 0]))).toEqual(
      Object.fromEntries(m.payments.map((p) => [p.reference, expectedSms(p)])),
    );
  }

  expect(await checkLedger(db)).toEqual([]);
}

// ---------------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------------

type Cmd = fc.AsyncCommand<Model, Real>;

const momoOutcome = (o: Outcome): MomoOutcome =>
  o === 'FAILED' ? { status: 'FAILED', reason: 'APPROVAL_REJECTED' } : o;

/** MoMo settles a transaction once: a final answer never changes. */
function decide(p: ModelPayment, outcome: Outcome): void {
  if (p.outcome !== 'PENDING' || outcome === 'PENDING') return;
  stub.setOutcome(p.referenceId, momoOutcome(outcome));
  p.outcome = outcome;
}

const pick = (m: Model, direction: ModelPayment['direction'], i: number) => {
  const list = m.payments.filter((p) => p.direction === direction);
  return list[i % list.length];
};

/** The client approves (or not, or not yet) a deposit: MoMo's prompt on their phone. */
class Collect implements Cmd {
  constructor(readonly amount: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    t.clock.advance(1000); // references carry the second: keep them apart
    const payment = await t.payments.service.collect({
      type: 'depot_epargne',
      amount: this.amount,
      phone: client.phone,
      clientId: client.id,
      sfdId: sfd.id,
      purpose: COLLECTION,
      purposeRef: r.wallet,
    });
    expect(payment.status).toBe('pending');
    m.payments.push({
      reference: payment.reference,
      referenceId: payment.providerTransactionId as string,
      direction: 'collection',
      amount: this.amount,
      createdAt: payment.createdAt.getTime(),
      status: 'pending',
      outcome: 'PENDING',
    });
    await expectAgreement(m, r);
  }
  toString = () => `collect(${this.amount})`;
}

/** MoMo's callback for a collection, maybe before MoMo knows, maybe several copies at once. */
class Callback implements Cmd {
  constructor(
    readonly index: number,
    readonly outcome: Outcome,
    readonly copies: number,
    readonly concurrent: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.payments.some((p) => p.direction === 'collection');
  async run(m: Model, r: Real) {
    const p = pick(m, 'collection', this.index);
    decide(p, this.outcome);
    if (p.status !== 'pending') saw('callback for a settled payment');
    else if (p.outcome === 'PENDING') saw('callback before MoMo knows');
    if (this.copies > 1) saw(this.concurrent ? 'copies at once' : 'copies in a row');
    const send = () =>
      t.request
        .post('/api/payments/webhook/momo/')
        .send({ externalId: p.reference, status: this.outcome === 'FAILED' ? 'FAILED' : 'SUCCESSFUL' });
    const replies: { status: number }[] = [];
    if (this.concurrent) replies.push(...(await Promise.all(Array.from({ length: this.copies }, send))));
    else for (let i = 0; i < this.copies; i++) replies.push(await send());
    expect(replies.map((res) => res.status)).toEqual(replies.map(() => 200));
    learn(m, p, 'callback');
    await expectAgreement(m, r);
  }
  toString = () =>
    `callback(#${this.index}, ${this.outcome}, ${this.copies}x${this.concurrent ? ' at once' : ''})`;
}

/**
 * MoMo settles a transaction and nobody hears of it: a collection's callback is lost (MoMo calls back
 * once), or nobody asks about a payout. Only the reconciliation can find it.
 */
class SilentOutcome implements Cmd {
  constructor(
    readonly direction: ModelPayment['direction'],
    readonly index: number,
    readonly outcome: 'SUCCESSFUL' | 'FAILED',
  ) {}
  check = (m: Readonly<Model>) => m.payments.some((p) => p.direction === this.direction);
  async run(m: Model, r: Real) {
    decide(pick(m, this.direction, this.index), this.outcome);
    await expectAgreement(m, r);
  }
  toString = () => `silent(${this.direction} #${this.index}, ${this.outcome})`;
}

/**
 * A withdrawal to mobile money: the wallet is debited, then MoMo is asked to transfer. The amount is a
 * share of what the wallet holds (up to 120%: some withdrawals must be refused), at least 100 francs.
 * MoMo then settles the transfer (or not yet), and someone asks for its status at once, or nobody does.
 */
class Payout implements Cmd {
  private amount = 0;
  constructor(
    readonly percent: number,
    readonly outcome: Outcome,
    readonly asked: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.wallet > 0;
  async run(m: Model, r: Real) {
    this.amount = Math.max(100, Math.round((m.wallet * this.percent) / 100));
    t.clock.advance(1000);
    const id = `PW${++seq}`;
    const debit = t.deps.db.transaction((manager) =>
      post(manager, {
        key: withdrawalKey(id),
        kind: 'test_withdrawal',
        lines: [
          { account: r.wallet, amount: -this.amount },
          { account: sfdAccount(sfd.id, 'mobile-money'), amount: this.amount },
        ],
        ref: { type: 'withdrawal', id },
        sfdId: sfd.id,
        at: t.clock.now(),
      }),
    );
    if (this.amount > m.wallet) {
      await expect(debit).rejects.toMatchObject({ code: 'insufficient_funds' });
      await expect(debit).rejects.toBeInstanceOf(LedgerError);
      saw('withdrawal refused: insufficient funds');
      await expectAgreement(m, r);
      return;
    }
    await debit;
    m.wallet -= this.amount;
    const payment = await t.payments.service.payout({
      type: 'retrait_epargne',
      amount: this.amount,
      phone: client.phone,
      clientId: client.id,
      sfdId: sfd.id,
      purpose: PAYOUT,
      purposeRef: id,
      initiatedBy: agent.id,
    });
    expect(payment.status).toBe('pending');
    const p: ModelPayment = {
      reference: payment.reference,
      referenceId: payment.providerTransactionId as string,
      direction: 'payout',
      amount: this.amount,
      createdAt: payment.createdAt.getTime(),
      status: 'pending',
      outcome: 'PENDING',
    };
    m.payments.push(p);
    decide(p, this.outcome);
    if (this.asked) {
      await refresh(p, 1);
      learn(m, p, 'status check');
    }
    await expectAgreement(m, r);
  }
  toString = () => `payout(${this.percent}% = ${this.amount}, ${this.outcome}${this.asked ? ', asked' : ''})`;
}

/** A payout's status asked again (check-status, an operator), maybe by several at once. */
class PayoutStatus implements Cmd {
  constructor(
    readonly index: number,
    readonly outcome: Outcome,
    readonly copies: number,
  ) {}
  check = (m: Readonly<Model>) => m.payments.some((p) => p.direction === 'payout');
  async run(m: Model, r: Real) {
    const p = pick(m, 'payout', this.index);
    decide(p, this.outcome);
    if (p.status !== 'pending') saw('status check of a settled payout');
    await refresh(p, this.copies);
    learn(m, p, 'status check');
    await expectAgreement(m, r);
  }
  toString = () => `payoutStatus(#${this.index}, ${this.outcome}, ${this.copies}x at once)`;
}

async function refresh(p: ModelPayment, copies: number): Promise<void> {
  await Promise.all(
    Array.from({ length: copies }, async () => {
      const row = await t.payments.service.byReference(p.reference);
      await t.payments.service.refresh(row as PaymentTransaction);
    }),
  );
}

/** Time passes and the reconciliation job runs. */
class Reconcile implements Cmd {
  constructor(readonly advanceMs: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    t.clock.advance(this.advanceMs);
    const now = t.clock.now().getTime();
    await t.payments.service.reconcile();
    for (const p of m.payments) {
      if (p.status !== 'pending' || !(p.createdAt < now - STALE_MS)) continue;
      learn(m, p, 'reconciliation');
      if (p.status === 'pending' && p.createdAt < now - EXPIRY_MS) expire(p);
    }
    await expectAgreement(m, r);
  }
  toString = () => `reconcile(+${this.advanceMs / 1000}s)`;
}

const outcome = fc.constantFrom<Outcome>('SUCCESSFUL', 'SUCCESSFUL', 'FAILED', 'PENDING');
const amount = fc.integer({ min: 100, max: 50_000 });

const collect = amount.map((a) => new Collect(a));
const callback = fc
  .tuple(fc.nat(), outcome, fc.constantFrom(1, 1, 2, 5), fc.boolean())
  .map(([i, o, copies, concurrent]) => new Callback(i, o, copies, concurrent));
const silent = fc
  .tuple(
    fc.constantFrom<ModelPayment['direction']>('collection', 'payout'),
    fc.nat(),
    fc.constantFrom<'SUCCESSFUL' | 'FAILED'>('SUCCESSFUL', 'FAILED'),
  )
  .map(([d, i, o]) => new SilentOutcome(d, i, o));
const payout = fc
  .tuple(fc.integer({ min: 1, max: 120 }), outcome, fc.boolean())
  .map(([percent, o, asked]) => new Payout(percent, o, asked));
const payoutStatus = fc
  .tuple(fc.nat(), outcome, fc.constantFrom(1, 3))
  .map(([i, o, n]) => new PayoutStatus(i, o, n));
const reconcile = fc
  .constantFrom(30_000, STALE_MS, STALE_MS + 1, 10 * MINUTE, EXPIRY_MS, EXPIRY_MS + MINUTE)
  .map((ms) => new Reconcile(ms));

/** Up to 30 steps a run; an operation listed twice is drawn twice as often. */
const commands = fc.commands(
  [collect, collect, callback, callback, silent, silent, payout, payout, payoutStatus, reconcile, reconcile],
  { maxCommands: 30, size: 'max' },
);

let run = 0;

/** A fresh wallet per run; payments left pending by the previous run are settled or expired first. */
async function setup(): Promise<{ model: Model; real: Real }> {
  failPendingTransfers();
  t.clock.advance(EXPIRY_MS + MINUTE);
  await t.payments.service.reconcile();
  const wallet = `test:wallet:${client.id}:${++run}`;
  await ensureAccount(t.deps.db.manager, {
    code: wallet,
    kind: 'test_wallet',
    sfdId: sfd.id,
    ownerId: client.id,
    mayGoNegative: false,
    at: t.clock.now(),
  });
  return { model: { wallet: 0, payments: [] }, real: { wallet, firstSms: (await t.inbox.all()).length } };
}

it('keeps the wallet, every payment and the ledger in step with the model, whatever the order of events', async () => {
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(commands, (cmds) => fc.asyncModelRun(setup, cmds)),
    { seed: 20_251_125, numRuns: 100 },
  );
  // Leave nothing pending behind: the ledger check at close() sees a settled world.
  failPendingTransfers();
  t.clock.advance(EXPIRY_MS + MINUTE);
  await t.payments.service.reconcile();
  expect(await t.deps.db.manager.countBy(PaymentTransaction, { status: 'pending' })).toBe(0);
  // The generator reached every case, often enough to matter.
  const reached = Object.fromEntries(seen);
  if (process.env.PROPERTY_STATS) console.info({ runs: run, steps, ms: Date.now() - started, reached });
  for (const what of [
    'collection success via callback',
    'collection failed via callback',
    'collection success via reconciliation',
    'collection failed via reconciliation',
    'collection expired',
    'payout success via status check',
    'payout failed via status check',
    'payout success via reconciliation',
    'payout pending past expiry',
    'callback for a settled payment',
    'callback before MoMo knows',
    'copies at once',
    'copies in a row',
    'status check of a settled payout',
    'withdrawal refused: insufficient funds',
  ]) {
    expect({ [what]: (reached[what] ?? 0) >= 5 }).toEqual({ [what]: true });
  }
  expect(steps).toBeGreaterThan(700);
}, 120_000);
