import type { AccountsDirectory } from '../accounts/directory';
import type { KycService } from '../accounts/kyc';
import type { Deps } from '../deps';
import type { HoldsService } from '../savings/holds';
import type { LoanSettingsService } from './settings';

/** STUB (issue 14, applications part): application, review, forward, admin decision, grant. */
export class LoanApplicationsService {
  constructor(
    readonly deps: Deps,
    readonly needs: {
      accounts: AccountsDirectory;
      kyc: KycService;
      holds: HoldsService;
      settings: LoanSettingsService;
    },
  ) {}
}
