import { randomBytes } from 'node:crypto';
import { IsNull, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { Principal } from '../http/auth';
import { conflict, validationFailed } from '../http/errors';
import { ensureAccount, post, sfdAccount } from '../ledger/service';
import { paymentEntryKey, parkInSuspense, type PurposeHandler } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';
import { transition } from '../workflow/decide';
import { lockSavingsAccount, savingsLedgerAccount } from './balance';
import { SavingsAccount, type SavingsAccountStatus } from './entities';
import { accountOpenedSms } from './notices';
import type { OpeningNeeds } from './opening';
import type { Deps } from '../deps';

/** The payment type and purpose of the opening fee. */
export const OPENING_FEE_PURPOSE = 'frais_creation_epargne';

/** A fee payment start that never wrote its payment is given up after this long. */
export const STALE_FEE_START_MS = 5 * 60_000;
const STARTING = 'starting:';

/**
 * The opening fee: its collection started on a validated request, and the purpose handler that opens
 * the account in the payment's transaction.
 */
export class OpeningFees {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock' | 'outbox' | 'logger'>,
    private readonly needs: OpeningNeeds,
  ) {}

  /**
   * Starts the opening fee's collection (the client for themself, or staff of the SFD for them) on a
   * validee_agent account; the status stays validee_agent until the payment succeeds (then the purpose
   * handler opens the account). Again after a failed or expired payment; 409 while one is pending.
   */
  async start(p: Principal, account: SavingsAccount, phone?: string): Promise<SavingsAccount> {
    const { id } = account;
    const now = this.deps.clock.now();
    const claim = await this.claimable(account, now);
    if (!claim) {
      throw conflict(
        account.status === 'validee_agent'
          ? 'the fee payment is already pending'
          : `account ${account.status}: no fee to pay now`,
      );
    }
    const token = `${STARTING}${randomBytes(8).toString('hex')}`;
    const moved = await this.deps.db.manager.update(SavingsAccount, claim, {
      feePaymentReference: token,
      updatedAt: now,
    });
    if (!moved.affected) throw conflict('the fee payment is already starting');

    const client = await this.needs.accounts.client(account.clientId);
    const to = phone ?? client?.phone;
    let payment: Awaited<ReturnType<PaymentsService['collect']>>;
    try {
      if (!to) throw validationFailed({ phone: ['required'] });
      payment = await this.needs.payments.collect({
        type: OPENING_FEE_PURPOSE,
        purpose: OPENING_FEE_PURPOSE,
        purposeRef: String(account.id),
        amount: account.openingFee,
        phone: to,
        clientId: account.clientId,
        sfdId: account.sfdId,
        initiatedBy: p.userId,
      });
    } catch (err) {
      await this.deps.db.manager.update(
        SavingsAccount,
        { id, feePaymentReference: token },
        { feePaymentReference: null, updatedAt: this.deps.clock.now() },
      );
      throw err;
    }
    await this.deps.db.transaction(async (manager) => {
      // The payment may already be applied (the handler then wrote its reference).
      await manager.update(
        SavingsAccount,
        { id, feePaymentReference: token },
        { feePaymentReference: payment.reference },
      );
      await recordAudit(
        manager,
        {
          actor: p,
          sfdId: account.sfdId,
          action: 'savings.account.pay_fees',
          targetType: 'savings_account',
          targetId: id,
          after: { payment_reference: payment.reference, amount: payment.amount },
        },
        now,
      );
    });
    return (await this.deps.db.manager.findOne(SavingsAccount, { where: { id } })) as SavingsAccount;
  }

  /**
   * The condition under which a fee payment may start now, or null: validated and never started; its
   * last payment ended without money (failed, expired); or a start that never wrote its payment
   * STALE_FEE_START_MS ago.
   */
  private async claimable(a: SavingsAccount, now: Date): Promise<FindOptionsWhere<SavingsAccount> | null> {
    const { id } = a;
    if (a.status !== 'validee_agent') return null;
    const ref = a.feePaymentReference;
    if (ref === null) return { id, status: 'validee_agent', feePaymentReference: IsNull() };
    if (ref.startsWith(STARTING)) {
      return now.getTime() - a.updatedAt.getTime() >= STALE_FEE_START_MS
        ? { id, status: 'validee_agent', feePaymentReference: ref, updatedAt: a.updatedAt }
        : null;
    }
    const last = await this.needs.payments.byReference(ref);
    return last === null || last.status === 'failed' || last.status === 'expired'
      ? { id, status: 'validee_agent', feePaymentReference: ref }
      : null;
  }

  /**
   * The opening fee's purpose handler, in the payment's transaction. A payment of the account's fee,
   * by its client, while the account awaits it (validee_agent): mobile-money clearing → the SFD's fee
   * income, the account paiement_effectue then actif (opened_at, its ledger account), the client's SMS.
   * Anything else (no such account, not awaiting its fee, another amount) is parked in the SFD's
   * suspense account for a person to refund: never lost.
   */
  purposeHandler(): PurposeHandler {
    return {
      applyCollection: async (manager, payment, at) => {
        const id = Number(payment.purposeRef);
        const account = Number.isInteger(id) && id > 0 ? await lockSavingsAccount(manager, id) : null;
        const matches =
          account !== null &&
          account.clientId === payment.clientId &&
          account.sfdId === payment.sfdId &&
          account.status === 'validee_agent' &&
          account.openingFee === payment.amount;
        if (!matches || !account) {
          this.deps.logger.warn(
            { reference: payment.reference, purposeRef: payment.purposeRef },
            'opening fee for no savings account awaiting it: parked in suspense',
          );
          await parkInSuspense(manager, payment, at, { kind: 'unmatched_collection' });
          return;
        }
        await this.openAccount(manager, account, payment.reference, payment.amount, at);
        await post(manager, {
          key: paymentEntryKey(payment.reference),
          kind: 'savings_opening_fee',
          lines: [
            { account: sfdAccount(payment.sfdId, 'mobile-money'), amount: -payment.amount },
            { account: sfdAccount(payment.sfdId, 'fee-income'), amount: payment.amount },
          ],
          ref: { type: 'savings_account', id: account.id },
          sfdId: payment.sfdId,
          at,
        });
      },
    };
  }

  /** validee_agent → paiement_effectue → actif, audited, its ledger account opened, the client told. */
  private async openAccount(
    manager: EntityManager,
    account: SavingsAccount,
    reference: string,
    amount: number,
    at: Date,
  ): Promise<void> {
    const step = (from: SavingsAccountStatus, to: SavingsAccountStatus, set: Partial<SavingsAccount>) =>
      transition(manager, {
        entity: SavingsAccount,
        id: account.id,
        from: [from],
        to,
        set,
        actor: null,
        action: to === 'actif' ? 'savings.account.open' : 'savings.account.fee_paid',
        targetType: 'savings_account',
        at,
        view: (a) => ({ status: a.status, payment_reference: a.feePaymentReference, amount }),
      });
    await step('validee_agent', 'paiement_effectue', { feePaymentReference: reference, updatedAt: at });
    await step('paiement_effectue', 'actif', { openedAt: at, updatedAt: at });
    await ensureAccount(manager, {
      code: savingsLedgerAccount(account.id),
      kind: 'savings',
      sfdId: account.sfdId,
      ownerId: account.clientId,
      mayGoNegative: false,
      at,
    });
    const client = await this.needs.accounts.contact(account.clientId, manager);
    const sfd = await this.needs.accounts.sfd(account.sfdId, manager);
    const sms = client && accountOpenedSms(client, account, sfd?.name ?? 'TontiFlex');
    if (sms) await this.deps.outbox.queue(manager, sms);
  }
}
