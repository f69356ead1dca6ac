import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { PurposeHandler } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';

/** The payment purpose of a disbursement payout; its `purposeRef` is the loan's id. */
export const DISBURSEMENT_PURPOSE = 'decaissement_pret';

/** STUB (issue 14, disbursement part): disbursement, schedule, payout sweep. */
export class LoanDisbursementsService {
  constructor(
    readonly deps: Deps,
    readonly needs: { accounts: AccountsDirectory; payments: PaymentsService },
  ) {}

  purposeHandler(): PurposeHandler {
    return {};
  }
}
