import { randomInt } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AccountsDirectory } from '../accounts/directory';
import type { Lang } from '../infra/i18n';
import type { SmsOutbox } from '../notifications/outbox';
import { formatXof } from '../shared/money';
import type { Allocation } from './carnet';
import { Tontine, type Cotisation, type TontineParticipant } from './entities';
import { tontineNameForSms } from './notices';

/** Letters and digits a client reads back without confusion (no 0/O, 1/I/L). */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** The short code of a cash receipt, which the client quotes to dispute it (`NON <code>`). */
export const newReceiptCode = () =>
  Array.from({ length: 6 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');

/**
 * The client's receipt of a contribution, queued in its transaction: the amount, the boxes, the carnet's
 * progress (`Carnet 2: 17/31`) and the new balance. Mobile money: under the payment's receipt key, so
 * this detailed receipt is the one the client gets (the payments module's generic one is then a
 * duplicate and is not queued). Cash: names the agent, with a code the client may dispute. Then one
 * "Carnet N complet" per carnet the contribution completed.
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
  } else {
    await outbox.queue(manager, {
      to: client.phone,
      kind: 'receipt',
      lang: client.language,
      template: 'tontines.receipt',
      params: { ...params, reference: cotisation.paymentReference },
      dedupeKey: `payment:${cotisation.paymentReference}:receipt`,
    });
  }
  // After the receipt, so the client reads the payment first.
  await queueCarnetsCompleted(outbox, manager, { phone: client.phone, language: client.language }, r);
}

/**
 * "Carnet N complet": one SMS per carnet this contribution completed (box 31 paid; a long payment may
 * complete two or three), in its transaction, with the balance after the contribution. The key names
 * the carnet (participant and cycle), so a carnet is announced once whatever replays the contribution.
 */
async function queueCarnetsCompleted(
  outbox: SmsOutbox,
  manager: EntityManager,
  client: { phone: string; language: Lang },
  r: { participant: TontineParticipant; allocation: Allocation; balance: number },
): Promise<void> {
  const cycles = r.allocation.carnetsCompleted;
  if (cycles.length === 0) return;
  const tontine = await manager.findOne(Tontine, {
    where: { id: r.participant.tontineId },
    select: { id: true, name: true },
  });
  for (const cycle of cycles) {
    await outbox.queue(manager, {
      to: client.phone,
      kind: 'info',
      lang: client.language,
      template: 'tontines.carnet_completed',
      params: {
        cycle: String(cycle),
        tontine: tontineNameForSms(tontine?.name ?? '-'),
        balance: formatXof(r.balance),
      },
      dedupeKey: `tontine:carnet:${r.participant.id}:${cycle}:completed`,
    });
  }
}
