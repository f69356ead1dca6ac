import { randomBytes, randomUUID } from 'node:crypto';
import { LessThan, type EntityManager } from 'typeorm';
import type { AccountsDirectory, Contact } from '../accounts/directory';
import type { Deps } from '../deps';
import { auditPayment, type PaymentActor } from './audit';
import { Problem } from '../http/errors';
import { PAYMENT_TYPES, PaymentTransaction, type PaymentDirection, type PaymentType } from './entities';
import { ProviderUnavailable, type PaymentProvider, type VerifyResult } from './provider';
import type { PurposeRegistry } from './purposes';
import { notifyAgentOfFailedPayout, notifyClient } from './notices';
import { REFERENCE_MISMATCH } from './providers/common';

export interface NewPayment {
  type: PaymentType;
  direction: PaymentDirection;
  amount: number;
  phone: string;
  clientId: number;
  sfdId: number;
  purpose: string;
  purposeRef?: string | null;
  initiatedBy?: number | null;
}

/** `TF` + type code + UTC time to the second + 40 random bits: unique, sortable, readable on a receipt. */
export function newReference(type: PaymentType, at: Date): string {
  const time = at.toISOString().replace(/[-:T]/g, '').slice(2, 14);
  return `TF${PAYMENT_TYPES[type]}${time}${randomBytes(5).toString('hex').toUpperCase()}`;
}

/**
 * Who changed a payment, for its audit row: null when the provider's word drove it (a webhook, the
 * reconciliation), the signed-in caller who asked (a status check), or `'initiator'` for an outcome
 * met within the request that started the payment (the provider refused it), i.e. its `initiatedBy`.
 */
const STALE_AFTER_MS = 2 * 60_000;
const UNKNOWN_REASONS = new Set([REFERENCE_MISMATCH, 'TRANSACTION_NOT_FOUND']);

/**
 * Payments with a provider, applied exactly once. Whoever learns about an outcome (a webhook, a status
 * check, the reconciliation job) first re-reads it from the provider, then moves the row out of
 * `pending` with a conditional update in the same transaction as the purpose's ledger entry.
 */
