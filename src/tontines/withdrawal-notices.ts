import type { EntityManager } from 'typeorm';
import type { Contact } from '../accounts/directory';
import type { OutboxMessage, SmsOutbox } from '../notifications/outbox';
import { formatXof } from '../shared/money';
import type { Retrait, Tontine } from './entities';
import { cut, REASON_SMS_MAX, tontineNameForSms } from './notices';

/** The client's SMS at each step of a withdrawal, in their language; once per step. */
export async function withdrawalSms(
  outbox: SmsOutbox,
  manager: EntityManager,
  client: Contact,
  key: 'withdrawal_requested' | 'withdrawal_approved' | 'withdrawal_rejected' | 'withdrawal_paid_cash',
  retrait: Retrait,
  tontine: Tontine,
): Promise<void> {
  if (!client.phone) return;
  const message: OutboxMessage = {
    to: client.phone,
    kind: 'info',
    lang: client.language,
    template: `tontines.${key}`,
    params: {
      amount: formatXof(retrait.amount),
      tontine: tontineNameForSms(tontine.name),
      reference: String(retrait.id),
      ...(key === 'withdrawal_rejected' ? { reason: cut(retrait.reason ?? '', REASON_SMS_MAX) } : {}),
    },
    dedupeKey: `tontine-retrait:${retrait.id}:${key}`,
  };
  await outbox.queue(manager, message);
}
