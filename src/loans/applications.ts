import type { EntityManager } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { AccountsDirectory, Contact } from '../accounts/directory';
import type { KycService } from '../accounts/kyc';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { Problem, conflict, forbidden, notFound, validationFailed } from '../http/errors';
import { isPlatformAdmin } from '../http/roles';
import { withinScope } from '../http/scope';
import { uniqueViolationField } from '../infra/db-errors';
import type { HoldsService } from '../savings/holds';
import { DEFAULT_TIME_ZONE, type LocalDate } from '../shared/sfd-calendar';
import type { Decision } from '../workflow/decide';
import { decideApplication } from './application-decision';
import { applicationSms, reviewPending } from './application-notices';
import { reviewApplication } from './application-review';
import { eligibilityOf, type Eligibility, type IneligibleReason } from './eligibility';
import {
  LOAN_PURPOSES,
  Loan,
  LoanApplication,
  LoanTerms,
  MIN_LOAN_AMOUNT,
  type LoanChannel,
  type LoanPurpose,
} from './entities';
import { MAX_MONTHS, MIN_MONTHS } from './schedule';
import type { LoanSettingsService } from './settings';
import type { EvaluatedTerms, LoanTermsInput } from './terms';

/** What the superviseur sends: the terms (amount and months default to the application's), a comment. */
export interface TermsRequest extends Omit<LoanTermsInput, 'amount' | 'months'> {
  amount?: number;
  months?: number;
  comment?: string;
  forward?: boolean;
}

export interface ApplyInput {
  clientId?: number;
  amount: number;
  months: number;
  purpose: LoanPurpose;
  monthlyIncome?: number | null;
  channel: LoanChannel;
}

const inProgress = (reasons: IneligibleReason[] = ['loan_in_progress']) =>
  new Problem(409, 'loan_in_progress', 'the client has a loan application or a loan in progress', {
    reasons,
  });