export class PaymentsService {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock' | 'outbox' | 'logger' | 'config'>,
    readonly provider: PaymentProvider,
    readonly purposes: PurposeRegistry,
    private readonly accounts: AccountsDirectory,
  ) {}

  /** The client a payment is started for (accounts' directory), or null. */
  client(id: number): Promise<Contact | null> {
    return this.accounts.client(id);
  }

  /** Starts a collection: the operator prompts the client, or (KKiaPay) a payment link goes by SMS. */
  async collect(req: Omit<NewPayment, 'direction'>): Promise<PaymentTransaction> {
    const payment = await this.create({ ...req, direction: 'collection' });
    try {
      const started = await this.provider.collect({
        reference: payment.reference,
        transactionId: payment.providerTransactionId ?? undefined,
        phone: payment.phone,
        amount: payment.amount,
        description: `TontiFlex ${payment.reference}`,
      });
      payment.providerTransactionId = started.providerTransactionId;
      payment.paymentUrl = started.paymentUrl ?? null;
      await this.deps.db.transaction(async (manager) => {
        await manager.update(
          PaymentTransaction,
          { id: payment.id },
          { providerTransactionId: payment.providerTransactionId, paymentUrl: payment.paymentUrl },
        );
        if (started.paymentUrl) {
          await notifyClient(this.deps.outbox, this.accounts, manager, payment, 'payment_link', {
            url: started.paymentUrl,
          });
        }
      });
      return payment;
    } catch (err) {
      if (this.outcomeUnknown(payment, err)) return payment;
      // Nothing was collected as far as we know: the payment fails and the caller is told why.
      const unavailable = err instanceof ProviderUnavailable;
      await this.fail(
        payment,
        unavailable ? 'PROVIDER_UNAVAILABLE' : 'PROVIDER_REFUSED',
        'failed',
        'initiator',
      );
      this.deps.logger.warn(
        { reference: payment.reference, err: (err as Error).message },
        'collection not started',
      );
      throw unavailable
        ? new Problem(503, 'unavailable', 'the payment provider does not answer, try again')
        : new Problem(502, 'provider_refused', (err as Error).message);
    }
  }

  /**
   * Sends money to the client's wallet. The caller has already posted the withdrawal to the ledger;
   * if the payout fails, the purpose's `revertPayout` puts the money back.
   */
  async payout(req: Omit<NewPayment, 'direction'>): Promise<PaymentTransaction> {
    const payment = await this.create({ ...req, direction: 'payout' });
    try {
      const started = await this.provider.payout({
        reference: payment.reference,
        transactionId: payment.providerTransactionId ?? undefined,
        phone: payment.phone,
        amount: payment.amount,
        description: `TontiFlex ${payment.reference}`,
      });
      payment.providerTransactionId = started.providerTransactionId;
      await this.deps.db.manager.update(
        PaymentTransaction,
        { id: payment.id },
        { providerTransactionId: started.providerTransactionId },
      );
      return payment;
    } catch (err) {
      if (this.outcomeUnknown(payment, err)) return payment; // the money stays out until MoMo says
      this.deps.logger.warn({ reference: payment.reference, err: (err as Error).message }, 'payout refused');
      await this.settle(
        payment,
        { status: 'failed', providerTransactionId: null, amount: null, reason: 'PROVIDER_REFUSED' },
        'initiator',
      );
      return this.byReference(payment.reference) as Promise<PaymentTransaction>;
    }
  }

  /**
   * A request without an answer (timeout, 5xx, network) may have reached the provider. Where the
   * payment chose its id before the request, it stays pending: the reconciliation asks the provider
   * what it did (MoMo answers 404 for a request it never recorded: the payment then fails).
   */
  private outcomeUnknown(payment: PaymentTransaction, err: unknown): boolean {
    if (!(err instanceof ProviderUnavailable) || !payment.providerTransactionId) return false;
    this.deps.logger.warn(
      { reference: payment.reference, err: err.message },
      `${payment.direction}: no answer from the provider, left to the reconciliation`,
    );
    return true;
  }

  private async create(req: NewPayment): Promise<PaymentTransaction> {
    const now = this.deps.clock.now();
    return this.deps.db.manager.save(
      this.deps.db.manager.create(PaymentTransaction, {
        reference: newReference(req.type, now),
        provider: this.provider.name,
        providerTransactionId: this.provider.capabilities.chosenId ? randomUUID() : null,
        type: req.type,
        direction: req.direction,
        amount: req.amount,
        phone: req.phone,
        status: 'pending',
        purpose: req.purpose,
        purposeRef: req.purposeRef ?? null,
        sfdId: req.sfdId,
        clientId: req.clientId,
        initiatedBy: req.initiatedBy ?? null,
        paymentUrl: null,
        failureReason: null,
        createdAt: now,
        updatedAt: now,
        completedAt: null,
      }),
    );
  }

  byReference(reference: string): Promise<PaymentTransaction | null> {
    return this.deps.db.manager.findOne(PaymentTransaction, { where: { reference } });
  }

  /**
   * The payout of a record approved (its money posted) whose payout never started: a crash between the
   * approval's commit and the payout. A payout found for the record after all (the crash came before
   * its reference was stored) is adopted; otherwise it is sent now to the client's phone. `store` keeps
   * the reference on the record. The payout's own row is the guard against sending twice. Returns
   * whether it sent one. For the payout sweeps of the modules that pay out.
   */
  async resumePayout(
    req: Omit<NewPayment, 'direction' | 'phone'> & { purposeRef: string },
    store: (reference: string) => Promise<unknown>,
  ): Promise<boolean> {
    const existing = await this.forPurpose(req.clientId, req.purpose, req.purposeRef);
    if (existing) {
      await store(existing.reference);
      return false;
    }
    const where = { purpose: req.purpose, purpose_ref: req.purposeRef };
    const phone = (await this.accounts.contact(req.clientId))?.phone;
    if (!phone) {
      this.deps.logger.error(where, 'approved payout without a phone to pay');
      return false;
    }
    this.deps.logger.warn(where, 'approved payout never started: sending it');
    await store((await this.payout({ ...req, phone })).reference);
    return true;
  }

  /** The generic receipt of a collection, in the caller's transaction (for a purpose with `ownReceipt`). */
  queueReceipt(manager: EntityManager, payment: PaymentTransaction): Promise<void> {
    return notifyClient(this.deps.outbox, this.accounts, manager, payment, 'receipt');
  }

  /**
   * The client's payment started for this business record, if any (newest first). Read by the client's
   * index: a purpose module asks it about its own few records, never in bulk.
   */
  forPurpose(clientId: number, purpose: string, purposeRef: string): Promise<PaymentTransaction | null> {
    return this.deps.db.manager.findOne(PaymentTransaction, {
      where: { clientId, purpose, purposeRef },
      order: { id: 'DESC' },
    });
  }

  byProviderId(providerTransactionId: string): Promise<PaymentTransaction | null> {
    return this.deps.db.manager.findOne(PaymentTransaction, { where: { providerTransactionId } });
  }

  /**
   * Asks the provider what became of a payment and applies the answer. `providerTransactionId` may come
   * from a webhook when we did not know it yet (KKiaPay payment links); `actor` is who asked (audit).
   */
  async refresh(
    payment: PaymentTransaction,
    providerTransactionId?: string,
    actor: PaymentActor = null,
  ): Promise<PaymentTransaction> {
    // A payment link may be tried several times, each attempt with its own id: the one a webhook names
    // is the one to verify. Elsewhere the payment's own id is (MoMo's X-Reference-Id).
    const link = this.provider.capabilities.paymentLink;
    const id =
      (link ? providerTransactionId : undefined) ?? payment.providerTransactionId ?? providerTransactionId;
    if (payment.status !== 'pending' || !id) return payment;
    const result =
      payment.direction === 'payout'
        ? await this.provider.verifyPayout(id, payment.reference)
        : await this.provider.verify(id, payment.reference);
    // "Not ours" or "never heard of it" is no outcome: a forged or early webhook must not fail a payment.
    // It stays pending until the provider knows, or the reconciliation expires it.
    if (result.status === 'failed' && UNKNOWN_REASONS.has(result.reason ?? '')) {
      this.deps.logger.warn({ reference: payment.reference, reason: result.reason }, 'verify: not applied');
      return payment;
    }
    if (result.status === 'failed' && link) {
      // The client may try again on the same link (KKiaPay's widget offers it): a failed attempt does
      // not end the payment, the link's expiry does (reconcile). Ending it here lost the money of a
      // second, successful attempt.
      this.deps.logger.info(
        { reference: payment.reference, reason: result.reason },
        'payment attempt failed',
      );
      return payment;
    }
    if (payment.providerTransactionId !== id) {
      // The provider tied this transaction to our reference: keep its id before applying it, so that if
      // applying fails the reconciliation can still verify it (KKiaPay only retries for a few seconds).
      await this.deps.db.manager.update(
        PaymentTransaction,
        { id: payment.id, status: 'pending' },
        { providerTransactionId: id },
      );
    }
    // The id we verify with stays (MoMo's X-Reference-Id, not its financialTransactionId).
    await this.settle(payment, { ...result, providerTransactionId: id }, actor);
    return (await this.byReference(payment.reference)) as PaymentTransaction;
  }

  /**
   * Applies a verified outcome once, with its audit row in the same transaction. Returns whether this
   * call changed the payment.
   */
  async settle(
    payment: PaymentTransaction,
    result: VerifyResult,
    actor: PaymentActor = null,
  ): Promise<boolean> {
    if (result.status === 'pending') return false;
    if (result.status === 'success' && result.amount !== null && result.amount !== payment.amount) {
      this.deps.logger.error(
        { reference: payment.reference, expected: payment.amount, got: result.amount },
        'provider amount differs from the payment: not applied',
      );
      return this.fail(payment, 'AMOUNT_MISMATCH', 'failed', actor);
    }
    if (result.status === 'failed') return this.fail(payment, result.reason ?? 'FAILED', 'failed', actor);

    const now = this.deps.clock.now();
    const applied = await this.deps.db.transaction(async (manager) => {
      const changes = {
        status: 'success' as const,
        providerTransactionId: result.providerTransactionId ?? payment.providerTransactionId,
        completedAt: now,
        updatedAt: now,
      };
      const moved = await manager.update(PaymentTransaction, { id: payment.id, status: 'pending' }, changes);
      if (!moved.affected) return false; // someone else applied it first
      const handler = this.purposes.get(payment.purpose);
      await auditPayment(manager, this.accounts, payment, changes, actor, now);
      // The receipt is queued with the change it reports: both commit, or neither.
      if (!handler.ownReceipt) {
        await notifyClient(
          this.deps.outbox,
          this.accounts,
          manager,
          payment,
          payment.direction === 'payout' ? 'payout_receipt' : 'receipt',
        );
      }
      // The purpose last: its ledger entry locks the SFD's clearing account, which nearly every payment
      // of the SFD updates, from there to the commit.
      if (payment.direction === 'collection') await handler.applyCollection?.(manager, payment, now);
      else await handler.applyPayout?.(manager, payment, now);
      return true;
    });
    return applied;
  }

  private async fail(
    payment: PaymentTransaction,
    reason: string,
    status: 'failed' | 'expired' = 'failed',
    actor: PaymentActor = null,
  ) {
    const now = this.deps.clock.now();
    const changed = await this.deps.db.transaction(async (manager) => {
      const changes = { status, failureReason: reason.slice(0, 64), completedAt: now, updatedAt: now };
      const moved = await manager.update(PaymentTransaction, { id: payment.id, status: 'pending' }, changes);
      if (!moved.affected) return false;
      const payout = payment.direction === 'payout' ? this.purposes.get(payment.purpose) : undefined;
      if (payout?.revertPayout) await payout.revertPayout(manager, payment, now);
      if (payment.direction === 'collection' && this.purposes.has(payment.purpose))
        await this.purposes.get(payment.purpose).failCollection?.(manager, { ...payment, ...changes }, now);
      await auditPayment(
        manager,
        this.accounts,
        payment,
        changes,
        actor,
        now,
        payout ? { reverted: !!payout.revertPayout } : {},
      );
      // A mismatch means money may have moved: the client is sent to the branch, not told "nothing debited".
      const key =
        status === 'expired'
          ? 'payment_expired'
          : reason === 'AMOUNT_MISMATCH'
            ? 'payment_review'
            : `${payment.direction}_failed`;
      await notifyClient(this.deps.outbox, this.accounts, manager, payment, key);
      if (payment.direction === 'payout')
        await notifyAgentOfFailedPayout(this.deps.outbox, this.accounts, manager, payment);
      return true;
    });
    return changed;
  }

  /**
   * The reconciliation job: pending payments older than 2 minutes are verified with the provider
   * (a lost webhook); collections older than PAYMENT_EXPIRY_MINUTES are expired and the client told.
   * A payout is never expired: putting the money back while the provider may still pay it would pay
   * twice. It stays pending, asked about at every run, and is logged for a person to look at.
   */
  async reconcile(): Promise<{ verified: number; expired: number }> {
    const now = this.deps.clock.now().getTime();
    const stale = await this.deps.db.manager.find(PaymentTransaction, {
      where: { status: 'pending', createdAt: LessThan(new Date(now - STALE_AFTER_MS)) },
      order: { id: 'ASC' },
      take: 500,
    });
    let verified = 0;
    let expired = 0;
    for (const payment of stale) {
      try {
        const after = await this.refresh(payment);
        if (after.status !== 'pending') verified += 1;
        else if (payment.createdAt.getTime() < now - this.deps.config.PAYMENT_EXPIRY_MINUTES * 60_000) {
          if (payment.direction === 'payout') {
            this.deps.logger.error({ reference: payment.reference }, 'payout still pending past expiry');
          } else if (await this.fail(payment, 'EXPIRED', 'expired')) expired += 1;
        }
      } catch (err) {
        this.deps.logger.warn(
          { reference: payment.reference, err: (err as Error).message },
          'reconciliation: will retry',
        );
      }
    }
    return { verified, expired };
  }
}
