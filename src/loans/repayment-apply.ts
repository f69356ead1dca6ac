import type { EntityManager } from 'typeorm';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { post, sfdAccount } from '../ledger/service';
import type { HoldsService } from '../savings/holds';
import type { LocalDate } from '../shared/sfd-calendar';
import { transition } from '../workflow/decide';
import { allocate, dueSummary, type Allocation } from './allocation';
import { Loan, LoanApplication, LoanInstalment, LoanPayment, type LoanStatus } from './entities';
import { daysLate, dueOf } from './instalments';
import { loanPenaltyAccount, loanPrincipalAccount } from './ledger-accounts';
import { queueRepaymentSms } from './repayment-notices';
import type { LoanSettingsService } from './settings';

/** The statuses a loan takes repayments in. */
export const PAYABLE: readonly LoanStatus[] = ['decaisse', 'en_remboursement', 'en_defaut'];

export interface ApplyNeeds {
  deps: Pick<Deps, 'outbox'>;
  accounts: AccountsDirectory;
  holds: HoldsService;
  settings: LoanSettingsService;
}

export interface ApplyRequest {
  /** Locked (lockLoan) in `manager`'s transaction, in a PAYABLE status. */
  loan: Loan;
  instalments: LoanInstalment[];
  /** The repayment's row (saved), still without its parts. */
  payment: LoanPayment;
  today: LocalDate;
  at: Date;
  /** Where the money came from: the SFD's mobile-money clearing, or the collector's cash. */
  source: string;
  entryKey: string;
  /** Who recorded it (cash), null for the provider's word (mobile money). */
  actor: Pick<Principal, 'userId' | 'role'> | null;
  /** Cash: the agent's name on the receipt. */
  agent?: string;
}

/**
 * Applies one repayment, in the caller's transaction (the payment's, or the cash desk's): the
 * allocation onto the instalments, the payment `confirme` with its parts, the loan's status
 * (decaisse → en_remboursement at the first payment; en_defaut → en_remboursement when no instalment
 * is left late beyond the SFD's defaultAfterDays; → solde when nothing is owed: the savings hold
 * released and the application no longer open, so the client may apply again), the client's SMS and
 * ONE balanced ledger entry: source −amount, penalty receivable +penalty, interest income +interest,
 * principal receivable +principal, suspense +excess.
 */
export async function applyRepayment(needs: ApplyNeeds, manager: EntityManager, req: ApplyRequest) {
  const { loan, payment, at, today } = req;
  const allocation = allocate(req.instalments, payment.amount, today);
  const after = await writeInstalments(manager, req.instalments, allocation, at);
  const t = allocation.totals;
  const parts = {
    penaltyPart: t.penalty,
    interestPart: t.interest,
    principalPart: t.principal,
    excess: t.excess,
    journalEntryKey: req.entryKey,
    confirmedAt: at,
    confirmedBy: req.actor?.userId ?? null,
    updatedAt: at,
  };
  // The repayment's own status change, audited with how it was split (what was waived included).
  await transition(manager, {
    entity: LoanPayment,
    id: payment.id,
    from: ['en_attente'],
    to: 'confirme',
    set: parts,
    actor: req.actor,
    action: 'loans.payment.confirme',
    targetType: 'loan_payment',
    at,
    view: (p) => ({
      status: p.status,
      amount: p.amount,
      method: p.method,
      penalty_part: p.penaltyPart,
      interest_part: p.interestPart,
      principal_part: p.principalPart,
      excess: p.excess,
      ...(p.status === 'confirme' ? { waived: t.waived } : {}),
    }),
  });
  Object.assign(payment, parts, { status: 'confirme' });

  const status = await nextStatus(needs, manager, loan, after, allocation, today);
  let released = 0;
  if (status !== loan.status) {
    const closing = status === 'solde';
    await transition(manager, {
      entity: Loan,
      id: loan.id,
      from: PAYABLE,
      to: status,
      set: { updatedAt: at, ...(closing ? { closedAt: at } : {}) },
      actor: req.actor,
      action: closing ? 'loans.loan.solde' : 'loans.loan.en_remboursement',
      targetType: 'loan',
      at,
      view: (l) => ({ status: l.status, payment_id: payment.id }),
    });
    if (closing) {
      const holds = await needs.holds.release(manager, { ref: { type: 'loan', id: loan.id } }, at);
      released = holds > 0 ? loan.guaranteeAmount : 0;
      // Not a status: the application stops blocking a new one (unique open_client_id).
      await manager.update(
        LoanApplication,
        { id: loan.applicationId },
        { openClientId: null, updatedAt: at },
      );
    }
    loan.status = status;
  }
  const summary = dueSummary(after, today);
  await queueRepaymentSms(needs.deps.outbox, manager, await needs.accounts.contact(loan.clientId, manager), {
    payment,
    loan,
    remaining: summary.remaining,
    next: summary.next,
    closes: t.closes,
    agent: req.agent,
    released,
  });
  // Last: the entry locks the SFD's clearing (or the agent's cash) account to the commit.
  const lines = [
    { account: req.source, amount: -payment.amount },
    { account: loanPenaltyAccount(loan.id), amount: t.penalty },
    { account: sfdAccount(loan.sfdId, 'interest-income'), amount: t.interest },
    { account: loanPrincipalAccount(loan.id), amount: t.principal },
    { account: sfdAccount(loan.sfdId, 'suspense'), amount: t.excess },
  ].filter((l) => l.amount !== 0);
  await post(manager, {
    key: req.entryKey,
    kind: 'loan_repayment',
    lines,
    ref: { type: 'loan_payment', id: payment.id },
    sfdId: loan.sfdId,
    actorId: req.actor?.userId ?? null,
    at,
  });
  return { payment, loan, allocation };
}