/**
 * Loan applications (issue 14): the client's (or staff's for them) application, the superviseur's terms
 * and forward, the admin's grant (the Loan and the savings hold) or rejection. Maker-checker: who set
 * the terms never decides, and a superviseur never grants.
 */
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

  async timeZoneOf(sfdId: number | null, manager?: EntityManager): Promise<string> {
    return (sfdId !== null && (await this.needs.accounts.sfd(sfdId, manager))?.timeZone) || DEFAULT_TIME_ZONE;
  }

  async todayIn(sfdId: number | null, at: Date, manager?: EntityManager): Promise<LocalDate> {
    return this.needs.accounts.localDateIn(sfdId, at, manager);
  }

  /** Whether the client may apply now (their SFD's calendar days count the savings' age). */
  async eligibility(clientId: number): Promise<Eligibility> {
    const client = await this.needs.accounts.client(clientId);
    const zone = await this.timeZoneOf(client?.sfdId ?? null);
    return eligibilityOf(this.needs.holds, this.deps.db.manager, clientId, this.deps.clock.now(), zone);
  }

  /** The client an application is for: the caller themself, or `clientId` of the staff caller's SFD. */
  private async clientFor(actor: Principal, clientId?: number): Promise<Contact & { sfdId: number }> {
    if (isPlatformAdmin(actor.role))
      throw forbidden('forbidden', 'only the SFD’s own staff file applications');
    const id = actor.role === 'client' ? actor.userId : clientId;
    if (!id) throw validationFailed({ client_id: ['required'] });
    const client = withinScope(actor, await this.needs.accounts.client(id), (c) => c.id);
    if (client.sfdId === null) throw notFound();
    if (client.status !== 'active') throw conflict(`the client's account is ${client.status}`);
    return client as Contact & { sfdId: number };
  }

  /**
   * A new application → soumis, in one transaction: eligibility read in it, the 5× limit against the
   * savings balance now, the row (the unique `open_client_id` index refuses a second one in progress,
   * however concurrent: 409 `loan_in_progress`), the audit, the client's SMS, the superviseurs' notice.
   */
  async apply(actor: Principal, input: ApplyInput): Promise<LoanApplication> {
    const errors: Record<string, string[]> = {};
    if (!Number.isSafeInteger(input.amount) || input.amount < MIN_LOAN_AMOUNT)
      errors.amount = [`at least ${MIN_LOAN_AMOUNT}`];
    if (!Number.isInteger(input.months) || input.months < MIN_MONTHS || input.months > MAX_MONTHS)
      errors.months = [`from ${MIN_MONTHS} to ${MAX_MONTHS}`];
    if (!LOAN_PURPOSES.includes(input.purpose)) errors.purpose = ['invalid'];
    const income = input.monthlyIncome ?? null;
    if (income !== null && (!Number.isSafeInteger(income) || income < 0)) errors.monthly_income = ['invalid'];
    if (Object.keys(errors).length > 0) throw validationFailed(errors);
    const client = await this.clientFor(actor, input.clientId);
    const zone = await this.timeZoneOf(client.sfdId);
    try {
      return await this.deps.db.transaction(async (manager) => {
        const at = this.deps.clock.now();
        const e = await eligibilityOf(this.needs.holds, manager, client.id, at, zone);
        if (e.reasons.includes('loan_in_progress')) throw inProgress(e.reasons);
        if (!e.eligible || !e.savingsAccount) {
          throw new Problem(409, 'not_eligible', `not eligible: ${e.reasons.join(', ')}`, {
            reasons: e.reasons,
          });
        }
        if (input.amount > e.maxAmount) {
          throw new Problem(
            409,
            'amount_over_limit',
            `at most ${e.maxAmount} XOF (5 × the savings balance)`,
            {
              amount: [`at most ${e.maxAmount}`],
            },
          );
        }
        const application = await manager.save(
          manager.create(LoanApplication, {
            sfdId: client.sfdId,
            clientId: client.id,
            openClientId: client.id,
            status: 'soumis',
            amount: input.amount,
            months: input.months,
            purpose: input.purpose,
            monthlyIncome: income,
            savingsAccountId: e.savingsAccount.id,
            savingsBalance: e.savingsBalance,
            channel: input.channel,
            requestedBy: actor.role === 'client' ? null : actor.userId,
            reviewedBy: null,
            reviewedAt: null,
            reviewComment: null,
            forwardedAt: null,
            decidedBy: null,
            decidedAt: null,
            reason: null,
            createdAt: at,
            updatedAt: at,
          }),
        );
        await recordAudit(
          manager,
          {
            actor,
            sfdId: application.sfdId,
            action: 'loan.application.submit',
            targetType: 'loan_application',
            targetId: application.id,
            after: {
              status: 'soumis',
              client_id: client.id,
              amount: application.amount,
              months: application.months,
              savings_balance: application.savingsBalance,
              channel: application.channel,
            },
          },
          at,
        );
        await applicationSms(this.deps.outbox, manager, client, 'received', application);
        await reviewPending(manager, application, client, at, this.needs.accounts);
        return application;
      });
    } catch (err) {
      if (uniqueViolationField(err) === 'open_client_id') throw inProgress();
      throw err;
    }
  }

  /** The client's application in progress, else their newest; with its loan once granted. */
  async current(clientId: number): Promise<{ application: LoanApplication; loan: Loan | null } | null> {
    const m = this.deps.db.manager;
    const application =
      (await m.findOne(LoanApplication, { where: { openClientId: clientId } })) ??
      (await m.findOne(LoanApplication, { where: { clientId }, order: { id: 'DESC' } }));
    if (!application) return null;
    return { application, loan: await m.findOne(Loan, { where: { applicationId: application.id } }) };
  }

  /** One application the caller may see (its client, its SFD's staff, the platform admin), else 404. */
  async get(actor: Principal, id: number) {
    const m = this.deps.db.manager;
    const application = withinScope(
      actor,
      await m.findOne(LoanApplication, { where: { id } }),
      (a) => a.clientId,
    );
    const terms = await m.findOne(LoanTerms, { where: { applicationId: id } });
    const loan = await m.findOne(Loan, { where: { applicationId: id } });
    return { application, terms, loan };
  }

  /**
   * The superviseur's (or an admin_sfd's) terms, and the forward (application-review.ts).
   */
  process(
    actor: Principal,
    id: number,
    req: TermsRequest,
  ): Promise<{ application: LoanApplication; terms: LoanTerms; evaluated: EvaluatedTerms }> {
    return reviewApplication(this, actor, id, req);
  }

  /** The admin_sfd's grant or rejection (application-decision.ts); POST /api/loans/ calls it too. */
  decide(
    actor: Principal,
    applicationId: number,
    decision: Decision,
  ): Promise<{ application: LoanApplication; loan: Loan | null }> {
    return decideApplication(this, actor, applicationId, decision);
  }
}
