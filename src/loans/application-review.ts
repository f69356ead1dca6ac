import { recordAudit } from '../accounts/audit';
import type { Principal } from '../http/auth';
import { conflict, forbidden, validationFailed } from '../http/errors';
import { withinScope } from '../http/scope';
import { transition } from '../workflow/decide';
import { applicationSms, decisionPending } from './application-notices';
import { APPLICATION_VIEW, lockApplication, termsView } from './application-rows';
import type { LoanApplicationsService, TermsRequest } from './applications';
import { LoanApplication, LoanTerms } from './entities';
import {
  checkUsury,
  evaluateTerms,
  termsFieldErrors,
  type EvaluatedTerms,
  type LoanTermsInput,
} from './terms';

/** What a step of the applications service reads: its dependencies and the SFD's calendar. */
export type ApplicationsParts = Pick<LoanApplicationsService, 'deps' | 'needs' | 'todayIn'>;

/**
 * The superviseur's (or an admin_sfd's) terms of an application of their SFD, soumis or en_cours_examen
 * (409 otherwise): checked (400), their TEG against the SFD's usury cap (409 `usury_exceeded`), stored
 * (one row per application, revised in place); soumis → en_cours_examen; with `forward` →
 * transfere_admin, the admins told, the client too.
 */
export async function reviewApplication(
  svc: ApplicationsParts,
  actor: Principal,
  id: number,
  req: TermsRequest,
): Promise<{ application: LoanApplication; terms: LoanTerms; evaluated: EvaluatedTerms }> {
  return svc.deps.db.transaction(async (manager) => {
    const at = svc.deps.clock.now();
    let application = withinScope(actor, await lockApplication(manager, id));
    if (actor.sfdId !== application.sfdId) throw forbidden('forbidden', 'only the SFD’s own staff set terms');
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
    const evaluated = evaluateTerms(input, await svc.todayIn(application.sfdId, at, manager));
    checkUsury(evaluated.tegBp, (await svc.needs.settings.of(application.sfdId, manager)).usuryCapBp);

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
      const client = await svc.needs.accounts.contact(application.clientId, manager);
      await decisionPending(manager, application, terms, client, at, svc.needs.accounts);
      await applicationSms(svc.deps.outbox, manager, client, 'forwarded', application);
    }
    return { application, terms, evaluated };
  });
}
