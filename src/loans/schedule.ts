import type { LocalDate } from '../shared/sfd-calendar';
import { MAX_RATE_BP } from './rate';

/**
 * A loan's monthly repayment schedule (issue 14), a pure function of the terms: integer XOF, rounded
 * half up, the last instalment absorbing the rounding so the principal parts sum to the principal.
 *
 * - `annuity`: interest on the declining balance. The regular instalment is P·r / (1 − (1 + r)^−n)
 *   rounded half up; each period's interest is the outstanding × r rounded half up, its principal part
 *   the instalment minus that interest; the last period repays the whole remaining outstanding (its
 *   total is then a few francs off the regular instalment).
 * - `flat`: each period's interest is on the ORIGINAL principal, P × r rounded half up (the same every
 *   month); the principal parts are P / n rounded half up, the last taking the remainder.
 * - A zero rate (either method): no interest, equal principal parts, the last taking the remainder.
 *
 * r = annual rate / 12. The rate is integer basis points, so r is exactly the fraction bp / 120 000
 * and every computation here runs on BigInt integers: the instalment is the exact rational
 * P·bp·N^n / (D·(N^n − D^n)), with D = 120 000 and N = D + bp, rounded half up once. Nothing is
 * approximated (no float, no series), so the figures do not depend on the platform and a value that
 * falls exactly on half a franc (50 at 12 % over one month: 50.5) rounds up, as the rule says.
 * N^60 has about 305 digits: BigInt multiplies that in microseconds.
 */

export type ScheduleMethod = 'annuity' | 'flat';

export interface ScheduleTerms {
  /** Integer XOF, at least 1. */
  principal: number;
  /** Annual nominal rate in basis points (1200 = 12 %), an integer from 0 to MAX_RATE_BP. */
  annualRateBp: number;
  /** 1 to 60. */
  months: number;
  method: ScheduleMethod;
  /** The first instalment's due date; the others fall on the same day of the following months. */
  firstDueDate: LocalDate;
}

export interface ScheduleRow {
  /** 1 for the first instalment. */
  n: number;
  dueDate: LocalDate;
  principal: number;
  interest: number;
  total: number;
  /** The principal still owed once this instalment is paid (0 after the last). */
  outstandingAfter: number;
}

export interface Schedule {
  /** The regular instalment (the last one may differ by the rounding it absorbs). */
  instalment: number;
  rows: ScheduleRow[];
  totals: { principal: number; interest: number; total: number };
}

export const MIN_MONTHS = 1;
export const MAX_MONTHS = 60;

/** The monthly rate's denominator: r = bp / (12 × 10 000). */
const D = 120_000n;

/** ⌊num / den + 1/2⌋ for num ≥ 0, den > 0: round half up. */
function roundHalfUp(num: bigint, den: bigint): bigint {
  return (2n * num + den) / (2n * den);
}

function checkTerms(t: ScheduleTerms): void {
  if (!Number.isSafeInteger(t.principal) || t.principal < 1) {
    throw new RangeError(`principal must be a positive integer number of francs: ${t.principal}`);
  }
  if (!Number.isInteger(t.annualRateBp) || t.annualRateBp < 0 || t.annualRateBp > MAX_RATE_BP) {
    throw new RangeError(`annualRateBp must be an integer from 0 to ${MAX_RATE_BP}: ${t.annualRateBp}`);
  }
  if (!Number.isInteger(t.months) || t.months < MIN_MONTHS || t.months > MAX_MONTHS) {
    throw new RangeError(`months must be an integer from ${MIN_MONTHS} to ${MAX_MONTHS}: ${t.months}`);
  }
  if (t.method !== 'annuity' && t.method !== 'flat') {
    throw new RangeError(`method must be annuity or flat: ${String(t.method)}`);
  }
  parseDate(t.firstDueDate);
}

function parseDate(date: LocalDate): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  if (!m || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) {
    throw new RangeError(`firstDueDate must be a calendar date YYYY-MM-DD: ${date}`);
  }
  return [y, mo, d];
}

/** `month` 1–12. Day 0 of the next month is this month's last day. */
function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The due date `k` months after `first`: the same day of the month, or the month's last day when the
 * month is shorter (31 January → 28 or 29 February → 31 March → 30 April). Always counted from the
 * first due date, never from the previous one, so a short month does not pull the later dates back.
 */
export function dueDateAfter(first: LocalDate, k: number): LocalDate {
  const [y, mo, d] = parseDate(first);
  const index = y * 12 + (mo - 1) + k;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const day = Math.min(d, daysInMonth(year, month));
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The regular annuity instalment, exact then rounded half up once (see the module comment). */
function annuityInstalment(principal: bigint, bp: bigint, months: number): bigint {
  const n = BigInt(months);
  const grown = (D + bp) ** n;
  const base = D ** n;
  return roundHalfUp(principal * bp * grown, D * (grown - base));
}

export function buildSchedule(terms: ScheduleTerms): Schedule {
  checkTerms(terms);
  const { months, method, firstDueDate } = terms;
  const P = BigInt(terms.principal);
  const bp = BigInt(terms.annualRateBp);

  // Equal principal parts (flat, zero rate) and flat interest on the original principal.
  const equalPart = roundHalfUp(P, BigInt(months));
  const flatInterest = roundHalfUp(P * bp, D);
  const instalment =
    bp === 0n ? equalPart : method === 'flat' ? equalPart + flatInterest : annuityInstalment(P, bp, months);

  const rows: ScheduleRow[] = [];
  let outstanding = P;
  for (let k = 1; k <= months; k++) {
    const interest = method === 'flat' ? flatInterest : roundHalfUp(outstanding * bp, D);
    const regular = bp === 0n || method === 'flat' ? equalPart : instalment - interest;
    const principal = k === months ? outstanding : regular;
    // Only a principal too small for its duration gets here (e.g. 100 francs over 60 months: parts of 2
    // leave −18 for the last); the loans' minimum amount (10 000) is far above that.
    if (principal < 0n || principal > outstanding) {
      throw new RangeError(`principal ${terms.principal} is too small to spread over ${months} months`);
    }
    outstanding -= principal;
    rows.push({
      n: k,
      dueDate: dueDateAfter(firstDueDate, k - 1),
      principal: Number(principal),
      interest: Number(interest),
      total: Number(principal + interest),
      outstandingAfter: Number(outstanding),
    });
  }

  const sum = (pick: (r: ScheduleRow) => number) => rows.reduce((s, r) => s + pick(r), 0);
  return {
    instalment: Number(instalment),
    rows,
    totals: {
      principal: sum((r) => r.principal),
      interest: sum((r) => r.interest),
      total: sum((r) => r.total),
    },
  };
}
