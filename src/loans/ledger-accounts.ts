import type { EntityManager } from 'typeorm';
import { ensureAccount } from '../ledger/service';
import type { Loan } from './entities';

/**
 * A loan's ledger accounts (owner: the client): receivables, so under the ledger's sign convention
 * (what the SFD owes a client is positive, incomes are positive, money paid out is positive on the
 * clearing or cash account) their balance is MINUS what the client owes. They may only go negative;
 * the repayment allocation never pays more than is owed, which keeps them at most zero.
 * - `loan:<id>:principal`: −(principal lent and not yet repaid): −P at disbursement, + by repayments;
 * - `loan:<id>:penalty`: −(penalties accrued by the daily job and not yet paid).
 * Interest is income when it is paid (cash basis): it has no receivable account of its own.
 *
 * Disbursement: principal −P, fee-income +fees, cash or mobile-money +(P − fees).
 * A day's penalty: penalty −x, penalty-income +x.
 * Repayment of `a`: cash or mobile-money −a, penalty +pen, interest-income +i, principal +p (a = pen + i + p).
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
      mayGoNegative: true,
      at,
    });
  }
}
