import type { AccountsDirectory } from '../accounts/directory';
import type { KycService } from '../accounts/kyc';
import type { Module } from '../contract';
import type { Deps } from '../deps';
import type { PaymentsService } from '../payments/service';
import type { HoldsService } from '../savings/holds';
import { LoanApplicationsService } from './applications';
import { DISBURSEMENT_PURPOSE } from './disbursement-payouts';
import { LoanDisbursementsService } from './disbursements';
import { LoanDocumentsService } from './documents';
import { loansEntities } from './entities';
import { loanJobs, loanReminders } from './jobs';
import { loansUssd } from './menu-services';
import { LOAN_DECISION_PENDING, LOAN_DISBURSEMENT_PENDING, LOAN_REVIEW_PENDING } from './notices';
import type { LoansContext } from './parts';
import { LoanPenaltiesService } from './penalties';
import { LoanRepaymentsService, REPAYMENT_PURPOSE } from './repayments';
import { LoanReportsService } from './reports';
import { applicationRoutes } from './routes-applications';
import { documentRoutes } from './routes-documents';
import { loanRoutes } from './routes-loans';
import { paymentRoutes } from './routes-payments';
import { reportRoutes } from './routes-reports';
import { scheduleRoutes } from './routes-schedules';
import { termsRoutes } from './routes-terms';
import { LoanSettingsService } from './settings';

/**
 * Loans: the application (USSD or back office) with its guarantees and documents, the superviseur's
 * terms and forward, the admin's grant (with the savings hold), the disbursement, the schedule, the
 * repayments, the daily penalties and the portfolio reports.
 */
export function createLoans(
  deps: Deps,
  needs: { accounts: AccountsDirectory; kyc: KycService; payments: PaymentsService; holds: HoldsService },
) {
  const settings = new LoanSettingsService(deps);
  const ctx: LoansContext = {
    deps,
    needs,
    settings,
    applications: new LoanApplicationsService(deps, { ...needs, settings }),
    disbursements: new LoanDisbursementsService(deps, needs),
    repayments: new LoanRepaymentsService(deps, { ...needs, settings }),
    penalties: new LoanPenaltiesService(deps, { accounts: needs.accounts, settings }),
    reports: new LoanReportsService(deps, { accounts: needs.accounts, settings, holds: needs.holds }),
    documents: new LoanDocumentsService(deps),
  };
  return {
    name: 'loans',
    entities: loansEntities,
    // Literal paths before parameterized ones within each part (Koa matches in order).
    routes: [
      ...termsRoutes(ctx),
      ...reportRoutes(ctx),
      ...documentRoutes(ctx),
      ...applicationRoutes(ctx),
      ...scheduleRoutes(ctx),
      ...paymentRoutes(ctx),
      ...loanRoutes(ctx),
    ],
    purposes: {
      [DISBURSEMENT_PURPOSE]: ctx.disbursements.purposeHandler(),
      [REPAYMENT_PURPOSE]: ctx.repayments.purposeHandler(),
    },
    reminders: loanReminders(ctx),
    jobs: { periodic: loanJobs(ctx) },
    inAppKinds: [LOAN_REVIEW_PENDING, LOAN_DECISION_PENDING, LOAN_DISBURSEMENT_PENDING],
    ussd: loansUssd(ctx),
    settings,
    applications: ctx.applications,
    disbursements: ctx.disbursements,
    repayments: ctx.repayments,
    penalties: ctx.penalties,
    reports: ctx.reports,
  } satisfies Module & Record<string, unknown>;
}

export type Loans = ReturnType<typeof createLoans>;
