import type { EntityManager } from 'typeorm';
import { actorsOf, recordAudit } from '../accounts/audit';
import type { Principal } from '../http/auth';
import { conflict, forbidden } from '../http/errors';
import { withinScope } from '../http/scope';
import { decide, type Decision } from '../workflow/decide';
import { applicationSms, decided } from './application-notices';
import { APPLICATION_VIEW, lockApplication, termsView } from './application-rows';
import type { ApplicationsParts } from './application-review';
import { Loan, LoanApplication, LoanTerms } from './entities';
import { buildSchedule } from './schedule';
import { checkUsury, guaranteeAmountOf } from './terms';

/** The trail's actions that make someone a maker of an application's terms (application-review.ts). */
const MAKER_ACTIONS = [
  'loan.terms.set',
  'loan.terms.revise',
  'loan.application.review',
  'loan.application.forward',
];

/**
 * The admin_sfd's decision on a forwarded application of their SFD (another SFD's: 404; another role,
 * or the one who filed it or set its terms: 403; not transfere_admin: 409). Approve, in one transaction: the TEG
 * checked again against today's cap, the Loan (accorde), the savings hold of the guarantee (409 if
 * the savings cannot cover it: nothing is written), the notices and the client's SMS. Reject: the
 * client may apply again (openClientId null) and is told why.
 */
export async function decideApplication(
  svc: ApplicationsParts,
  actor: Principal,
  applicationId: number,
  decision: Decision,
): Promise<{ application: LoanApplication; loan: Loan | null }> {
  return svc.deps.db.transaction(async (manager) => {
    const at = svc.deps.clock.now();
    const found = withinScope(actor, await lockApplication(manager, applicationId));
    if (actor.role !== 'admin_sfd' || actor.sfdId !== found.sfdId) {
      throw forbidden('forbidden', 'only an admin_sfd of the SFD grants or rejects a loan');
    }
    if (found.status !== 'transfere_admin')
      throw conflict(`application ${found.status}, not transfere_admin`);
    const terms = await manager.findOneOrFail(LoanTerms, { where: { applicationId } });
    // Four eyes: who filed the application for the client, or set or revised its terms at any time (the
    // trail, not only the last setter a column keeps: an admin who set the terms and let a superviseur
    // resend them is still their maker), does not decide it.
    const makers = await actorsOf(manager, { type: 'loan_application', id: applicationId }, MAKER_ACTIONS);
    if (
      makers.has(actor.userId) ||
      [terms.setBy, found.reviewedBy, found.requestedBy].includes(actor.userId)
    ) {
      throw forbidden('maker_checker', 'who filed the application or set its terms does not decide on it');
    }
    const approve = decision.decision === 'approve';
    if (approve) checkUsury(terms.tegBp, (await svc.needs.settings.of(found.sfdId, manager)).usuryCapBp);
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
    const client = await svc.needs.accounts.contact(application.clientId, manager);
    const loan = approve ? await grant(svc, manager, actor, application, terms, at) : null;
    await decided(manager, application, loan, client, at, svc.needs.accounts);
    // The regular instalment does not depend on the dates: any first due date gives it.
    const instalment = buildSchedule({
      ...terms,
      principal: terms.amount,
      firstDueDate: '2000-01-31',
    }).instalment;
    await applicationSms(svc.deps.outbox, manager, client, approve ? 'granted' : 'rejected', application, {
      ...(loan ? { loan, instalment } : {}),
    });
    return { application, loan };
  });
}

/** The Loan of a granted application, its terms copied, and the hold of its savings guarantee. */
async function grant(
  svc: ApplicationsParts,
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
      ? await svc.needs.holds.hold(manager, {
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