/** Writes each touched instalment's paid parts; answers the instalments as they are after. */
async function writeInstalments(
  manager: EntityManager,
  instalments: LoanInstalment[],
  allocation: Allocation,
  at: Date,
): Promise<LoanInstalment[]> {
  const byId = new Map(allocation.instalments.map((d) => [d.id, d]));
  const after: LoanInstalment[] = [];
  for (const i of instalments) {
    const d = byId.get(i.id);
    if (!d) {
      after.push(i);
      continue;
    }
    const changes = {
      penaltyPaid: i.penaltyPaid + d.penalty,
      interestPaid: i.interestPaid + d.interest,
      interestWaived: i.interestWaived + d.waived,
      principalPaid: i.principalPaid + d.principal,
      ...(d.paid ? { status: 'paye' as const, paidAt: at } : {}),
      updatedAt: at,
    };
    await manager.update(LoanInstalment, { id: i.id }, changes);
    after.push(Object.assign(i, changes));
  }
  return after;
}

/** The loan's status after the payment (see applyRepayment). */
async function nextStatus(
  needs: ApplyNeeds,
  manager: EntityManager,
  loan: Loan,
  after: LoanInstalment[],
  allocation: Allocation,
  today: LocalDate,
): Promise<LoanStatus> {
  if (allocation.totals.closes || after.every((i) => dueOf(i).total === 0)) return 'solde';
  if (loan.status === 'decaisse') return 'en_remboursement';
  if (loan.status !== 'en_defaut') return loan.status;
  const { defaultAfterDays } = await needs.settings.of(loan.sfdId, manager);
  const stillLate = after.some((i) => dueOf(i).total > 0 && daysLate(i.dueDate, today) > defaultAfterDays);
  return stillLate ? 'en_defaut' : 'en_remboursement';
}

/** A repayment row locked for update (MySQL): a plain read would see the transaction's snapshot. */
export function lockedPayment(manager: EntityManager, where: Partial<LoanPayment>) {
  const mysql = manager.connection.options.type === 'mysql';
  return manager.findOne(LoanPayment, {
    where: where as never,
    ...(mysql ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
}

/** The columns every new repayment row starts with (en_attente, nothing allocated yet). */
export function freshPayment(loan: Loan, at: Date) {
  return {
    sfdId: loan.sfdId,
    loanId: loan.id,
    clientId: loan.clientId,
    status: 'en_attente' as const,
    paymentReference: null,
    collectedBy: null,
    idempotencyKey: null,
    journalEntryKey: null,
    penaltyPart: 0,
    interestPart: 0,
    principalPart: 0,
    excess: 0,
    requestedBy: null,
    confirmedBy: null,
    confirmedAt: null,
    reason: null,
    createdAt: at,
    updatedAt: at,
  };
}
