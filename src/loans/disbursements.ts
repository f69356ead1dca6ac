import type { EntityManager } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { conflict, forbidden, validationFailed } from '../http/errors';
import { withinScope } from '../http/scope';
import { post, sfdAccount } from '../ledger/service';
import { closeNotifications } from '../notifications/inapp';
import type { PurposeHandler } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';
import { addDays, type LocalDate } from '../shared/sfd-calendar';
import { transition } from '../workflow/decide';
import { disbursedSms } from './disbursement-notices';
import { awaitsPayout, disbursementEntryKey, DisbursementPayouts } from './disbursement-payouts';
import { Loan, LoanInstalment, type LoanMethod } from './entities';
import { instalmentsOf, lockLoan } from './instalments';
import { loanPrincipalAccount, openLoanAccounts } from './ledger-accounts';
import { loanDisbursementData } from './application-notices';
import { LOAN_DISBURSEMENT_PENDING } from './notices';
import { buildSchedule, dueDateAfter } from './schedule';

/**
 * The first due date staff may choose, in days after the disbursement day: about a month. The schedule
 * charges a whole month's interest on its first period and the TEG is counted in whole months, so a
 * first period far from a month (due tomorrow) would change the cost of credit the admin approved.
 */
export const FIRST_DUE_DAYS = { min: 25, max: 45 } as const;

/** Staff of the loan's SFD who may disburse: agent or higher, never a client, never the platform admin. */
const DISBURSERS = new Set(['agent_sfd', 'superviseur_sfd', 'admin_sfd']);

/**
 * The disbursement (issue 14): a granted loan (`accorde`) paid to its client, in cash at the branch
 * (decaisse at once) or by a mobile-money payout (decaisse when the payout succeeds; a failed payout
 * is reversed and the loan waits for another try), and the loan's repayment schedule.
 */
export class LoanDisbursementsService {
  /** The mobile-money side: the payout, its outcome, the sweep (disbursement-payouts.ts). */
  private readonly payouts: DisbursementPayouts;

  constructor(
    readonly deps: Deps,
    readonly needs: { accounts: AccountsDirectory; payments: PaymentsService },
  ) {
    this.payouts = new DisbursementPayouts(deps, needs.payments, (manager, loan, at) =>
      this.afterDisbursement(manager, loan, 'mobile_money', at),
    );
  }

  /** The purpose `decaissement_pret` (disbursement-payouts.ts). */
  purposeHandler(): PurposeHandler {
    return this.payouts.purposeHandler();
  }

  /** The lost-payout sweep (disbursement-payouts.ts). */
  resumePayouts(): Promise<number> {
    return this.payouts.resumePayouts();
  }

  /**
   * Disburses a granted loan: staff (agent or higher) of its SFD (another SFD's: 404; a client, the
   * platform admin: 403). The loan must be `accorde` with no payout under way (409). Cash: decaisse
   * with its schedule, its entry and the client's SMS in one transaction. Mobile money (the default when
   * the provider pays out): the entry is posted and the method recorded in the transaction, the payout
   * sent after the commit (the posted entry is what keeps a second request from paying twice).
   */
  async disburse(actor: Principal, loanId: number, input: { method?: LoanMethod }): Promise<Loan> {
    const method: LoanMethod =
      input.method ?? (this.needs.payments.provider.capabilities.payout ? 'mobile_money' : 'cash');
    const loan = await this.deps.db.transaction(async (manager) => {
      const at = this.deps.clock.now();
      const found = this.disbursableBy(actor, await lockLoan(manager, loanId));
      const client = await this.needs.accounts.contact(found.clientId, manager);
      if (
        method === 'mobile_money' &&
        (!this.needs.payments.provider.capabilities.payout || !client?.phone)
      ) {
        throw validationFailed({ method: [client?.phone ? 'payout_unavailable' : 'no_phone'] });
      }
      const view = (l: Loan) => ({ status: l.status, disbursement_method: l.disbursementMethod });
      const attempt = await this.payouts.attemptOf(manager, found.id);
      await openLoanAccounts(manager, found, at);
      await post(manager, {
        key: disbursementEntryKey(found.id, attempt),
        kind: 'loan_disbursement',
        lines: [
          { account: loanPrincipalAccount(found.id), amount: -found.principal },
          ...(found.fees > 0 ? [{ account: sfdAccount(found.sfdId, 'fee-income'), amount: found.fees }] : []),
          {
            account: sfdAccount(found.sfdId, method === 'cash' ? 'cash' : 'mobile-money'),
            amount: found.principal - found.fees,
          },
        ],
        ref: { type: 'loan', id: found.id },
        sfdId: found.sfdId,
        actorId: actor.userId,
        at,
      });
      if (method === 'mobile_money') {
        // Still accorde until the money arrives: the change is who started which payout (audited).
        return transition(manager, {
          entity: Loan,
          id: found.id,
          from: ['accorde'],
          to: 'accorde',
          set: { disbursementMethod: 'mobile_money', disbursedBy: actor.userId, updatedAt: at },
          actor,
          action: 'loan.disbursement.payout_started',
          targetType: 'loan',
          at,
          view,
        });
      }
      const disbursed = await transition(manager, {
        entity: Loan,
        id: found.id,
        from: ['accorde'],
        to: 'decaisse',
        set: { disbursementMethod: 'cash', disbursedBy: actor.userId, disbursedAt: at, updatedAt: at },
        actor,
        action: 'loan.disbursement.cash',
        targetType: 'loan',
        at,
        view,
      });
      return this.afterDisbursement(manager, disbursed, 'cash', at);
    });
    if (!awaitsPayout(loan)) return loan;

    const phone = (await this.needs.accounts.contact(loan.clientId))?.phone as string;
    const payment = await this.needs.payments.payout({ ...this.payouts.payoutOf(loan, actor.userId), phone });
    // Refused at once: revertPayout already gave the money back and cleared the payout; nothing to keep.
    if (payment.status !== 'failed') await this.payouts.storeReference(loan.id, payment.reference);
    return this.deps.db.manager.findOneOrFail(Loan, { where: { id: loan.id } });
  }

