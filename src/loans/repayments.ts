import type { EntityManager, FindOptionsWhere } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import type { Page } from '../http/pagination';
import { conflict, forbidden, notFound, Problem, validationFailed } from '../http/errors';
import { hasRank } from '../http/roles';
import { withinScope } from '../http/scope';
import { uniqueViolationField } from '../infra/db-errors';
import { agentCashAccount, ensureAccount } from '../ledger/service';
import type { PurposeHandler } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';
import type { HoldsService } from '../savings/holds';
import type { LocalDate } from '../shared/sfd-calendar';
import { dueSummary, payoffAmount } from './allocation';
import { Loan, LoanPayment } from './entities';
import { instalmentsOf, lockLoan } from './instalments';
import { applyRepayment, freshPayment, lockedPayment, PAYABLE } from './repayment-apply';
import { applyCollectedRepayment, failCollectedRepayment } from './repayment-collection';
import type { LoanSettingsService } from './settings';

/** A payment as the payments module answers it (its entities are its own). */
type PaymentTransaction = Awaited<ReturnType<PaymentsService['collect']>>;

/** The payment purpose of a repayment pushed to the client's phone; its `purposeRef` is the loan's id. */
export const REPAYMENT_PURPOSE = 'remboursement_pret';
/** The ledger key of a cash repayment (a mobile-money one is keyed by its payment: `payment:<reference>`). */
export const cashRepaymentEntryKey = (paymentId: number) => `loan-payment:${paymentId}`;

/** What a loan asks for today (USSD, the loan's read); see allocation.ts dueSummary. */
export interface LoanDue {
  loan: Loan;
  next: { n: number; dueDate: string; total: number; penalty: number } | null;
  overdue: number;
  dueNow: number;
  payoff: number;
}

/** An agent (or higher) of this SFD: the platform admin is not one. */
export const isAgentOf = (actor: Pick<Principal, 'role' | 'sfdId'>, sfdId: number) =>
  actor.role !== 'client' && hasRank(actor.role, 'agent_sfd') && actor.sfdId === sfdId;

/** The loan, if `actor` may repay it: its client, or an agent+ of its SFD (others 404; platform 403). */
export function payableBy(actor: Principal, loan: Loan | null): Loan {
  const found = withinScope(actor, loan, (l) => l.clientId);
  if (actor.role !== 'client' && !isAgentOf(actor, found.sfdId)) throw forbidden();
  return found;
}

/**
 * Repayments: mobile money pushed to the client's phone (applied when the payment succeeds, in its
 * transaction: `purposeHandler`), or cash taken by an agent (applied at once, once per
 * Idempotency-Key). Both go through applyRepayment (repayment-apply.ts) under the loan's lock.
 */
export class LoanRepaymentsService {
  constructor(
    readonly deps: Deps,
    readonly needs: {
      accounts: AccountsDirectory;
      payments: PaymentsService;
      holds: HoldsService;
      settings: LoanSettingsService;
    },
  ) {}

  /** The SFD's local date at `at`. */
  async todayOf(sfdId: number, at: Date, manager?: EntityManager): Promise<LocalDate> {
    return this.needs.accounts.localDateIn(sfdId, at, manager);
  }

  /** The loan's figures today (404 if there is no such loan; the caller checks who may see it). */
  async dueNow(loanId: number): Promise<LoanDue> {
    const m = this.deps.db.manager;
    const loan = await m.findOne(Loan, { where: { id: loanId } });
    if (!loan) throw notFound();
    const s = dueSummary(
      await instalmentsOf(m, loan.id),
      await this.todayOf(loan.sfdId, this.deps.clock.now()),
    );
    return { loan, next: s.next, overdue: s.overdue, dueNow: s.dueNow, payoff: s.payoff };
  }

  /** The checks every repayment passes under the loan's lock: who, the loan's status, at most the payoff. */
  private async payable(
    manager: EntityManager,
    actor: Principal,
    loanId: number,
    amount: number,
    opts: { agentOnly?: boolean } = {},
  ) {
    const loan = payableBy(actor, await lockLoan(manager, loanId));
    if (opts.agentOnly && !isAgentOf(actor, loan.sfdId)) throw forbidden();
    if (!PAYABLE.includes(loan.status)) throw conflict(`the loan is ${loan.status}: it takes no repayment`);
    const instalments = await instalmentsOf(manager, loan.id);
    const today = await this.todayOf(loan.sfdId, this.deps.clock.now(), manager);
    const payoff = payoffAmount(instalments, today);
    if (amount > payoff) {
      throw conflict(`at most ${payoff} XOF: that closes the loan today`, { amount: ['above_payoff'] });
    }
    return { loan, instalments, today };
  }

