import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { LoanSettingsService } from './settings';

/** STUB (issue 14, reports part): analysis report, portfolio statistics. */
export class LoanReportsService {
  constructor(
    readonly deps: Deps,
    readonly needs: { accounts: AccountsDirectory; settings: LoanSettingsService },
  ) {}
}
