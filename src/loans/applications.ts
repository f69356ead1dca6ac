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
import { DEFAULT_TIME_ZONE, localDateOf, type LocalDate } from '../shared/sfd-calendar';
import { decide, transition, type Decision } from '../workflow/decide';
import { applicationSms, decided, decisionPending, reviewPending } from './application-notices';
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
import {
  checkUsury,
  evaluateTerms,
  guaranteeAmountOf,
  termsFieldErrors,
  type EvaluatedTerms,
  type LoanTermsInput,
} from './terms';

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

const APPLICATION_VIEW = (a: LoanApplication) => ({
  status: a.status,
  ...(a.reason ? { reason: a.reason } : {}),
});
const termsView = (t: LoanTermsInput & { tegBp: number }) => ({
  amount: t.amount,
  annual_rate_bp: t.annualRateBp,
  months: t.months,
  method: t.method,
  fees: t.fees,
  penalty_daily_bp: t.penaltyDailyBp,
  guarantee_pct: t.guaranteePct,
  teg_bp: t.tegBp,
});

const inProgress = (reasons: IneligibleReason[] = ['loan_in_progress']) =>
  new Problem(409, 'loan_in_progress', 'the client has a loan application or a loan in progress', {
    reasons,
  });

/** The application's row, locked for the transaction (MySQL; SQLite runs one at a time). */
function lockApplication(manager: EntityManager, id: number): Promise<LoanApplication | null> {
  const mysql = manager.connection.options.type === 'mysql';
  return manager.findOne(LoanApplication, {
    where: { id },
    ...(mysql ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
}

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
    return localDateOf(at, await this.timeZoneOf(sfdId, manager));
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
   * The superviseur's (or an admin_sfd's) terms of an application of their SFD, soumis or en_cours_examen
   * (409 otherwise): checked (400), their TEG against the SFD's usury cap (409 `usury_exceeded`), stored
   * (one row per application, revised in place); soumis → en_cours_examen; with `forward` →
   * transfere_admin, the admins told, the client too.
   */
  async process(
    actor: Principal,
    id: number,
    req: TermsRequest,
  ): Promise<{ application: LoanApplication; terms: LoanTerms; evaluated: EvaluatedTerms }> {
    return this.deps.db.transaction(async (manager) => {
      const at = this.deps.clock.now();
      let application = withinScope(actor, await lockApplication(manager, id));
      if (actor.sfdId !== application.sfdId)
        throw forbidden('forbidden', 'only the SFD’s own staff set terms');
      if (application.status !== 'soumis' && application.status !== 'en_cours_examen') {
        throw conflict(`application ${application.status}: its terms can no longer change`);
      }
      const input: LoanTermsInput = {
        amount: req.amount ?? application.amount,
        months: req.months ?? application.months,
        annualRateBp: req.annualRateBp,
        method: req.method,
        fees: req.fees,
        penaltyDailyBp: req.penaltyDailyBp,
        guaranteePct: req.guaranteePct,
      };
      const errors = termsFieldErrors(input, application.amount);
      if (Object.keys(errors).length > 0) throw validationFailed(errors);
      const evaluated = evaluateTerms(input, await this.todayIn(application.sfdId, at, manager));
      checkUsury(evaluated.tegBp, (await this.needs.settings.of(application.sfdId, manager)).usuryCapBp);

      const old = await manager.findOne(LoanTerms, { where: { applicationId: id } });
      const terms = await manager.save(
        manager.create(LoanTerms, {
          ...(old ?? { createdAt: at }),
          ...input,
          tegBp: evaluated.tegBp,
          sfdId: application.sfdId,
          applicationId: id,
          setBy: actor.userId,
          updatedAt: at,
        }),
      );
      await recordAudit(
        manager,
        {
          actor,
          sfdId: application.sfdId,
          action: old ? 'loan.terms.revise' : 'loan.terms.set',
          targetType: 'loan_application',
          targetId: id,
          before: old ? termsView(old) : null,
          after: termsView(terms),
        },
        at,
      );
      const review = {
        reviewedBy: actor.userId,
        reviewedAt: at,
        reviewComment: req.comment ?? application.reviewComment,
        updatedAt: at,
      };
      if (application.status === 'soumis') {
        application = await transition(manager, {
          entity: LoanApplication,
          id,
          from: ['soumis'],
          to: 'en_cours_examen',
          set: review,
          actor,
          action: 'loan.application.review',
          targetType: 'loan_application',
          at,
          view: APPLICATION_VIEW,
        });
      } else {
        await manager.update(LoanApplication, { id }, review);
        application = await manager.findOneByOrFail(LoanApplication, { id });
      }
      if (req.forward) {
        application = await transition(manager, {
          entity: LoanApplication,
          id,
          from: ['en_cours_examen'],
          to: 'transfere_admin',
          set: { forwardedAt: at, updatedAt: at },
          actor,
          action: 'loan.application.forward',
          targetType: 'loan_application',
          at,
          view: APPLICATION_VIEW,
        });
        const client = await this.needs.accounts.contact(application.clientId, manager);
        await decisionPending(manager, application, terms, client, at, this.needs.accounts);
        await applicationSms(this.deps.outbox, manager, client, 'forwarded', application);
      }
      return { application, terms, evaluated };
    });
  }

  /**
   * The admin_sfd's decision on a forwarded application of their SFD (another SFD's: 404; another role,
   * or the one who set its terms: 403; not transfere_admin: 409). Approve, in one transaction: the TEG
   * checked again against today's cap, the Loan (accorde), the savings hold of the guarantee (409 if
   * the savings cannot cover it: nothing is written), the notices and the client's SMS. Reject: the
   * client may apply again (openClientId null) and is told why.
   */
  async decide(
    actor: Principal,
    applicationId: number,
    decision: Decision,
  ): Promise<{ application: LoanApplication; loan: Loan | null }> {
    return this.deps.db.transaction(async (manager) => {
      const at = this.deps.clock.now();
      const found = withinScope(actor, await lockApplication(manager, applicationId));
      if (actor.role !== 'admin_sfd' || actor.sfdId !== found.sfdId) {
        throw forbidden('forbidden', 'only an admin_sfd of the SFD grants or rejects a loan');
      }
      if (found.status !== 'transfere_admin')
        throw conflict(`application ${found.status}, not transfere_admin`);
      const terms = await manager.findOneOrFail(LoanTerms, { where: { applicationId } });
      if (terms.setBy === actor.userId || found.reviewedBy === actor.userId) {
        throw forbidden('maker_checker', 'who set the terms does not decide on them');
      }
      const approve = decision.decision === 'approve';
      if (approve) checkUsury(terms.tegBp, (await this.needs.settings.of(found.sfdId, manager)).usuryCapBp);
      const application = await decide(manager, {
        entity: LoanApplication,
        id: applicationId,
        from: ['transfere_admin'],
        to: { approve: 'accorde', reject: 'rejete' },
        set: {
          decidedBy: actor.userId,
          decidedAt: at,
          reason: approve ? null : (decision.reason ?? null),
          ...(approve ? {} : { openClientId: null }),
          updatedAt: at,
        },
        actor,
        action: 'loan.application',
        targetType: 'loan_application',
        at,
        decision,
        view: APPLICATION_VIEW,
      });
      const client = await this.needs.accounts.contact(application.clientId, manager);
      const loan = approve ? await this.grant(manager, actor, application, terms, at) : null;
      await decided(manager, application, loan, client, at, this.needs.accounts);
      const instalment = evaluateTerms(terms, localDateOf(at, DEFAULT_TIME_ZONE)).schedule.instalment;
      await applicationSms(this.deps.outbox, manager, client, approve ? 'granted' : 'rejected', application, {
        ...(loan ? { loan, instalment } : {}),
      });
      return { application, loan };
    });
  }

  /** The Loan of a granted application, its terms copied, and the hold of its savings guarantee. */
  private async grant(
    manager: EntityManager,
    actor: Principal,
    application: LoanApplication,
    terms: LoanTerms,
    at: Date,
  ): Promise<Loan> {
    const guaranteeAmount = guaranteeAmountOf(terms.amount, terms.guaranteePct);
    const loan = await manager.save(
      manager.create(Loan, {
        sfdId: application.sfdId,
        clientId: application.clientId,
        applicationId: application.id,
        status: 'accorde',
        principal: terms.amount,
        annualRateBp: terms.annualRateBp,
        months: terms.months,
        method: terms.method,
        fees: terms.fees,
        penaltyDailyBp: terms.penaltyDailyBp,
        tegBp: terms.tegBp,
        savingsAccountId: application.savingsAccountId,
        guaranteeAmount,
        grantedBy: actor.userId,
        grantedAt: at,
        disbursementMethod: null,
        disbursementReference: null,
        disbursedBy: null,
        disbursedAt: null,
        firstDueDate: null,
        defaultedAt: null,
        closedAt: null,
        createdAt: at,
        updatedAt: at,
      }),
    );
    const hold =
      guaranteeAmount > 0
        ? await this.needs.holds.hold(manager, {
            accountId: application.savingsAccountId,
            amount: guaranteeAmount,
            reason: 'loan_guarantee',
            ref: { type: 'loan', id: loan.id },
            createdBy: actor.userId,
            at,
          })
        : null;
    await recordAudit(
      manager,
      {
        actor,
        sfdId: loan.sfdId,
        action: 'loan.grant',
        targetType: 'loan',
        targetId: loan.id,
        after: {
          status: 'accorde',
          application_id: application.id,
          ...termsView(terms),
          guarantee_amount: guaranteeAmount,
          ...(hold ? { hold_id: hold.id } : {}),
        },
      },
      at,
    );
    return loan;
  }
}
