/**
 * Loan rates as integer basis points (1 bp = 0.01 %): 12 % is 1200, 13.5 % is 1350. A rate read as a
 * float percentage drifts (13.5 / 100 / 12 is not exactly 0.01125 in binary), a rate in basis points
 * stays exact through the schedule's arithmetic, where the monthly rate is the fraction bp / 120 000.
 */

/** The highest annual rate a schedule accepts: 100 %/year, far above any usury cap. */
export const MAX_RATE_BP = 10_000;

/**
 * '13.5', '12', '0.25', 13.5 → basis points, read as decimal text (never multiplied as a float). At
 * most two decimals: a rate finer than a basis point is refused (RangeError), not rounded.
 */
export function basisPoints(percent: string | number): number {
  const text = typeof percent === 'number' ? String(percent) : percent.trim();
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) throw new RangeError(`rate must be a percentage with at most two decimals: ${text}`);
  const bp = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  if (bp > MAX_RATE_BP) throw new RangeError(`rate above ${MAX_RATE_BP / 100}%: ${text}`);
  return bp;
}

/** 1350 → 13.5 (for display and for answers in percent). */
export const percentOf = (bp: number) => bp / 100;
