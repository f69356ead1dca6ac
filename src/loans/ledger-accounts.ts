import type { EntityManager } from 'typeorm';
import { ensureAccount } from '../ledger/service';
import type { Loan } from './entities';

/**
 * A loan's ledger accounts (owner: the client). Both are what the client owes the SFD, so they are
 * never negative:
 * - `loan:<id>:principal`: the principal lent and not yet repaid (+ at disbursement, − by repayments);
 * - `loan:<id>:penalty`: penalties accrued by the daily job and not yet paid.
 * Interest is income when it is paid (cash basis): it has no receivable account of its own.
 */
export const loanPrincipalAccount = (loanId: number) => `loan:${loanId}:principal`;
export const loanPenaltyAccount = (loanId: number) => `loan:${loanId}:penalty`;

/** Opens both accounts of a loan (idempotent): at its disbursement, before anything is posted to them. */
export async function openLoanAccounts(
  manager: EntityManager,
  loan: Pick<Loan, 'id' | 'sfdId' | 'clientId'>,
  at: Date,
): Promise<void> {
  for (const [code, kind] of [
    [loanPrincipalAccount(loan.id), 'loan-principal'],
    [loanPenaltyAccount(loan.id), 'loan-penalty'],
  ] as const) {
    await ensureAccount(manager, {
      code,
      kind,
      sfdId: loan.sfdId,
      ownerId: loan.clientId,
      mayGoNegative: false,
      at,
    });
  }
}