  /**
   * Starts a repayment by mobile money: the payment (purpose `remboursement_pret`, ref the loan's id)
   * pushed to `phone` (the client's own by default), and the repayment `en_attente` with its reference.
   */
  async startMobileMoney(
    actor: Principal,
    input: { loanId: number; amount: number; phone?: string },
  ): Promise<{ payment: LoanPayment; transaction: PaymentTransaction }> {
    const { loan } = await this.deps.db.transaction(async (m) => {
      const found = await this.payable(m, actor, input.loanId, input.amount);
      // One push at a time: a second one while the client has not answered the first would pay twice
      // what is due (the second's money would land in suspense). A failed or expired one ends echoue.
      const waiting = await m.count(LoanPayment, {
        where: { loanId: input.loanId, method: 'mobile_money', status: 'en_attente' },
      });
      if (waiting > 0) throw conflict('a mobile-money repayment of this loan awaits the client already');
      return found;
    });
    const phone = input.phone ?? (await this.needs.accounts.contact(loan.clientId))?.phone;
    if (!phone) throw validationFailed({ phone: ['required'] });
    const transaction = await this.needs.payments.collect({
      type: 'remboursement_pret',
      amount: input.amount,
      phone,
      clientId: loan.clientId,
      sfdId: loan.sfdId,
      purpose: REPAYMENT_PURPOSE,
      purposeRef: String(loan.id),
      initiatedBy: actor.userId,
    });
    const payment = await this.deps.db.transaction(async (manager) => {
      const at = this.deps.clock.now();
      await lockLoan(manager, loan.id);
      // The payment may have succeeded already (a fast provider): its handler then wrote the row.
      const existing = await lockedPayment(manager, { paymentReference: transaction.reference });
      if (existing) return existing;
      const row = await manager.save(
        manager.create(LoanPayment, {
          ...freshPayment(loan, at),
          amount: input.amount,
          method: 'mobile_money',
          paymentReference: transaction.reference,
          requestedBy: actor.userId,
        }),
      );
      await this.audit(manager, actor, row, 'loans.payment.start', at);
      return row;
    });
    return { payment, transaction };
  }

  /**
   * A cash repayment by an agent (or higher) of the loan's SFD, once per (agent, Idempotency-Key): a
   * retry, even concurrent, answers the first one's result; the same key for another loan or amount is
   * a 409. Confirmed at once, from the agent's cash account; the receipt names the agent.
   */
  async recordCash(input: {
    loanId: number;
    amount: number;
    agent: Principal;
    idempotencyKey: string;
  }): Promise<{ payment: LoanPayment; replayed: boolean }> {
    const first = await this.byIdempotencyKey(input.agent.userId, input.idempotencyKey);
    if (first) return { payment: sameOrRefuse(first, input), replayed: true };
    try {
      return await this.deps.db.transaction(async (manager) => {
        const at = this.deps.clock.now();
        const { loan, instalments, today } = await this.payable(
          manager,
          input.agent,
          input.loanId,
          input.amount,
          { agentOnly: true },
        );
        // The row first: a concurrent duplicate (same agent, same key) fails here, on the unique index.
        const row = await manager.save(
          manager.create(LoanPayment, {
            ...freshPayment(loan, at),
            amount: input.amount,
            method: 'cash',
            collectedBy: input.agent.userId,
            idempotencyKey: input.idempotencyKey,
            requestedBy: input.agent.userId,
          }),
        );
        await ensureAccount(manager, {
          code: agentCashAccount(input.agent.userId),
          kind: 'agent-cash',
          sfdId: loan.sfdId,
          ownerId: input.agent.userId,
          mayGoNegative: true,
          at,
        });
        const agent = await this.needs.accounts.contact(input.agent.userId, manager);
        const applied = await applyRepayment(this.applyNeeds(), manager, {
          loan,
          instalments,
          payment: row,
          today,
          at,
          source: agentCashAccount(input.agent.userId),
          entryKey: cashRepaymentEntryKey(row.id),
          actor: input.agent,
          agent: agent ? `${agent.firstName} ${agent.lastName}` : '-',
        });
        return { payment: applied.payment, replayed: false };
      });
    } catch (err) {
      // A concurrent request with the same key committed first: its result is the answer. It fails this
      // one on the unique index, or earlier on a check the first one changed (the loan it closed takes
      // no more payments, or the payoff fell below the amount): a retry still answers the first result.
      const lost = uniqueViolationField(err) || (err instanceof Problem && err.status === 409);
      if (!lost) throw err;
      const winner = await this.byIdempotencyKey(input.agent.userId, input.idempotencyKey);
      if (!winner) throw err;
      return { payment: sameOrRefuse(winner, input), replayed: true };
    }
  }

