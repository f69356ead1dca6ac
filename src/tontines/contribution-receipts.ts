import { randomInt } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AccountsDirectory } from '../accounts/directory';
import type { SmsOutbox } from '../notifications/outbox';
import { formatXof } from '../shared/money';
import type { Allocation } from './carnet';
import type { Cotisation, TontineParticipant } from './entities';

/** Letters and digits a client reads back without confusion (no 0/O, 1/I/L). */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** The short code of a cash receipt, which the client quotes to dispute it (`NON <code>`). */
export const newReceiptCode = () =>
  Array.from({ length: 6 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');

/**
 * The client's receipt of a contribution, queued in its transaction: the amount, the boxes, the carnet's
 * progress (`Carnet 2: 17/31`) and the new balance. Mobile money: under the payment's receipt key, so
 * this detailed receipt is the one the client gets (the payments module's generic one is then a
 * duplicate and is not queued). Cash: names the agent, with a code the client may dispute.
 */
export async function queueReceipt(
  outbox: SmsOutbox,
  accounts: AccountsDirectory,
  manager: EntityManager,
  r: { participant: TontineParticipant; cotisation: Cotisation; allocation: Allocation; balance: number },
): Promise<void> {
  const { cotisation, allocation } = r;
  const client = await accounts.contact(r.participant.clientId, manager);
  if (!client?.phone) return;
  const params: Record<string, unknown> = {
    amount: formatXof(allocation.amount),
    days: String(cotisation.days),
    cycle: String(allocation.after.cycle),
    paid: String(allocation.after.boxesPaid),
    balance: formatXof(r.balance),
  };
  if (cotisation.method === 'cash') {
    const agent = cotisation.collectedBy ? await accounts.contact(cotisation.collectedBy, manager) : null;
    await outbox.queue(manager, {
      to: client.phone,
      kind: 'receipt',
      lang: client.language,
      template: 'tontines.cash_receipt',
      params: {
        ...params,
        agent: agent ? `${agent.firstName} ${agent.lastName}` : '-',
        code: cotisation.receiptCode,
      },
      dedupeKey: `tontine:cotisation:${cotisation.id}:receipt`,
    });
    return;
  }
  await outbox.queue(manager, {
    to: client.phone,
    kind: 'receipt',
    lang: client.language,
    template: 'tontines.receipt',
    params: { ...params, reference: cotisation.paymentReference },
    dedupeKey: `payment:${cotisation.paymentReference}:receipt`,
  });
}
