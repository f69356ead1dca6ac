import type { PeriodicJob } from '../contract';
import type { LoansContext } from './parts';

/** STUB (issue 14, disbursement part): the disbursement payout sweep. */
export function disbursementJobs(ctx: LoansContext): PeriodicJob[] {
  void ctx;
  return [];
}
