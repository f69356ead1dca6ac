import type { EntityManager } from 'typeorm';
import type { PaymentTransaction } from './entities';

/**
 * What a successful payment is for. The module that owns the business (tontines, savings, loans)
 * registers one handler per purpose; the payments module calls it exactly once, inside the
 * transaction that moves the payment from pending to success, so the ledger entry and the business
 * change commit together with the status or not at all.
 */
export interface PurposeHandler {
  /** Collections: post the money to the ledger (key `payment:<reference>`) and change the business. */
  applyCollection?(manager: EntityManager, payment: PaymentTransaction, at: Date): Promise<void>;
  /** Payouts that failed: put the money back (a reversing entry) and undo the business change. */
  revertPayout?(manager: EntityManager, payment: PaymentTransaction, at: Date): Promise<void>;
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

  get(purpose: string): PurposeHandler {
    const handler = this.handlers.get(purpose);
    if (!handler) throw new Error(`no handler for payment purpose ${purpose}`);
    return handler;
  }
}

/** The ledger key of a payment's own entry, and of its reversal. */
export const paymentEntryKey = (reference: string) => `payment:${reference}`;
export const reversalEntryKey = (reference: string) => `payment:${reference}:reversal`;
