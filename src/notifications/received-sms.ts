import type { Deps } from '../deps';
import { SmsOutboxEntry } from './entities';
import { ConsoleSmsSender } from './sms';

export interface ReceivedSms {
  id: number;
  kind: SmsOutboxEntry['kind'];
  status: SmsOutboxEntry['status'];
  created_at: string;
  text: string;
}

/**
 * The newest SMS queued for a phone, as the phone read them: the console sender (demo mode) keeps the
 * texts it delivered, since a row's body may be masked (one-time codes); any other row shows its body.
 * What the web phone lists (src/ussd/simulator-routes.ts).
 */
export async function receivedSms(
  deps: Pick<Deps, 'db' | 'sms'>,
  phone: string,
  take: number,
): Promise<ReceivedSms[]> {
  const sender = deps.sms instanceof ConsoleSmsSender ? deps.sms : null;
  const rows = await deps.db.manager.find(SmsOutboxEntry, {
    where: { toPhone: phone },
    order: { id: 'DESC' },
    take,
  });
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    status: row.status,
    created_at: row.createdAt.toISOString(),
    text: (row.providerMessageId && sender?.deliveredText(row.toPhone, row.providerMessageId)) || row.body,
  }));
}
