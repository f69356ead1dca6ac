import type { PeriodicJob } from '../contract';
import type { ReminderKind } from '../notifications/reminders';
import type { LoansContext } from './parts';

/** STUB (issue 14): the periodic jobs (daily penalties, disbursement payout sweep). */
export function loanJobs(ctx: LoansContext): PeriodicJob[] {
  void ctx;
  return [];
}

/** STUB (issue 14): the SMS reminders (3 and 1 days before a due date, 1 and 7 days late). */
export function loanReminders(ctx: LoansContext): ReminderKind[] {
  void ctx;
  return [];
}
