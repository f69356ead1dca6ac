import type { EntityManager } from 'typeorm';
import type { Contact } from '../accounts/directory';
import type { OutboxMessage, SmsOutbox } from '../notifications/outbox';
import { formatXof } from '../shared/money';
import { formatAccountNumber } from './account-number';
import type { SavingsTransaction } from './entities';

/** The in-app type of a savings withdrawal awaiting an agent; its data is `{transaction_id}`. */
export const SAVINGS_WITHDRAWAL_PENDING = 'savings_retrait_pending';
export const savingsPendingData = (transactionId: number) => ({ transaction_id: transactionId });

/** A reason longer than this is cut in the client's SMS (the audit trail keeps it whole). */
export const REASON_SMS_MAX = 120;

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 3)}...`);

export type SavingsSmsKey =
  | 'deposit_receipt'
  | 'deposit_cash_receipt'
  | 'withdrawal_requested'
  | 'withdrawal_approved'
  | 'withdrawal_rejected'
  | 'withdrawal_paid_cash';

/**
 * The client's SMS about one deposit or withdrawal, in their language, queued in the caller's
 * transaction; once per step (`savings-tx:<id>:<key>`), a mobile-money deposit's receipt under its
 * payment's receipt key (the payments module's generic receipt is then not queued: ownReceipt).
 */
export async function savingsSms(
  outbox: SmsOutbox,
  manager: EntityManager,
  client: Contact | null,
  key: SavingsSmsKey,
  tx: SavingsTransaction,
  extra: { balance?: number; agent?: string } = {},
): Promise<void> {
  if (!client?.phone) return;
  const message: OutboxMessage = {
    to: client.phone,
    kind: key === 'deposit_receipt' || key === 'deposit_cash_receipt' ? 'receipt' : 'info',
    lang: client.language,
    template: `savings.${key}`,
    params: {
      amount: formatXof(tx.amount),
      account: formatAccountNumber(tx.accountId),
      reference: key === 'deposit_receipt' ? (tx.paymentReference ?? String(tx.id)) : String(tx.id),
      ...(extra.balance !== undefined ? { balance: formatXof(extra.balance) } : {}),
      ...(extra.agent !== undefined ? { agent: extra.agent } : {}),
      ...(key === 'withdrawal_rejected' ? { reason: cut(tx.reason ?? '', REASON_SMS_MAX) } : {}),
    },
    dedupeKey:
      key === 'deposit_receipt' && tx.paymentReference
        ? `payment:${tx.paymentReference}:receipt`
        : `savings-tx:${tx.id}:${key}`,
  };
  await outbox.queue(manager, message);
}
