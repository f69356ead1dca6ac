import type { EntityManager } from 'typeorm';
import type { AccountsDirectory, Contact } from '../accounts/directory';
import { notifyStaffAt } from '../notifications/inapp';
import type { Reply } from '../notifications/inbound';
import type { SmsOutbox } from '../notifications/outbox';
import { formatXof } from '../shared/money';
import { DEFAULT_TIME_ZONE, localTime } from '../shared/sfd-calendar';
import type { Contestation, Cotisation } from './entities';
import { cut, REASON_SMS_MAX } from './notices';

/** The dispute's SMS (locales/xx/sms.json `tontines.dispute_*`) and in-app notice (notifications.json). */

/** The in-app type of a dispute awaiting the agent's superviseur; its data is `{contestation_id}`. */
export const DISPUTE_PENDING = 'tontine_contestation_pending';
/** Who decides on a dispute of an agent's receipt: above the agent, within the SFD. */
export const DISPUTE_DECIDERS = ['superviseur_sfd', 'admin_sfd'] as const;
/** The notice's data: the same object (same JSON text) when it is written and when it is closed. */
export const disputePendingData = (contestationId: number) => ({ contestation_id: contestationId });

/** Why a receipt cannot be disputed: not one of the caller's cash receipts, past 48 h, already disputed. */
export type DisputeRefusal = 'unknown' | 'late' | 'already';

export const fullName = (c: Pick<Contact, 'firstName' | 'lastName'> | null) =>
  c ? `${c.firstName} ${c.lastName}` : '-';

/** "03/12/2026 14:05": when the contribution was recorded, on the SFD's wall clock. */
export function receiptTime(at: Date, timeZone = DEFAULT_TIME_ZONE): string {
  const { date, hour, minute } = localTime(at, timeZone);
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y} ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

/** What the client's SMS says about the receipt they dispute. */
function receiptParams(cotisation: Cotisation, agent: Contact | null) {
  return {
    code: cotisation.receiptCode ?? '',
    amount: formatXof(cotisation.amount),
    agent: fullName(agent),
  };
}

/** The reply to `NON <code>` (and the SMS of a dispute opened on USSD or through the API). */
export function openedReply(cotisation: Cotisation, agent: Contact | null): Reply {
  return { template: 'tontines.dispute_opened', params: receiptParams(cotisation, agent) };
}

/** The reply to a `NON <code>` that opened nothing; `code` is what the client typed, cleaned. */
export function refusedReply(refusal: DisputeRefusal | 'usage', code: string): Reply {
  return { template: `tontines.dispute_${refusal}`, params: { code } };
}

/** Tells the superviseurs and admins of the SFD, in the caller's transaction. */
export function disputeAwaitsDecision(
  manager: EntityManager,
  directory: AccountsDirectory,
  r: {
    contestation: Contestation;
    cotisation: Cotisation;
    client: Contact | null;
    agent: Contact | null;
    timeZone: string;
  },
  at: Date,
): Promise<number> {
  return notifyStaffAt(
    manager,
    {
      sfdId: r.contestation.sfdId,
      roles: DISPUTE_DECIDERS,
      type: DISPUTE_PENDING,
      text: {
        key: DISPUTE_PENDING,
        params: {
          client: fullName(r.client),
          agent: fullName(r.agent),
          amount: formatXof(r.cotisation.amount),
          code: r.cotisation.receiptCode ?? '',
          date: receiptTime(r.cotisation.confirmedAt ?? r.cotisation.createdAt, r.timeZone),
        },
      },
      data: disputePendingData(r.contestation.id),
    },
    at,
    directory,
  );
}

/** The client's SMS once the superviseur decided: upheld (the days recorded, the balance) or rejected. */
export async function decisionSms(
  outbox: SmsOutbox,
  manager: EntityManager,
  client: Contact | null,
  r: {
    contestation: Contestation;
    cotisation: Cotisation;
    correction: { amount: number; balance: number } | null;
  },
): Promise<void> {
  if (!client?.phone) return;
  const { contestation, cotisation, correction } = r;
  const upheld = contestation.status === 'fondee';
  await outbox.queue(manager, {
    to: client.phone,
    kind: 'info',
    lang: client.language,
    template: upheld ? 'tontines.dispute_upheld' : 'tontines.dispute_rejected',
    params: upheld
      ? {
          code: cotisation.receiptCode ?? '',
          days: String(contestation.daysMissing ?? 0),
          amount: formatXof(correction?.amount ?? 0),
          balance: formatXof(correction?.balance ?? 0),
        }
      : { code: cotisation.receiptCode ?? '', reason: cut(contestation.reason ?? '', REASON_SMS_MAX) },
    dedupeKey: `tontine-contestation:${contestation.id}:${contestation.status}`,
  });
}

/** The acknowledgement of a dispute opened on USSD or through the API (by SMS, the reply is it). */
export async function openedSms(
  outbox: SmsOutbox,
  manager: EntityManager,
  client: Contact | null,
  contestation: Contestation,
  reply: Reply,
): Promise<void> {
  if (!client?.phone) return;
  await outbox.queue(manager, {
    to: client.phone,
    kind: 'info',
    lang: client.language,
    ...reply,
    dedupeKey: `tontine-contestation:${contestation.id}:opened`,
  });
}
