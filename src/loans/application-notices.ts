import type { EntityManager } from 'typeorm';
import type { AccountsDirectory, Contact } from '../accounts/directory';
import type { Role } from '../http/roles';
import { closeNotifications, notifyStaffAt } from '../notifications/inapp';
import type { SmsOutbox } from '../notifications/outbox';
import { formatXof } from '../shared/money';
import type { Loan, LoanApplication } from './entities';
import {
  LOAN_DECISION_PENDING,
  LOAN_DISBURSEMENT_PENDING,
  LOAN_REVIEW_PENDING,
  loanApplicationData,
  loanReference,
} from './notices';
import { formatBp } from './terms';

/**
 * The application's client SMS (locales/xx/sms.json `loans_application.*`) and staff notices
 * (notifications.json), written in the caller's transaction so they exist only if the step commits.
 */

/**
 * The data of a granted loan's disbursement notice: the application's, and the loan. The disbursement
 * closes it with the same object (same keys, same order): `loanDisbursementData(applicationId, loanId)`.
 */
export const loanDisbursementData = (applicationId: number, loanId: number) => ({
  ...loanApplicationData(applicationId),
  loan_id: loanId,
});

/** Who is told at each step. */
export const REVIEWERS: readonly Role[] = ['superviseur_sfd'];
export const DECIDERS: readonly Role[] = ['admin_sfd'];
export const DISBURSERS: readonly Role[] = ['agent_sfd', 'superviseur_sfd'];

/** A reason longer than this is cut in the client's SMS (the audit trail keeps it whole). */
export const LOAN_REASON_SMS_MAX = 100;

const cut = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 3).trimEnd()}...`;
};

export type ApplicationSmsKey = 'received' | 'forwarded' | 'granted' | 'rejected';

/** The client's SMS about one step of their application, once per step (`loan-application:<id>:<key>`). */
export async function applicationSms(
  outbox: SmsOutbox,
  manager: EntityManager,
  client: Pick<Contact, 'phone' | 'language'> | null,
  key: ApplicationSmsKey,
  application: LoanApplication,
  extra: { loan?: Loan; instalment?: number } = {},
): Promise<void> {
  if (!client?.phone) return;
  const { loan } = extra;
  await outbox.queue(manager, {
    to: client.phone,
    kind: 'info',
    lang: client.language,
    template: `loans_application.${key}`,
    params: {
      reference: loanReference(application.id),
      amount: formatXof(loan?.principal ?? application.amount),
      months: loan?.months ?? application.months,
      ...(loan ? { instalment: formatXof(extra.instalment ?? 0), teg: formatBp(loan.tegBp) } : {}),
      ...(key === 'rejected' ? { reason: cut(application.reason ?? '', LOAN_REASON_SMS_MAX) } : {}),
    },
    dedupeKey: `loan-application:${application.id}:${key}`,
  });
}

type Named = Pick<Contact, 'firstName' | 'lastName'> | null;

const who = (client: Named) => ({ firstName: client?.firstName ?? '', lastName: client?.lastName ?? '' });

/** A new application: the SFD's superviseurs are asked to examine it. */
export function reviewPending(
  manager: EntityManager,
  application: LoanApplication,
  client: Named,
  at: Date,
  directory: AccountsDirectory,
): Promise<number> {
  return notifyStaffAt(
    manager,
    {
      sfdId: application.sfdId,
      roles: REVIEWERS,
      type: LOAN_REVIEW_PENDING,
      text: {
        key: LOAN_REVIEW_PENDING,
        params: {
          ...who(client),
          amount: formatXof(application.amount),
          months: application.months,
          reference: loanReference(application.id),
        },
      },
      data: loanApplicationData(application.id),
    },
    at,
    directory,
  );
}

/** Forwarded: the review notice closes, the SFD's admins are asked to decide. */
export async function decisionPending(
  manager: EntityManager,
  application: LoanApplication,
  terms: { amount: number; months: number; tegBp: number },
  client: Named,
  at: Date,
  directory: AccountsDirectory,
): Promise<void> {
  await closeNotifications(
    manager,
    { type: LOAN_REVIEW_PENDING, data: loanApplicationData(application.id) },
    at,
  );
  await notifyStaffAt(
    manager,
    {
      sfdId: application.sfdId,
      roles: DECIDERS,
      type: LOAN_DECISION_PENDING,
      text: {
        key: LOAN_DECISION_PENDING,
        params: {
          ...who(client),
          amount: formatXof(terms.amount),
          months: terms.months,
          teg: formatBp(terms.tegBp),
          reference: loanReference(application.id),
        },
      },
      data: loanApplicationData(application.id),
    },
    at,
    directory,
  );
}

/** Decided: the decision notice closes; a grant asks the agents and superviseurs to disburse. */
export async function decided(
  manager: EntityManager,
  application: LoanApplication,
  loan: Loan | null,
  client: Named,
  at: Date,
  directory: AccountsDirectory,
): Promise<void> {
  await closeNotifications(
    manager,
    { type: LOAN_DECISION_PENDING, data: loanApplicationData(application.id) },
    at,
  );
  if (!loan) return;
  await notifyStaffAt(
    manager,
    {
      sfdId: application.sfdId,
      roles: DISBURSERS,
      type: LOAN_DISBURSEMENT_PENDING,
      text: {
        key: LOAN_DISBURSEMENT_PENDING,
        params: {
          ...who(client),
          amount: formatXof(loan.principal),
          reference: loanReference(application.id),
        },
      },
      data: loanDisbursementData(application.id, loan.id),
    },
    at,
    directory,
  );
}
