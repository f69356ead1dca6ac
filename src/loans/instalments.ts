import type { EntityManager } from 'typeorm';
import { Loan, LoanInstalment } from './entities';

/** What is still owed on one instalment, by part (never negative). */
export interface InstalmentDue {
  penalty: number;
  interest: number;
  principal: number;
  total: number;
}

/** An instalment's scheduled and paid parts: what its dues are computed from. */
export type InstalmentParts = Pick<
  LoanInstalment,
  | 'principal'
  | 'principalPaid'
  | 'interest'
  | 'interestPaid'
  | 'interestWaived'
  | 'penaltyAccrued'
  | 'penaltyPaid'
>;

/** An instalment's unpaid parts: penalties accrued − paid, interest − paid − waived, principal − paid. */
export function dueOf(i: InstalmentParts): InstalmentDue {
  const penalty = i.penaltyAccrued - i.penaltyPaid;
  const interest = i.interest - i.interestPaid - i.interestWaived;
  const principal = i.principal - i.principalPaid;
  return { penalty, interest, principal, total: penalty + interest + principal };
}

/** The unpaid principal and interest of an instalment: the base its daily penalty is computed on. */
export const penaltyBaseOf = (i: InstalmentParts) => {
  const d = dueOf(i);
  return d.interest + d.principal;
};

/** Whole days from `dueDate` to `today` (local calendar days, `YYYY-MM-DD`): > 0 when late. */
export function daysLate(dueDate: string, today: string): number {
  return Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${dueDate}T00:00:00Z`)) / 86_400_000);
}

/**
 * The loan's row, locked (MySQL; SQLite runs one transaction at a time). Every write about one loan (a
 * disbursement, a repayment, a day's penalties, a status change) takes this lock first, so they take
 * turns; its instalments are then read and written in the same transaction.
 */
export function lockLoan(manager: EntityManager, id: number): Promise<Loan | null> {
  const mysql = manager.connection.options.type === 'mysql';
  return manager.findOne(Loan, {
    where: { id },
    ...(mysql ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
}

/** The loan's instalments, by number (read in the caller's transaction, after lockLoan). */
export function instalmentsOf(manager: EntityManager, loanId: number): Promise<LoanInstalment[]> {
  return manager.find(LoanInstalment, { where: { loanId }, order: { n: 'ASC' } });
}
