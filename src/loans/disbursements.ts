import { IsNull, LessThan, type EntityManager } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { conflict, forbidden, validationFailed } from '../http/errors';
import { withinScope } from '../http/scope';
import { latestMovements } from '../ledger/reads';
import { post, reverse, sfdAccount } from '../ledger/service';
import { closeNotifications } from '../notifications/inapp';
import { parkInSuspense, type PurposeHandler } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';
import { addDays, DEFAULT_TIME_ZONE, localDateOf, type LocalDate } from '../shared/sfd-calendar';
import { transition } from '../workflow/decide';
import { disbursedSms } from './disbursement-notices';
import { Loan, LoanInstalment, type LoanMethod } from './entities';
import { instalmentsOf, lockLoan } from './instalments';
import { loanPrincipalAccount, openLoanAccounts } from './ledger-accounts';
import { loanDisbursementData } from './application-notices';
import { LOAN_DISBURSEMENT_PENDING } from './notices';
import { buildSchedule, dueDateAfter } from './schedule';

/** The payment purpose of a disbursement payout; its `purposeRef` is the loan's id. */
export const DISBURSEMENT_PURPOSE = 'decaissement_pret';

/**
 * The disbursement's ledger entry. A failed payout is reversed and staff may try again: each attempt
 * has its own key (the first `loan:<id>:disbursement`, then `…:2`, `…:3`), since the ledger answers
 * a key it already has with the first entry and would silently post nothing the second time.
 */
export const disbursementEntryKey = (loanId: number, attempt = 1) =>
  attempt === 1 ? `loan:${loanId}:disbursement` : `loan:${loanId}:disbursement:${attempt}`;
export const disbursementReversalKey = (loanId: number, attempt = 1) =>
  `${disbursementEntryKey(loanId, attempt)}:reversal`;

/** How often the payout sweep runs, and how old a started payout must be before it counts as lost. */
export const DISBURSEMENT_SWEEP_EVERY_MS = 60_000;
export const DISBURSEMENT_PAYOUT_GRACE_MS = 2 * 60_000;

/**
 * The first due date staff may choose, in days after the disbursement day: about a month. The schedule
 * charges a whole month's interest on its first period and the TEG is counted in whole months, so a
 * first period far from a month (due tomorrow) would change the cost of credit the admin approved.
 */
export const FIRST_DUE_DAYS = { min: 25, max: 45 } as const;

/** Staff of the loan's SFD who may disburse: agent or higher, never a client, never the platform admin. */
const DISBURSERS = new Set(['agent_sfd', 'superviseur_sfd', 'admin_sfd']);

/** A granted loan whose mobile-money payout is under way (posted, not yet paid). */
const awaitsPayout = (loan: Loan) => loan.status === 'accorde' && loan.disbursementMethod === 'mobile_money';

/**
 * The disbursement (issue 14): a granted loan (`accorde`) paid to its client, in cash at the branch
 * (decaisse at once) or by a mobile-money payout (decaisse when the payout succeeds; a failed payout
 * is reversed and the loan waits for another try), and the loan's repayment schedule.
 */
export class LoanDisbursementsService {
  constructor(
    readonly deps: Deps,
    readonly needs: { accounts: AccountsDirectory; payments: PaymentsService },
  ) {}