  /**
   * The loan's schedule from its terms (loan_instalments, a_payer), the first due date the loan's own
   * if staff set one still ahead of `disbursedOn` (the SFD's local date), else a month after it; sets
   * it on the loan.
   * Idempotent: a loan that has its rows already gets them back unchanged.
   */
  async createSchedule(
    manager: EntityManager,
    loan: Loan,
    disbursedOn: LocalDate,
    at: Date,
  ): Promise<LoanInstalment[]> {
    const existing = await instalmentsOf(manager, loan.id);
    if (existing.length > 0) return existing;
    // A date staff set that is no longer about a month after the day of the disbursement (the loan was
    // disbursed later than planned) gives way to a month after it.
    const firstDueDate =
      loan.firstDueDate !== null &&
      loan.firstDueDate >= addDays(disbursedOn, FIRST_DUE_DAYS.min) &&
      loan.firstDueDate <= addDays(disbursedOn, FIRST_DUE_DAYS.max)
        ? loan.firstDueDate
        : dueDateAfter(disbursedOn, 1);
    const { rows } = buildSchedule({
      principal: loan.principal,
      annualRateBp: loan.annualRateBp,
      months: loan.months,
      method: loan.method,
      firstDueDate,
    });
    await manager.insert(
      LoanInstalment,
      rows.map((r) => ({
        sfdId: loan.sfdId,
        loanId: loan.id,
        n: r.n,
        dueDate: r.dueDate,
        principal: r.principal,
        interest: r.interest,
        total: r.total,
        principalPaid: 0,
        interestPaid: 0,
        interestWaived: 0,
        penaltyAccrued: 0,
        penaltyPaid: 0,
        penaltyThrough: null,
        status: 'a_payer' as const,
        paidAt: null,
        createdAt: at,
        updatedAt: at,
      })),
    );
    if (loan.firstDueDate !== firstDueDate) {
      await manager.update(Loan, { id: loan.id }, { firstDueDate, updatedAt: at });
      loan.firstDueDate = firstDueDate;
    }
    return instalmentsOf(manager, loan.id);
  }

  /**
   * Sets the first due date a granted loan's disbursement will use (staff, agent or higher, of its SFD;
   * the loan `accorde` with no payout under way, else 409), FIRST_DUE_DAYS after today
   * in the SFD (else 400), audited; answers the loan and the schedule it will have.
   */
  async setFirstDueDate(actor: Principal, loanId: number, firstDueDate: LocalDate) {
    return this.deps.db.transaction(async (manager) => {
      const at = this.deps.clock.now();
      const loan = this.disbursableBy(actor, await lockLoan(manager, loanId));
      const today = await this.needs.accounts.localDateIn(loan.sfdId, at, manager);
      if (
        firstDueDate < addDays(today, FIRST_DUE_DAYS.min) ||
        firstDueDate > addDays(today, FIRST_DUE_DAYS.max)
      ) {
        throw validationFailed({ first_due_date: ['out_of_range'] });
      }
      await manager.update(Loan, { id: loan.id }, { firstDueDate, updatedAt: at });
      await recordAudit(
        manager,
        {
          actor,
          sfdId: loan.sfdId,
          action: 'loan.first_due_date',
          targetType: 'loan',
          targetId: loan.id,
          before: { first_due_date: loan.firstDueDate },
          after: { first_due_date: firstDueDate },
        },
        at,
      );
      const schedule = buildSchedule({ ...loan, firstDueDate });
      return { loan: { ...loan, firstDueDate }, schedule };
    });
  }

  /** The loan, if `actor` may disburse it now: in reach (else 404), staff of its SFD (403), waiting (409). */
  private disbursableBy(actor: Principal, row: Loan | null): Loan {
    const loan = withinScope(actor, row);
    if (!DISBURSERS.has(actor.role) || actor.sfdId !== loan.sfdId) throw forbidden();
    if (loan.status !== 'accorde') throw conflict(`the loan is ${loan.status}, not accorde`);
    if (loan.disbursementMethod !== null) throw conflict('the loan is already being paid out');
    return loan;
  }

  /** A loan just decaisse: its schedule from the local day of `at`, the client's SMS, the notices closed. */
  private async afterDisbursement(manager: EntityManager, loan: Loan, method: LoanMethod, at: Date) {
    const disbursedOn = await this.needs.accounts.localDateIn(loan.sfdId, at, manager);
    const instalments = await this.createSchedule(manager, loan, disbursedOn, at);
    const client = await this.needs.accounts.contact(loan.clientId, manager);
    await disbursedSms(this.deps.outbox, manager, client, loan, method, instalments);
    await closeNotifications(
      manager,
      { type: LOAN_DISBURSEMENT_PENDING, data: loanDisbursementData(loan.applicationId, loan.id) },
      at,
    );
    return manager.findOneOrFail(Loan, { where: { id: loan.id } });
  }
}
