import { Problem } from '../http/errors';
import type { LocalDate } from '../shared/sfd-calendar';
import { MIN_LOAN_AMOUNT } from './entities';
import { buildSchedule, dueDateAfter, type Schedule, type ScheduleMethod } from './schedule';
import { teg } from './teg';

/**
 * A loan's terms as the superviseur sets them (issue 14), checked and evaluated: the schedule they give
 * and their TEG, against the SFD's usury cap. Pure functions: the service reads the cap and the day,
 * these decide. Rates are integer basis points here (rate.ts turns the API's percentages into them).
 */

export interface LoanTermsInput {
  amount: number;
  annualRateBp: number;
  months: number;
  method: ScheduleMethod;
  fees: number;
  /** The daily penalty on a late instalment's unpaid amount, basis points a day. */
  penaltyDailyBp: number;
  /** Percent of the amount held on the savings from grant to solde, 0–100. */
  guaranteePct: number;
}

export interface EvaluatedTerms {
  schedule: Schedule;
  /** The TEG in percent, two decimals (12.68). */
  teg: number;
  /** The same in basis points (1268): what is stored and compared with the cap. */
  tegBp: number;
  /** The provisional first due date the schedule was computed with. */
  firstDueDate: LocalDate;
}

/**
 * The schedule of `terms` with a provisional first due date one month after `today` (the real one is
 * set at the disbursement; the dates move the rows, never the figures), and its TEG, fees included.
 */
export function evaluateTerms(terms: LoanTermsInput, today: LocalDate): EvaluatedTerms {
  const firstDueDate = dueDateAfter(today, 1);
  const schedule = buildSchedule({
    principal: terms.amount,
    annualRateBp: terms.annualRateBp,
    months: terms.months,
    method: terms.method,
    firstDueDate,
  });
  const tegPct = teg({ principal: terms.amount, fees: terms.fees, rows: schedule.rows });
  return { schedule, teg: tegPct, tegBp: Math.round(tegPct * 100), firstDueDate };
}

/** 1268 → "12.68" (GSM-7 and API text: a point, two decimals). */
export function formatBp(bp: number): string {
  const sign = bp < 0 ? '-' : '';
  const abs = Math.abs(bp);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * 409 `usury_exceeded` when the TEG is over the cap (equal is allowed); the problem names both, in
 * percent, in `detail` and as `errors.teg` / `errors.usury_cap` for programs.
 */
export function checkUsury(tegBp: number, capBp: number): void {
  if (tegBp <= capBp) return;
  throw new Problem(
    409,
    'usury_exceeded',
    `TEG ${formatBp(tegBp)}% is over the usury cap of ${formatBp(capBp)}%`,
    { teg: [formatBp(tegBp)], usury_cap: [formatBp(capBp)] },
  );
}

/**
 * The business rules on terms beyond their fields' ranges (the schemas check those): at most the amount
 * asked for, fees below the amount. Field errors (400), named as the API names the fields.
 */
/**
 * A loan's fees are at most this share of the amount (percent). Real file fees are a few percent; the
 * bound also keeps the TEG computable (fees near the amount make the IRR diverge).
 */
export const MAX_FEES_PCT = 10;

/** The fees' field error, if any: at most MAX_FEES_PCT % of the amount. */
export function feesError(fees: number, amount: number): string[] | null {
  return fees * 100 > amount * MAX_FEES_PCT ? [`at most ${MAX_FEES_PCT} % of the amount`] : null;
}

export function termsFieldErrors(terms: LoanTermsInput, asked: number): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  if (terms.amount < MIN_LOAN_AMOUNT) errors.amount = [`at least ${MIN_LOAN_AMOUNT}`];
  else if (terms.amount > asked) errors.amount = [`at most the ${asked} XOF asked for`];
  const fees = feesError(terms.fees, terms.amount);
  if (fees) errors.fees = fees;
  return errors;
}

/** The amount held on the savings: amount × pct / 100, rounded half up to the franc. */
export function guaranteeAmountOf(amount: number, pct: number): number {
  return Math.floor((2 * amount * pct + 100) / 200);
}
