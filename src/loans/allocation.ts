import type { LocalDate } from '../shared/sfd-calendar';
import type { LoanInstalment } from './entities';
import { dueOf, type InstalmentParts } from './instalments';

/**
 * How a repayment is split over a loan's instalments (pure: no I/O, so it is unit-tested by hand).
 *
 * The rule (issue 14): a repayment pays penalties, then interest, then principal, oldest instalment
 * first (per instalment its penalty, its interest, its principal; then the next one); what is left
 * goes to the next instalments. A payment that is not a payoff never waives any interest: paying ahead
 * pays the later instalments' interest like their principal.
 *
 * Early payoff: what closes the loan today is everything due on the instalments whose due date has
 * come (today included), the CURRENT period's (the first instalment due after today) remaining
 * interest and principal, and only the remaining principal of every later instalment: their remaining
 * interest is waived. A payment of at least that pays it and closes the loan; the rest is `excess`.
 */
export type InstalmentState = InstalmentParts & Pick<LoanInstalment, 'id' | 'n' | 'dueDate'>;

/** What one payment does to one instalment (only instalments it touches are listed). */
export interface InstalmentDelta {
  id: number;
  n: number;
  penalty: number;
  interest: number;
  principal: number;
  /** Interest forgiven by the payoff (later periods only). */
  waived: number;
  /** Whether the instalment has nothing left to pay after this payment. */
  paid: boolean;
}

export interface Allocation {
  instalments: InstalmentDelta[];
  totals: {
    penalty: number;
    interest: number;
    principal: number;
    waived: number;
    /** Paid beyond the payoff amount (only a payoff has any). */
    excess: number;
    /** The loan has nothing left to pay after this payment. */
    closes: boolean;
  };
}

const byOrder = (instalments: readonly InstalmentState[]) =>
  [...instalments].sort((a, b) => a.n - b.n || a.dueDate.localeCompare(b.dueDate));

/** The number of the current period: the first instalment due after today (null: none is). */
function currentN(ordered: readonly InstalmentState[], today: LocalDate): number | null {
  return ordered.find((i) => i.dueDate > today)?.n ?? null;
}

/**
 * What one instalment contributes to the payoff today: everything up to the current period; after
 * it, its penalty (normally none: it is not late) and its principal, its interest being waived.
 */
function payoffPartOf(i: InstalmentState, current: number | null) {
  const due = dueOf(i);
  const later = current !== null && i.n > current;
  return { ...due, waived: later ? due.interest : 0, interest: later ? 0 : due.interest };
}

/** What closes the loan today (LocalDate of the SFD): see the rule above. */
export function payoffAmount(instalments: readonly InstalmentState[], today: LocalDate): number {
  const ordered = byOrder(instalments);
  const current = currentN(ordered, today);
  return ordered.reduce((sum, i) => {
    const part = payoffPartOf(i, current);
    return sum + part.penalty + part.interest + part.principal;
  }, 0);
}

/** Splits `amount` (a positive integer of XOF) over the instalments, by the rule above. */
export function allocate(
  instalments: readonly InstalmentState[],
  amount: number,
  today: LocalDate,
): Allocation {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new Error('a repayment is a positive amount');
  const ordered = byOrder(instalments);
  const totals = { penalty: 0, interest: 0, principal: 0, waived: 0, excess: 0, closes: false };
  const deltas: InstalmentDelta[] = [];
  const payoff = payoffAmount(ordered, today);

  if (amount >= payoff) {
    const current = currentN(ordered, today);
    for (const i of ordered) {
      const part = payoffPartOf(i, current);
      if (part.penalty + part.interest + part.principal + part.waived === 0) continue;
      deltas.push({ id: i.id, n: i.n, ...pick(part), paid: true });
      add(totals, part);
    }
    totals.excess = amount - payoff;
    totals.closes = true;
    return { instalments: deltas, totals };
  }

  // Not a payoff: in order, part by part, nothing waived. `amount < payoff` ≤ the total due, so it
  // runs out before the instalments do and never closes the loan.
  let left = amount;
  for (const i of ordered) {
    if (left === 0) break;
    const due = dueOf(i);
    const penalty = Math.min(left, due.penalty);
    left -= penalty;
    const interest = Math.min(left, due.interest);
    left -= interest;
    const principal = Math.min(left, due.principal);
    left -= principal;
    if (penalty + interest + principal === 0) continue;
    const paid = penalty + interest + principal === due.total;
    deltas.push({ id: i.id, n: i.n, penalty, interest, principal, waived: 0, paid });
    add(totals, { penalty, interest, principal, waived: 0 });
  }
  return { instalments: deltas, totals };
}

const pick = (p: { penalty: number; interest: number; principal: number; waived: number }) => ({
  penalty: p.penalty,
  interest: p.interest,
  principal: p.principal,
  waived: p.waived,
});

function add(
  totals: Allocation['totals'],
  p: { penalty: number; interest: number; principal: number; waived: number },
): void {
  totals.penalty += p.penalty;
  totals.interest += p.interest;
  totals.principal += p.principal;
  totals.waived += p.waived;
}

/** The LoanDue figures of a loan's instalments today (see repayments.ts LoanDue). */
export interface DueSummary {
  /** The oldest instalment with something left to pay (late or not), with its penalty due. */
  next: { n: number; dueDate: LocalDate; total: number; penalty: number } | null;
  /** All that is due on instalments past their date (due before today), penalties included. */
  overdue: number;
  /** `overdue`, or when nothing is overdue the next instalment's remaining total; at most `payoff`. */
  dueNow: number;
  /** What closes the loan today. */
  payoff: number;
  /** Everything left on the schedule (penalties, interest not waived, principal): "what remains". */
  remaining: number;
}

export function dueSummary(instalments: readonly InstalmentState[], today: LocalDate): DueSummary {
  const ordered = byOrder(instalments);
  let overdue = 0;
  let remaining = 0;
  let next: DueSummary['next'] = null;
  for (const i of ordered) {
    const due = dueOf(i);
    remaining += due.total;
    if (due.total === 0) continue;
    if (i.dueDate < today) overdue += due.total;
    next ??= { n: i.n, dueDate: i.dueDate, total: due.total, penalty: due.penalty };
  }
  const payoff = payoffAmount(ordered, today);
  // Never more than closes the loan: paid ahead, the next instalment may lie after the current period,
  // whose interest a payoff waives.
  const dueNow = Math.min(overdue > 0 ? overdue : (next?.total ?? 0), payoff);
  return { next, overdue, dueNow, payoff, remaining };
}
