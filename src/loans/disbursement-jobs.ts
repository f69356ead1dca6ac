import type { PeriodicJob } from '../contract';
import { DISBURSEMENT_SWEEP_EVERY_MS } from './disbursement-payouts';
import type { LoansContext } from './parts';

/**
 * The disbursement part's periodic job (jobs.ts spreads it into the module's): the payout sweep, which
 * sends the mobile-money disbursements whose payout was lost between their commit and the payout.
 */
export function disbursementJobs(ctx: LoansContext): PeriodicJob[] {
  return [
    {
      name: 'loans-disbursement-payout-sweep',
      everyMs: DISBURSEMENT_SWEEP_EVERY_MS,
      run: () => ctx.disbursements.resumePayouts(),
    },
  ];
}
