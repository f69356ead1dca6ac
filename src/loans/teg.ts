/**
 * The loan's effective global rate (TEG, issue 14): the rate that makes the schedule's cash flows worth
 * nothing today, the loan's fees included. The borrower receives the principal less the fees at t0
 * and pays each row's total at its month; the monthly internal rate of return i solves
 *
 *     (principal − fees) = Σ total_k / (1 + i)^k
 *
 * and the TEG is i × 12 (proportional, not compounded: how UEMOA's usury law counts it), in percent.
 *
 * Solved by bisection: the present value of the repayments falls strictly as i rises, so the root is
 * unique and bisection cannot miss it or diverge (Newton can, on a schedule with a big last payment).
 * 40 halvings of a bracket of width 1 bring it under 1e-12 on the monthly rate, well inside the
 * 1e-10 asked for; 60 rows × 40 iterations is nothing to compute.
 */

export interface TegInput {
  /** The amount lent, integer XOF. */
  principal: number;
  /** The loan's fees, kept from or paid on the disbursement, integer XOF, less than the principal. */
  fees: number;
  /** The schedule's rows: `n` is the month the row falls due (1 for the first), `total` what is paid. */
  rows: readonly { n: number; total: number }[];
}

/** The tolerance on the monthly rate. */
const TOLERANCE = 1e-12;

/** The monthly IRR of the loan's cash flows (a fraction: 0.01 for 1 % a month). */
export function monthlyRate({ principal, fees, rows }: TegInput): number {
  if (!Number.isSafeInteger(principal) || principal < 1) {
    throw new RangeError(`principal must be a positive integer number of francs: ${principal}`);
  }
  if (!Number.isSafeInteger(fees) || fees < 0 || fees >= principal) {
    throw new RangeError(`fees must be an integer from 0 to less than the principal: ${fees}`);
  }
  if (rows.length === 0) throw new RangeError('the schedule has no rows');
  for (const r of rows) {
    if (!Number.isInteger(r.n) || r.n < 1 || !Number.isSafeInteger(r.total) || r.total < 0) {
      throw new RangeError(`a row needs a month n ≥ 1 and a total ≥ 0: ${JSON.stringify(r)}`);
    }
  }
  const received = principal - fees;
  // Positive once the rate is high enough: what the borrower got minus what the repayments are worth.
  const net = (i: number) => received - rows.reduce((s, r) => s + r.total / (1 + i) ** r.n, 0);

  // A bracket [lo, hi] with net(lo) ≤ 0 ≤ net(hi). Repaying less than received (a gift) gives a
  // negative rate, down to −100 % a month; a usurious schedule needs hi to grow.
  let lo = 0;
  let hi = 1;
  if (net(lo) > 0) {
    lo = -0.999_999;
    hi = 0;
    if (net(lo) > 0) throw new RangeError('the repayments are worth nothing at any rate');
  }
  while (net(hi) < 0) {
    lo = hi;
    hi *= 2;
    if (hi > 1e6) throw new RangeError('no rate returns the cash flows');
  }
  while (hi - lo > TOLERANCE) {
    const mid = (lo + hi) / 2;
    if (net(mid) < 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The TEG in percent with two decimals (12.68), the figure shown on the analysis report and sent to
 * the client, and the one the cap is checked on. Rounding to the basis point matters: the schedule's
 * rounded francs move the exact IRR a few thousandths of a point (100 000 at exactly 24 % over 12
 * months comes out at 23.9978 %), and a loan at the nominal cap must not be refused for that.
 */
export function teg(input: TegInput): number {
  // `+ 0` turns a −0 (a rate a hair under zero) into 0.
  return Math.round(monthlyRate(input) * 12 * 100 * 100) / 100 + 0;
}

/**
 * True when the TEG is over the usury cap (the SFD's, 24 % by default). Compared in whole basis points
 * so that a float like 24.000000000000004 does not count as over 24. A TEG equal to the cap is allowed.
 */
export function exceedsUsury(tegPct: number, capPct: number): boolean {
  if (!Number.isFinite(tegPct) || !Number.isFinite(capPct) || capPct < 0) {
    throw new RangeError(`rates must be finite numbers: ${tegPct}, ${capPct}`);
  }
  return Math.round(tegPct * 100) > Math.round(capPct * 100);
}

export const DEFAULT_USURY_CAP_PCT = 24;
