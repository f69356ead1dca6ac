import { post, sfdAccount } from '../ledger/service';
import type { EntityManager } from 'typeorm';
import type { PaymentTransaction, PaymentType } from './entities';

/**
 * What a successful payment is for. The module that owns the business (tontines, savings, loans)
 * registers one handler per purpose; the payments module calls it exactly once, inside the
 * transaction that moves the payment from pending to success, so the ledger entry and the business
 * change commit together with the status or not at all.
 */
export interface PurposeHandler {
  /** Collections: post the money to the ledger (key `payment:<reference>`) and change the business. */
  applyCollection?(manager: EntityManager, payment: PaymentTransaction, at: Date): Promise<void>;
  /**
   * The purpose queues the client's receipt itself (a collection's applyCollection under the payment's
   * receipt key `payment:<reference>:receipt`; a payout's applyPayout its own notice): the generic
   * receipt is then not queued at all.
   */
  ownReceipt?: boolean;
  /**
   * Collections that failed or expired: the business record that awaited the money ends (a repayment
   * `echoue`), in the transaction that ends the payment. No money moved, so there is nothing to post.
   */
  failCollection?(manager: EntityManager, payment: PaymentTransaction, at: Date): Promise<void>;
  /** Payouts that succeeded: the business change that follows the money arriving (the ledger moved already). */
  applyPayout?(manager: EntityManager, payment: PaymentTransaction, at: Date): Promise<void>;
  /** Payouts that failed: put the money back (a reversing entry) and undo the business change. */
  revertPayout?(manager: EntityManager, payment: PaymentTransaction, at: Date): Promise<void>;
  /**
   * The payment types a caller of POST /api/payments/initiate may start for this purpose by naming it
   * (`purpose`). A purpose named after a type is that type's default and needs no entry here; one
   * without `types` (the sandbox's) cannot be named by a caller.
   */
  types?: readonly PaymentType[];
}

export class PurposeRegistry {
  private readonly handlers = new Map<string, PurposeHandler>();

  register(purpose: string, handler: PurposeHandler): void {
    if (this.handlers.has(purpose)) throw new Error(`payment purpose ${purpose} is already registered`);
    this.handlers.set(purpose, handler);
  }

  has(purpose: string): boolean {
    return this.handlers.has(purpose);
  }

  /**
   * Whether POST /api/payments/initiate may start a payment of `type` for `purpose` (default: the
   * purpose named after the type, when a module registered it). Never a payout purpose's.
   */
  initiable(type: PaymentType, purpose: string = type): boolean {
    const handler = this.handlers.get(purpose);
    // A purpose that pays out (a withdrawal) has nothing a caller could pay in for.
    if (!handler || handler.applyPayout || handler.revertPayout) return false;
    return purpose === type || (handler.types ?? []).includes(type);
  }

  get(purpose: string): PurposeHandler {
    const handler = this.handlers.get(purpose);
    if (!handler) throw new Error(`no handler for payment purpose ${purpose}`);
    return handler;
  }
}

/** The ledger key of a payment's own entry, and of its reversal. */
export const paymentEntryKey = (reference: string) => `payment:${reference}`;
export const reversalEntryKey = (reference: string) => `payment:${reference}:reversal`;

/**
 * Puts a collection's money in the SFD's suspense account (mobile-money clearing → suspense): for a
 * payment its purpose cannot apply (nothing awaits it any more), and for sandbox round trips. The money
 * is never lost; staff move it by hand. `key` defaults to the payment's own entry key.
 */
export function parkInSuspense(
  manager: EntityManager,
  payment: PaymentTransaction,
  at: Date,
  entry: { kind: string; key?: string },
): Promise<unknown> {
  return post(manager, {
    key: entry.key ?? paymentEntryKey(payment.reference),
    kind: entry.kind,
    lines: [
      { account: sfdAccount(payment.sfdId, 'mobile-money'), amount: -payment.amount },
      { account: sfdAccount(payment.sfdId, 'suspense'), amount: payment.amount },
    ],
    ref: { type: 'payment', id: payment.reference },
    sfdId: payment.sfdId,
    at,
  });
}
