import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { LoanSettingsService } from './settings';

/** STUB (issue 14, penalties part): the daily penalty run, default status. */
export class LoanPenaltiesService {
  constructor(
    readonly deps: Deps,
    readonly needs: { accounts: AccountsDirectory; settings: LoanSettingsService },
  ) {}
}
