import type { EntityManager } from 'typeorm';
import type { AccountsDirectory, Contact } from '../accounts/directory';
import { notifyStaffAt } from '../notifications/inapp';
import type { OutboxMessage } from '../notifications/outbox';
import { formatXof } from '../shared/money';
import type { Decision } from '../workflow/decide';
import { formatAccountNumber } from './account-number';
import type { SavingsAccount } from './entities';

/** The opening's SMS (locales/xx/sms.json `savings_opening.*`) and in-app notice (notifications.json). */

/** The in-app type of an opening request awaiting an agent; its data is `{account_id}`. */
export const SAVINGS_OPENING_PENDING = 'savings_ouverture_pending';

/** Who is told of a request awaiting a decision. */
export const OPENING_DECIDERS = ['agent_sfd', 'superviseur_sfd'] as const;

/** The notice's data: the same object (same JSON text) when it is written and when it is closed. */
export const openingPendingData = (accountId: number) => ({ account_id: accountId });

/** A reason longer than this is cut in the client's SMS (the audit trail keeps it whole). */
export const OPENING_REASON_SMS_MAX = 120;

const cut = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 3).trimEnd()}...`;
};

/** Tells the active agents and supervisors of the SFD, in the caller's transaction. */
export function openingAwaitsDecision(
  manager: EntityManager,
  account: SavingsAccount,
  client: Pick<Contact, 'firstName' | 'lastName'>,
  at: Date,
  directory: AccountsDirectory,
): Promise<number> {
  return notifyStaffAt(
    manager,
    {
      sfdId: account.sfdId,
      roles: OPENING_DECIDERS,
      type: SAVINGS_OPENING_PENDING,
      text: {
        key: SAVINGS_OPENING_PENDING,
        params: {
          firstName: client.firstName,
          lastName: client.lastName,
          account: formatAccountNumber(account.id),
        },
      },
      data: openingPendingData(account.id),
    },
    at,
    directory,
  );
}

/** The client's SMS about the agent's decision, in their language (null: the client has no phone). */
export function openingDecisionSms(
  client: Pick<Contact, 'phone' | 'language'>,
  account: SavingsAccount,
  sfdName: string,
  decision: Decision,
): OutboxMessage | null {
  if (!client.phone) return null;
  const base = { to: client.phone, kind: 'info' as const, lang: client.language };
  return decision.decision === 'approve'
    ? {
        ...base,
        template: 'savings_opening.approved',
        params: {
          account: formatAccountNumber(account.id),
          sfd: sfdName,
          fee: formatXof(account.openingFee),
        },
        dedupeKey: `savings-account:${account.id}:approved`,
      }
    : {
        ...base,
        template: 'savings_opening.rejected',
        params: { sfd: sfdName, reason: cut(decision.reason ?? '', OPENING_REASON_SMS_MAX) },
        dedupeKey: `savings-account:${account.id}:rejected`,
      };
}

/** The client's SMS once the fee is paid and the account is open. */
export function accountOpenedSms(
  client: Pick<Contact, 'phone' | 'language'>,
  account: SavingsAccount,
  sfdName: string,
): OutboxMessage | null {
  if (!client.phone) return null;
  return {
    to: client.phone,
    kind: 'info',
    lang: client.language,
    template: 'savings_opening.opened',
    params: { account: formatAccountNumber(account.id), sfd: sfdName },
    dedupeKey: `savings-account:${account.id}:opened`,
  };
}
