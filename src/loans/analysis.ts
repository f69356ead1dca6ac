import type { AccountMovement } from '../ledger/reads';
import { localDateOf, type LocalDate } from '../shared/sfd-calendar';

/**
 * The analysis report's pure part (issue 14): the month-by-month savings history from the ledger's
 * movements, ratios as decimal strings, and the reliability score with its factors. The figures it
 * is built from are read by reports.ts.
 */

/** `num / den` as a decimal string with 4 places, rounded half up ("0.2963"); null when den is 0. */
export function ratio4(num: number, den: number): string | null {
  if (den === 0) return null;
  const q = (BigInt(num) * 20_000n + BigInt(den)) / (2n * BigInt(den));
  return `${q / 10_000n}.${String(q % 10_000n).padStart(4, '0')}`;
}

/** "0.2963" → 2963 (ten-thousandths), for comparisons without floats. */
const tenThousandths = (ratio: string) => Number(ratio.replace('.', ''));

/** The `count` local months ending with `today`'s, oldest first ("2026-07" … "2026-12"). */
export function lastMonths(today: LocalDate, count: number): string[] {
  const y = Number(today.slice(0, 4));
  const m = Number(today.slice(5, 7)) - 1;
  const out: string[] = [];
  for (let k = count - 1; k >= 0; k--) {
    const d = new Date(Date.UTC(y, m - k, 1));
    out.push(d.toISOString().slice(0, 7));
  }
  return out;
}

export interface MonthMovements {
  month: string;
  depositsCount: number;
  depositsAmount: number;
  withdrawalsCount: number;
  withdrawalsAmount: number;
  /** The account's balance at the end of the month (now, for the current one). */
  closingBalance: number;
}

/**
 * A savings account's movements month by month: a credit is a deposit, a debit a withdrawal, except a
 * withdrawal whose payout failed and was reversed (a `…_reversal` entry on the same record): neither it
 * nor its reversal moved the client's money, so both are left out. `opening` is the balance before the
 * first month.
 */
export function savingsMonths(
  months: string[],
  opening: number,
  movements: AccountMovement[],
  timeZone: string,
): MonthMovements[] {
  const refOf = (m: AccountMovement) => `${m.refType ?? ''}:${m.refId ?? ''}`;
  const reversed = new Set(movements.filter((m) => m.entryKind.endsWith('_reversal')).map(refOf));
  const rows = new Map(
    months.map((month) => [
      month,
      { month, depositsCount: 0, depositsAmount: 0, withdrawalsCount: 0, withdrawalsAmount: 0, net: 0 },
    ]),
  );
  for (const m of movements) {
    const row = rows.get(localDateOf(m.at, timeZone).slice(0, 7));
    if (!row) continue;
    row.net += m.amount;
    if (reversed.has(refOf(m))) continue;
    if (m.amount > 0) {
      row.depositsCount += 1;
      row.depositsAmount += m.amount;
    } else {
      row.withdrawalsCount += 1;
      row.withdrawalsAmount += -m.amount;
    }
  }
  let balance = opening;
  return months.map((month) => {
    const { net, ...figures } = rows.get(month) as MonthMovements & { net: number };
    balance += net;
    return { ...figures, closingBalance: balance };
  });
}

export interface ScoreInput {
  /** Whole days since the savings account opened (0: none). */
  savingsAgeDays: number;
  /** Of the last 6 local months (the current one included), those with at least one deposit. */
  monthsWithDeposits: number;
  /** Local months in which the client contributed to a tontine (ever, in this SFD). */
  tontineMonthsActive: number;
  /** Earlier loans of the client (this application's excluded). */
  earlierLoans: number;
  /** Their instalments paid after, or still unpaid past, their due date. */
  lateInstalments: number;
  /** Whether one of them ever went en_defaut. */
  everDefaulted: boolean;
  /** The instalment ÷ the monthly income, 4 places; null when the income is unknown. */
  debtToIncome: string | null;
}

export interface ScoreFactor {
  name: 'savings_age' | 'savings_regularity' | 'tontine_record' | 'past_repayment' | 'debt_to_income';
  value: number | string | null;
  points: number;
  maxPoints: number;
}

/**
 * The reliability score, 0–100: the sum of five factors, each an integer from 0 to its maximum.
 * - savings_age (20): 0 under the 90 days of eligibility, else ⌊days × 20 / 365⌋ capped at 20 (a year
 *   of savings earns it all): 120 days → 6, 200 → 10.
 * - savings_regularity (30): 5 per month with a deposit among the last 6 (the habit a repayment needs).
 * - tontine_record (15): 3 per month the client contributed to a tontine, capped at 15 (5 months).
 * - past_repayment (25): no earlier loan → 10 (unknown: neither rewarded nor punished fully); an
 *   earlier loan ever en_defaut → 0; else 25 − 5 per late instalment, at least 0.
 * - debt_to_income (10): ≤ 0.30 → 10, ≤ 0.50 → 5, more → 0; an unknown income → 0 (capacity not shown).
 * Integer arithmetic throughout, so the same file always scores the same.
 */
export function reliabilityScore(s: ScoreInput): { total: number; factors: ScoreFactor[] } {
  const age = s.savingsAgeDays < 90 ? 0 : Math.min(20, Math.floor((s.savingsAgeDays * 20) / 365));
  const regularity = 5 * Math.min(6, s.monthsWithDeposits);
  const tontine = Math.min(15, 3 * s.tontineMonthsActive);
  const repayment = s.earlierLoans === 0 ? 10 : s.everDefaulted ? 0 : Math.max(0, 25 - 5 * s.lateInstalments);
  const dti =
    s.debtToIncome === null
      ? 0
      : tenThousandths(s.debtToIncome) <= 3000
        ? 10
        : tenThousandths(s.debtToIncome) <= 5000
          ? 5
          : 0;
  const factors: ScoreFactor[] = [
    { name: 'savings_age', value: s.savingsAgeDays, points: age, maxPoints: 20 },
    { name: 'savings_regularity', value: s.monthsWithDeposits, points: regularity, maxPoints: 30 },
    { name: 'tontine_record', value: s.tontineMonthsActive, points: tontine, maxPoints: 15 },
    {
      name: 'past_repayment',
      value: s.earlierLoans === 0 ? null : s.lateInstalments,
      points: repayment,
      maxPoints: 25,
    },
    { name: 'debt_to_income', value: s.debtToIncome, points: dti, maxPoints: 10 },
  ];
  return { total: factors.reduce((sum, f) => sum + f.points, 0), factors };
}