  private async zoneOf(sfdId: number, manager?: EntityManager): Promise<string> {
    return (await this.needs.accounts.sfd(sfdId, manager))?.timeZone ?? DEFAULT_TIME_ZONE;
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
      const attempt = await this.attemptOf(manager, found.id);
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
    const payment = await this.needs.payments.payout({ ...this.payoutOf(loan, actor.userId), phone });
    // Refused at once: revertPayout already gave the money back and cleared the payout; nothing to keep.
    if (payment.status !== 'failed') await this.storeReference(loan.id, payment.reference);
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
      const today = localDateOf(at, await this.zoneOf(loan.sfdId, manager));
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
    const disbursedOn = localDateOf(at, await this.zoneOf(loan.sfdId, manager));
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

  /**
   * The attempt a new disbursement entry is: one more than the attempts reversed so far, read on the
   * loan's principal account (before the loan is decaisse only disbursements and their reversals move it).
   */
  private async attemptOf(manager: EntityManager, loanId: number): Promise<number> {
    const { movements } = await latestMovements(manager, loanPrincipalAccount(loanId), 0, 100);
    return movements.filter((m) => m.entryKind === 'loan_disbursement_reversal').length + 1;
  }

  /** What the payout of a loan is: the principal less the fees kept, to its client, under its purpose. */
  private payoutOf(loan: Loan, initiatedBy: number | null) {
    return {
      type: 'decaissement_pret' as const,
      amount: loan.principal - loan.fees,
      clientId: loan.clientId,
      sfdId: loan.sfdId,
      purpose: DISBURSEMENT_PURPOSE,
      purposeRef: String(loan.id),
      initiatedBy,
    };
  }

  /** Keeps the payout's reference on a loan still waiting for it (not on one already reverted or paid). */
  private storeReference(loanId: number, reference: string) {
    return this.deps.db.manager.update(
      Loan,
      { id: loanId, status: 'accorde', disbursementMethod: 'mobile_money', disbursementReference: IsNull() },
      { disbursementReference: reference },
    );
  }

  /**
   * The sweep (every DISBURSEMENT_SWEEP_EVERY_MS): a loan whose mobile-money disbursement was started
   * more than DISBURSEMENT_PAYOUT_GRACE_MS ago with no payment reference lost its payout to a crash
   * between the commit and the payout (payments.resumePayout adopts the payout found, or sends it).
   * Returns how many payouts it sent.
   */
  async resumePayouts(): Promise<number> {
    const stuck = await this.deps.db.manager.find(Loan, {
      where: {
        status: 'accorde',
        disbursementMethod: 'mobile_money',
        disbursementReference: IsNull(),
        updatedAt: LessThan(new Date(this.deps.clock.now().getTime() - DISBURSEMENT_PAYOUT_GRACE_MS)),
      },
      order: { id: 'ASC' },
      take: 100,
    });
    let sent = 0;
    for (const loan of stuck) {
      const payout = this.payoutOf(loan, loan.disbursedBy);
      if (await this.needs.payments.resumePayout(payout, (ref) => this.storeReference(loan.id, ref)))
        sent += 1;
    }
    return sent;
  }

  /**
   * The purpose `decaissement_pret`. A paid payout disburses the loan (decaisse, its schedule from the
   * payout's local day, the client's SMS); a failed one reverses the entry (its own key) and clears
   * the payout so staff may try again. A collection under this purpose buys nothing: parked in suspense.
   */
  purposeHandler(): PurposeHandler {
    return {
      // The disbursement SMS (amount, schedule, first due date) is the client's receipt of the payout.
      ownReceipt: true,
      applyPayout: async (manager, payment, at) => {
        const loan = await this.loanAwaiting(manager, payment, 'paid loan disbursement payout');
        if (!loan) return;
        const disbursed = await transition(manager, {
          entity: Loan,
          id: loan.id,
          from: ['accorde'],
          to: 'decaisse',
          set: { disbursementReference: payment.reference, disbursedAt: at, updatedAt: at },
          actor: null,
          action: 'loan.disbursement.paid',
          targetType: 'loan',
          at,
          view: (l) => ({ status: l.status, disbursement_reference: l.disbursementReference }),
        });
        await this.afterDisbursement(manager, disbursed, 'mobile_money', at);
      },
      revertPayout: async (manager, payment, at) => {
        const loan = await this.loanAwaiting(manager, payment, 'failed loan disbursement payout');
        if (!loan) return;
        const attempt = await this.attemptOf(manager, loan.id);
        await reverse(manager, disbursementEntryKey(loan.id, attempt), {
          key: disbursementReversalKey(loan.id, attempt),
          kind: 'loan_disbursement_reversal',
          ref: { type: 'loan', id: loan.id },
          sfdId: loan.sfdId,
          at,
        });
        await transition(manager, {
          entity: Loan,
          id: loan.id,
          from: ['accorde'],
          to: 'accorde',
          set: { disbursementMethod: null, disbursedBy: null, disbursementReference: null, updatedAt: at },
          actor: null,
          action: 'loan.disbursement.payout_failed',
          targetType: 'loan',
          at,
          view: (l) => ({ status: l.status, disbursement_method: l.disbursementMethod }),
        });
      },
      applyCollection: async (manager, payment, at) => {
        this.deps.logger.error(
          { reference: payment.reference },
          'a collection for a loan disbursement purpose: the money is parked in suspense',
        );
        await parkInSuspense(manager, payment, at, { kind: 'loan_suspense' });
      },
    };
  }

  /**
   * The loan a payout settles (purposeRef: its id), locked, if it still waits for this payout (the one
   * whose reference it keeps, or any while it keeps none yet); else null, logged.
   */
  private async loanAwaiting(
    manager: EntityManager,
    payment: { reference: string; purposeRef: string | null },
    what: string,
  ): Promise<Loan | null> {
    const id = Number(payment.purposeRef);
    const loan = Number.isSafeInteger(id) && id > 0 ? await lockLoan(manager, id) : null;
    if (
      loan &&
      awaitsPayout(loan) &&
      (loan.disbursementReference === null || loan.disbursementReference === payment.reference)
    ) {
      return loan;
    }
    this.deps.logger.error(
      { reference: payment.reference, purpose_ref: payment.purposeRef },
      `${what}: no loan awaiting it`,
    );
    return null;
  }
}
