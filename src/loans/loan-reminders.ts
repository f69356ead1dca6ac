import type { AccountsDirectory } from '../accounts/directory';
import type { ReminderKind, ReminderRow } from '../notifications/reminders';
import { formatXof } from '../shared/money';
import { addDays, type LocalDate } from '../shared/sfd-calendar';
import { Loan, LoanInstalment } from './entities';
import { dueOf } from './instalments';
import { loanReference, smsDate } from './notices';
import type { LoansContext } from './parts';
import { ACCRUING_STATUSES } from './penalties';

/** Reminders before a due date: 3 days and 1 day before it (days from the due date). */
export const DUE_SOON_DAYS = [-3, -1] as const;
/** Alerts after it: 1 and 7 days late. */
export const OVERDUE_DAYS = [1, 7] as const;

/**
 * On local day `today`, the due dates whose unpaid instalments get a reminder of a kind, each with the
 * milestone it gets (days from the due date). Milestone m is due on due date + m; missed that day (the
 * gateway down) it may still go up to `catchUpDays` later, but not once the next milestone is reached
 * (that one goes instead: one SMS, not two) nor past `lastOffset` (a "due soon" reminder is no use
 * after the due day itself).
 */
export function reminderDueDates(
  today: LocalDate,
  milestones: readonly number[],
  catchUpDays: number,
  lastOffset = Number.POSITIVE_INFINITY,
): Map<LocalDate, number> {
  const out = new Map<LocalDate, number>();
  milestones.forEach((m, idx) => {
    const next = milestones[idx + 1] ?? Number.POSITIVE_INFINITY;
    const end = Math.min(next - 1, m + catchUpDays, lastOffset);
    for (let k = m; k <= end; k++) out.set(addDays(today, -k), m);
  });
  return out;
}

interface Raw {
  id: number | string;
  loanId: number | string;
  n: number | string;
  dueDate: LocalDate;
  clientId: number | string;
  applicationId: number | string;
  principal: number | string;
  principalPaid: number | string;
  interest: number | string;
  interestPaid: number | string;
  interestWaived: number | string;
  penaltyAccrued: number | string;
  penaltyPaid: number | string;
}

/**
 * A kind over the SFD's unpaid instalments (of disbursed, not closed loans) due on the dates
 * reminderDueDates gives: an `IN` on the index (sfd_id, due_date), keyset on the instalment id. Each
 * row's due date is the instalment's due date + its milestone, its ref the instalment id: a catch-up
 * run selects it again under the same dedupe key and the outbox ignores it. The SMS says what is
 * still owed on the instalment, penalties included. STOP'd phones are not looked up here
 * (sms_opt_outs is the notifications module's): the outbox refuses a reminder to them.
 */
function instalmentReminder(
  directory: Pick<AccountsDirectory, 'contact'>,
  name: string,
  milestones: readonly number[],
  lastOffset?: number,
): ReminderKind {
  return {
    name,
    template: `loans_reminders.${name}`,
    async select(manager, { sfd, localDate, catchUpDays, afterId, limit }) {
      const dates = reminderDueDates(localDate, milestones, catchUpDays, lastOffset);
      const rows = await manager
        .createQueryBuilder(LoanInstalment, 'i')
        .innerJoin(Loan, 'l', 'l.id = i.loanId')
        .select('i.id', 'id')
        .addSelect('i.loanId', 'loanId')
        .addSelect('i.n', 'n')
        .addSelect('i.dueDate', 'dueDate')
        .addSelect('l.clientId', 'clientId')
        .addSelect('l.applicationId', 'applicationId')
        .addSelect('i.principal', 'principal')
        .addSelect('i.principalPaid', 'principalPaid')
        .addSelect('i.interest', 'interest')
        .addSelect('i.interestPaid', 'interestPaid')
        .addSelect('i.interestWaived', 'interestWaived')
        .addSelect('i.penaltyAccrued', 'penaltyAccrued')
        .addSelect('i.penaltyPaid', 'penaltyPaid')
        .where('i.sfdId = :sfdId', { sfdId: sfd.id })
        .andWhere('i.dueDate IN (:...dates)', { dates: [...dates.keys()] })
        .andWhere("i.status = 'a_payer'")
        .andWhere('l.status IN (:...statuses)', { statuses: ACCRUING_STATUSES })
        .andWhere('i.id > :afterId', { afterId })
        .orderBy('i.id', 'ASC')
        .limit(limit)
        .getRawMany<Raw>();
      const out: ReminderRow[] = [];
      for (const r of rows) {
        const client = await directory.contact(Number(r.clientId), manager);
        // Every client has a phone (users.phone is NOT NULL): no row is dropped, so the keyset holds.
        if (!client?.phone) continue;
        const due = dueOf({
          principal: Number(r.principal),
          principalPaid: Number(r.principalPaid),
          interest: Number(r.interest),
          interestPaid: Number(r.interestPaid),
          interestWaived: Number(r.interestWaived),
          penaltyAccrued: Number(r.penaltyAccrued),
          penaltyPaid: Number(r.penaltyPaid),
        });
        out.push({
          id: Number(r.id),
          userId: client.id,
          phone: client.phone,
          lang: client.language,
          params: {
            loan: loanReference(Number(r.applicationId)),
            n: String(r.n),
            date: smsDate(r.dueDate),
            amount: formatXof(due.total),
          },
          dueDate: addDays(r.dueDate, dates.get(r.dueDate) ?? 0),
          ref: String(r.id),
        });
      }
      return out;
    },
  };
}

/** The loans' reminder kinds: an instalment due in 3 days and in 1 day; one 1 day and 7 days late. */
export function loanReminders(ctx: Pick<LoansContext, 'needs'>): ReminderKind[] {
  return [
    instalmentReminder(ctx.needs.accounts, 'loan_due_soon', DUE_SOON_DAYS, 0),
    instalmentReminder(ctx.needs.accounts, 'loan_overdue', OVERDUE_DAYS),
  ];
}
