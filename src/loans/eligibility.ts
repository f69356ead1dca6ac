import type { EntityManager } from 'typeorm';
import type { HoldsService, SavingsAccountFacts } from '../savings/holds';
import { localDateOf } from '../shared/sfd-calendar';
import { LoanApplication, MAX_SAVINGS_MULTIPLE, MIN_LOAN_AMOUNT, MIN_SAVINGS_AGE_DAYS } from './entities';
import { daysLate } from './instalments';

/** Why a client may not apply (several may hold at once). */
export type IneligibleReason =
  | 'no_savings_account' // no savings account, or not actif
  | 'savings_too_recent' // opened less than 90 days ago
  | 'loan_in_progress' // an application or a loan not yet solde
  | 'savings_too_low'; // 5 × the balance is under the minimum loan

export interface Eligibility {
  eligible: boolean;
  reasons: IneligibleReason[];
  /** The client's active savings account, if any. */
  savingsAccount: SavingsAccountFacts | null;
  /** Its ledger balance now (0 without an account). */
  savingsBalance: number;
  /** Whole local days since it opened (0 without an account). */
  savingsAgeDays: number;
  /** 5 × the savings balance: the most they may ask for (0 when not eligible). */
  maxAmount: number;
  minAmount: number;
  /** The application or loan in progress, if any. */
  inProgress: LoanApplication | null;
}

/**
 * Whether a client may apply for a loan now (issue 14): an active savings account opened at least 90
 * days ago (local calendar days of the SFD: opened on day D, eligible from D + 90), no application or
 * loan in progress, and a savings balance whose five times reach the minimum loan. Read in the caller's
 * manager (a transaction that then creates the application reads it under its locks).
 */
export async function eligibilityOf(
  savings: Pick<HoldsService, 'activeAccountOf'>,
  manager: EntityManager,
  clientId: number,
  now: Date,
  timeZone: string,
): Promise<Eligibility> {
  const reasons: IneligibleReason[] = [];
  const account = await savings.activeAccountOf(manager, clientId);
  const balance = account?.balance ?? 0;
  const ageDays = account ? daysLate(localDateOf(account.openedAt, timeZone), localDateOf(now, timeZone)) : 0;
  if (!account) reasons.push('no_savings_account');
  else if (ageDays < MIN_SAVINGS_AGE_DAYS) reasons.push('savings_too_recent');
  const inProgress = await manager.findOne(LoanApplication, { where: { openClientId: clientId } });
  if (inProgress) reasons.push('loan_in_progress');
  if (account && balance * MAX_SAVINGS_MULTIPLE < MIN_LOAN_AMOUNT) reasons.push('savings_too_low');
  const eligible = reasons.length === 0;
  return {
    eligible,
    reasons,
    savingsAccount: account,
    savingsBalance: balance,
    savingsAgeDays: ageDays,
    maxAmount: eligible ? balance * MAX_SAVINGS_MULTIPLE : 0,
    minAmount: MIN_LOAN_AMOUNT,
    inProgress,
  };
}
