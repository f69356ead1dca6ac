import type { AccountsDirectory } from '../accounts/directory';
import type { KycService } from '../accounts/kyc';
import type { Deps } from '../deps';
import type { PaymentsService } from '../payments/service';
import type { HoldsService } from '../savings/holds';
import type { LoanApplicationsService } from './applications';
import type { LoanDisbursementsService } from './disbursements';
import type { LoanDocumentsService } from './documents';
import type { LoanPenaltiesService } from './penalties';
import type { LoanRepaymentsService } from './repayments';
import type { LoanReportsService } from './reports';
import type { LoanSettingsService } from './settings';

/** What the loans module's parts are built from: its needs and its services (module.ts builds them). */
export interface LoansContext {
  deps: Deps;
  needs: { accounts: AccountsDirectory; kyc: KycService; payments: PaymentsService; holds: HoldsService };
  settings: LoanSettingsService;
  applications: LoanApplicationsService;
  disbursements: LoanDisbursementsService;
  repayments: LoanRepaymentsService;
  penalties: LoanPenaltiesService;
  reports: LoanReportsService;
  documents: LoanDocumentsService;
}
