import type { EntityManager } from 'typeorm';
import { LoanApplication } from './entities';
import type { LoanTermsInput } from './terms';

/** What the applications' steps share: the row lock and the views their audit rows show. */

export const APPLICATION_VIEW = (a: LoanApplication) => ({
  status: a.status,
  ...(a.reason ? { reason: a.reason } : {}),
});
export const termsView = (t: LoanTermsInput & { tegBp: number }) => ({
  amount: t.amount,
  annual_rate_bp: t.annualRateBp,
  months: t.months,
  method: t.method,
  fees: t.fees,
  penalty_daily_bp: t.penaltyDailyBp,
  guarantee_pct: t.guaranteePct,
  teg_bp: t.tegBp,
});

/** The application's row, locked for the transaction (MySQL; SQLite runs one at a time). */
export function lockApplication(manager: EntityManager, id: number): Promise<LoanApplication | null> {
  const mysql = manager.connection.options.type === 'mysql';
  return manager.findOne(LoanApplication, {
    where: { id },
    ...(mysql ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
}
