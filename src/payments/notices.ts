import type { EntityManager } from 'typeorm';
import type { AccountsDirectory } from '../accounts/directory';
import type { SmsOutbox } from '../notifications/outbox';
import type { PaymentTransaction } from './entities';
import { formatXof } from '../shared/money';

/** Queues the client's SMS about a payment in `manager`'s transaction; once per payment and key. */
export async function notifyClient(
  outbox: SmsOutbox,
  accounts: AccountsDirectory,
  manager: EntityManager,
  payment: PaymentTransaction,
  key: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const client = await accounts.contact(payment.clientId, manager);
  await outbox.queue(manager, {
    to: payment.phone,
    kind: key === 'receipt' ? 'receipt' : 'info',
    lang: client?.language ?? 'fr',
    template: `payments.${key}`,
    params: { amount: formatXof(payment.amount), reference: payment.reference, ...extra },
    dedupeKey: `payment:${payment.reference}:${key}`,
  });
}

/** Tells the staff member who started a payout that it failed (not the client twice). */
export async function notifyAgentOfFailedPayout(
  outbox: SmsOutbox,
  accounts: AccountsDirectory,
  manager: EntityManager,
  payment: PaymentTransaction,
): Promise<void> {
  if (!payment.initiatedBy || payment.initiatedBy === payment.clientId) return;
  const agent = await accounts.contact(payment.initiatedBy, manager);
  if (!agent?.phone) return;
  await outbox.queue(manager, {
    to: agent.phone,
    kind: 'alert',
    lang: agent.language,
    template: 'payments.payout_failed_agent',
    params: { amount: formatXof(payment.amount), reference: payment.reference },
    dedupeKey: `payment:${payment.reference}:agent`,
  });
}