  /**
   * Staff ask the provider now about a pending mobile-money repayment: the payment's outcome is applied
   * (confirme, by the purpose handler) or, if it failed or expired, the repayment ends `echoue`. Answers
   * the repayment as it is after; one already final is a 409.
   */
  async confirm(actor: Principal, paymentId: number): Promise<LoanPayment> {
    const m = this.deps.db.manager;
    const row = withinScope(actor, await m.findOne(LoanPayment, { where: { id: paymentId } }));
    if (!isAgentOf(actor, row.sfdId)) throw forbidden();
    if (row.status !== 'en_attente' || !row.paymentReference) {
      throw conflict(`the repayment is ${row.status}: nothing to confirm`);
    }
    const transaction = await this.needs.payments.byReference(row.paymentReference);
    if (!transaction) throw conflict('no payment to ask the provider about');
    // The provider's answer is applied by the payments module: a success through applyCollection, a
    // failure through failCollection (the repayment echoue), each in the payment's own transaction.
    await this.needs.payments.refresh(transaction, undefined, actor);
    return m.findOneOrFail(LoanPayment, { where: { id: row.id } });
  }

  /**
   * The purpose `remboursement_pret` (repayment-collection.ts), in the payment's transaction; it queues
   * its own receipt.
   */
  purposeHandler(): PurposeHandler {
    const needs = {
      ...this.applyNeeds(),
      deps: this.deps,
      payments: this.needs.payments,
      todayOf: this.todayOf.bind(this),
    };
    return {
      ownReceipt: true,
      applyCollection: (manager, transaction, at) => applyCollectedRepayment(needs, manager, transaction, at),
      failCollection: (manager, transaction, at) => failCollectedRepayment(manager, transaction, at),
    };
  }

  /** A loan by id, for the routes' access checks (they apply payableBy / withinScope). */
  loan(id: number): Promise<Loan | null> {
    return this.deps.db.manager.findOne(Loan, { where: { id } });
  }

  payment(id: number): Promise<LoanPayment | null> {
    return this.deps.db.manager.findOne(LoanPayment, { where: { id } });
  }

  /** Repayments matching `where` (already scoped by the route), newest first. */
  list(where: FindOptionsWhere<LoanPayment>, page: Page): Promise<[LoanPayment[], number]> {
    return this.deps.db.manager.findAndCount(LoanPayment, {
      where,
      order: { id: 'DESC' },
      skip: page.skip,
      take: page.take,
    });
  }

  private applyNeeds() {
    return {
      deps: this.deps,
      accounts: this.needs.accounts,
      holds: this.needs.holds,
      settings: this.needs.settings,
    };
  }

  private audit(manager: EntityManager, actor: Principal | null, row: LoanPayment, action: string, at: Date) {
    return recordAudit(
      manager,
      {
        actor,
        sfdId: row.sfdId,
        action,
        targetType: 'loan_payment',
        targetId: row.id,
        after: {
          status: row.status,
          amount: row.amount,
          method: row.method,
          payment_reference: row.paymentReference,
        },
      },
      at,
    );
  }

  private byIdempotencyKey(agentId: number, key: string): Promise<LoanPayment | null> {
    return this.deps.db.manager.findOne(LoanPayment, {
      where: { collectedBy: agentId, idempotencyKey: key },
    });
  }
}

function sameOrRefuse(first: LoanPayment, input: { loanId: number; amount: number }): LoanPayment {
  if (first.loanId !== input.loanId || first.amount !== input.amount) {
    throw conflict('this Idempotency-Key was already used for another repayment');
  }
  return first;
}
