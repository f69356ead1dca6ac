import type { EntityManager } from 'typeorm';
import { recordAudit, type AuditInput } from '../accounts/audit';
import type { AccountsDirectory } from '../accounts/directory';
import type { PaymentTransaction } from './entities';

export type PaymentActor = AuditInput['actor'] | 'initiator';

/** A payment in its audit rows' before/after. */
function auditView(p: PaymentTransaction, changes: Partial<PaymentTransaction> = {}) {
  const q = { ...p, ...changes };
  return {
    status: q.status,
    amount: q.amount,
    reference: q.reference,
    direction: q.direction,
    type: q.type,
    purpose: q.purpose,
    provider_transaction_id: q.providerTransactionId,
    failure_reason: q.failureReason,
  };
}

/**
 * The audit row of a payment leaving `pending` (ARCHITECTURE §9: every money movement), written in
 * the transaction of the status change: `payment.success` and `payment.failed` for collections (an
 * expiry is a failure: see `after.status`), `payment.payout` for payouts, paid or failed (then
 * `after.reverted`: whether the purpose put the money back).
 */
export async function auditPayment(
  manager: EntityManager,
  accounts: Pick<AccountsDirectory, 'contact'>,
  payment: PaymentTransaction,
  changes: Partial<PaymentTransaction>,
  actor: PaymentActor,
  at: Date,
  extra: object = {},
): Promise<void> {
  const action =
    payment.direction === 'payout'
      ? 'payment.payout'
      : changes.status === 'success'
        ? 'payment.success'
        : 'payment.failed';
  await recordAudit(
    manager,
    {
      actor: actor === 'initiator' ? await initiator(manager, accounts, payment) : actor,
      sfdId: payment.sfdId,
      action,
      targetType: 'payment',
      targetId: payment.id,
      before: auditView(payment, { status: 'pending', failureReason: null }),
      after: { ...auditView(payment, changes), ...extra },
    },
    at,
  );
}

/** The user who started the payment, as an audit actor (null: none, or no longer known). */
async function initiator(
  manager: EntityManager,
  accounts: Pick<AccountsDirectory, 'contact'>,
  payment: PaymentTransaction,
): Promise<AuditInput['actor']> {
  if (!payment.initiatedBy) return null;
  const user = await accounts.contact(payment.initiatedBy, manager);
  return user ? { userId: user.id, role: user.role } : null;
}
