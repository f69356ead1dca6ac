import type { PeriodicJob } from '../contract';
import { disbursementJobs } from './disbursement-jobs';
import type { LoansContext } from './parts';

export { loanReminders } from './loan-reminders';

export const PENALTIES_JOB = 'loan-penalties';
/**
 * The daily penalty run goes every 15 minutes: it accrues through each SFD's local today, so the
 * first run after local midnight charges the new day, and a run that finds every mark at today costs
 * one indexed query per SFD. Frequent runs also catch up soon after a downtime.
 */
export const PENALTIES_EVERY_MS = 15 * 60_000;

/** The loans module's periodic jobs: the daily penalties and the disbursement payout sweep. */
export function loanJobs(ctx: LoansContext): PeriodicJob[] {
  return [
    { name: PENALTIES_JOB, everyMs: PENALTIES_EVERY_MS, run: () => ctx.penalties.run() },
    ...disbursementJobs(ctx),
  ];
}
