import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { PurposeHandler } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';
import type { HoldsService } from '../savings/holds';

/** The payment purpose of a repayment pushed to the client's phone; its `purposeRef` is the loan's id. */
export const REPAYMENT_PURPOSE = 'remboursement_pret';

/** STUB (issue 14, repayments part): repayments, allocation, early payoff, solde. */
export class LoanRepaymentsService {
  constructor(
    readonly deps: Deps,
    readonly needs: { accounts: AccountsDirectory; payments: PaymentsService; holds: HoldsService },
  ) {}

  purposeHandler(): PurposeHandler {
    return {};
  }
}
