import type { EntityManager } from 'typeorm';
import type { Contact } from '../accounts/directory';
import type { SmsOutbox } from '../notifications/outbox';
import { formatXof } from '../shared/money';
import type { Loan, LoanInstalment, LoanMethod } from './entities';
import { loanReference, smsDate } from './notices';

/**
 * The client's SMS once their loan is disbursed (locales/xx/sms.json `loans_disbursement`): what they
 * received (the principal less the fees kept), how (cash at the branch or mobile money), and what they
 * owe back: the number of instalments, the regular instalment and the first due date. Queued in the
 * disbursement's transaction, once per loan (a replayed payout callback sends nothing more).
 */
export async function disbursedSms(
  outbox: SmsOutbox,
  manager: EntityManager,
  client: Contact | null,
  loan: Loan,
  method: LoanMethod,
  instalments: LoanInstalment[],
): Promise<void> {
  if (!client?.phone || instalments.length === 0) return;
  await outbox.queue(manager, {
    to: client.phone,
    kind: 'info',
    lang: client.language,
    template: `loans_disbursement.disbursed_${method}`,
    params: {
      // The reference the client has known since the application (its grant SMS names it).
      loan: loanReference(loan.applicationId),
      amount: formatXof(loan.principal - loan.fees),
      months: instalments.length,
      // The first row is the regular instalment (only the last one absorbs the rounding).
      instalment: formatXof(instalments[0].total),
      firstDue: smsDate(instalments[0].dueDate),
    },
    dedupeKey: `loan:${loan.id}:disbursed`,
  });
}
