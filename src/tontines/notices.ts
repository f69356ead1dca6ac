import type { EntityManager } from 'typeorm';
import type { AccountsDirectory, Contact } from '../accounts/directory';
import { notifyStaffAt } from '../notifications/inapp';
import type { OutboxMessage } from '../notifications/outbox';
import { formatXof } from '../shared/money';
import type { Decision } from '../workflow/decide';
import type { Adhesion, Tontine } from './entities';

/** The tontines' SMS (locales/xx/sms.json `tontines.*`) and in-app notices (notifications.json). */

/** The in-app type of an adhesion awaiting an agent; its data is `{adhesion_id}`. */
export const ADHESION_PENDING = 'tontine_adhesion_pending';

/** Who is told of an adhesion awaiting a decision. */
export const ADHESION_DECIDERS = ['agent_sfd', 'superviseur_sfd'] as const;

/** The notice's data: the same object (same JSON text) when it is written and when it is closed. */
export const adhesionPendingData = (adhesionId: number) => ({ adhesion_id: adhesionId });

/** A reason longer than this is cut in the client's SMS (the audit trail keeps it whole). */
export const REASON_SMS_MAX = 120;
/** A tontine's name longer than this is cut in an SMS (names may have 120 characters). */
export const TONTINE_NAME_SMS_MAX = 40;

/** On one line, at most `max` characters. */
export function cut(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 3).trimEnd()}...`;
}

/** A tontine's name as an SMS shows it. */
export const tontineNameForSms = (name: string) => cut(name, TONTINE_NAME_SMS_MAX);

/** Tells the active agents and supervisors of the SFD, in the caller's transaction. */
export function adhesionAwaitsDecision(
  manager: EntityManager,
  adhesion: Adhesion,
  tontine: Tontine,
  client: Pick<Contact, 'firstName' | 'lastName'>,
  at: Date,
  directory: AccountsDirectory,
): Promise<number> {
  return notifyStaffAt(
    manager,
    {
      sfdId: adhesion.sfdId,
      roles: ADHESION_DECIDERS,
      type: ADHESION_PENDING,
      text: {
        key: ADHESION_PENDING,
        params: {
          firstName: client.firstName,
          lastName: client.lastName,
          tontine: tontine.name,
          stake: formatXof(adhesion.stake),
        },
      },
      data: adhesionPendingData(adhesion.id),
    },
    at,
    directory,
  );
}

/** The client's SMS about the agent's decision, in their language (null: the client has no phone). */
export function adhesionDecisionSms(
  client: Pick<Contact, 'phone' | 'language'>,
  adhesion: Adhesion,
  tontine: Tontine,
  sfdName: string,
  decision: Decision,
): OutboxMessage | null {
  if (!client.phone) return null;
  const base = { to: client.phone, kind: 'info' as const, lang: client.language };
  return decision.decision === 'approve'
    ? {
        ...base,
        template: 'tontines.adhesion_approved',
        params: {
          tontine: tontineNameForSms(tontine.name),
          sfd: sfdName,
          stake: formatXof(adhesion.stake),
          fee: formatXof(tontine.joiningFee),
        },
        dedupeKey: `tontine-adhesion:${adhesion.id}:approved`,
      }
    : {
        ...base,
        template: 'tontines.adhesion_rejected',
        params: {
          tontine: tontineNameForSms(tontine.name),
          sfd: sfdName,
          reason: cut(decision.reason ?? '', REASON_SMS_MAX),
        },
        dedupeKey: `tontine-adhesion:${adhesion.id}:rejected`,
      };
}

/** The welcome SMS of a new participant. */
export function adherentSms(
  client: Pick<Contact, 'phone' | 'language'>,
  adhesion: Adhesion,
  tontine: Tontine,
): OutboxMessage | null {
  if (!client.phone) return null;
  return {
    to: client.phone,
    kind: 'info',
    lang: client.language,
    template: 'tontines.adherent',
    params: { tontine: tontineNameForSms(tontine.name), stake: formatXof(adhesion.stake) },
    dedupeKey: `tontine-adhesion:${adhesion.id}:adherent`,
  };
}
