import fc from 'fast-check';
import { allocate, dueSummary, payoffAmount, type InstalmentState } from '../../../src/loans/allocation';
import { dueOf } from '../../../src/loans/instalments';

/**
 * A three-month loan of 30,000 with round figures (the split does not depend on how the schedule was
 * built): principal 10,000 each month, interest 300 / 200 / 100, due on the 10th of January, February
 * and March 2026. Instalment 1 carries 50 of penalties (it is late on the 20th).
 */
const row = (n: number, dueDate: string, interest: number, over: Partial<InstalmentState> = {}) => ({
  id: 100 + n,
  n,
  dueDate,
  principal: 10_000,
  principalPaid: 0,
  interest,
  interestPaid: 0,
  interestWaived: 0,
  penaltyAccrued: 0,
  penaltyPaid: 0,
  ...over,
});
const loan = (): InstalmentState[] => [
  row(1, '2026-01-10', 300, { penaltyAccrued: 50 }),
  row(2, '2026-02-10', 200),
  row(3, '2026-03-10', 100),
];
const LATE = '2026-01-20';

describe('allocate', () => {
  it('a partial payment: the penalty, then the interest, then the principal of the oldest instalment', () => {
    // 5,000 = 50 (penalty of #1) + 300 (its interest) + 4,650 (its principal: 10,000 − 4,650 = 5,350 left).
    expect(allocate(loan(), 5000, LATE)).toEqual({
      instalments: [{ id: 101, n: 1, penalty: 50, interest: 300, principal: 4650, waived: 0, paid: false }],
      totals: { penalty: 50, interest: 300, principal: 4650, waived: 0, excess: 0, closes: false },
    });
  });

  it('an overpayment spills into the next instalment: its interest first, then its principal', () => {
    // #1 takes 50 + 300 + 10,000 = 10,350; the 4,650 left pay #2's interest 200 and 4,450 of principal.
    expect(allocate(loan(), 15_000, LATE)).toEqual({
      instalments: [
        { id: 101, n: 1, penalty: 50, interest: 300, principal: 10_000, waived: 0, paid: true },
        { id: 102, n: 2, penalty: 0, interest: 200, principal: 4450, waived: 0, paid: false },
      ],
      totals: { penalty: 50, interest: 500, principal: 14_450, waived: 0, excess: 0, closes: false },
    });
  });

  it('an early payoff: the current period interest is paid, the later ones waived, the rest excess', () => {
    // On 20 Jan #2 (due 10 Feb) is the current period. Payoff = #1 10,350 + #2 10,200 + #3 principal
    // 10,000 = 30,550; #3's 100 of interest is waived; 31,000 − 30,550 = 450 is excess.
    expect(payoffAmount(loan(), LATE)).toBe(30_550);
    expect(allocate(loan(), 31_000, LATE)).toEqual({
      instalments: [
        { id: 101, n: 1, penalty: 50, interest: 300, principal: 10_000, waived: 0, paid: true },
        { id: 102, n: 2, penalty: 0, interest: 200, principal: 10_000, waived: 0, paid: true },
        { id: 103, n: 3, penalty: 0, interest: 0, principal: 10_000, waived: 100, paid: true },
      ],
      totals: { penalty: 50, interest: 500, principal: 30_000, waived: 100, excess: 450, closes: true },
    });
    expect(allocate(loan(), 30_550, LATE).totals).toMatchObject({ excess: 0, closes: true, waived: 100 });
  });

  it('one franc under the payoff is no payoff: nothing waived, #3 pays its interest before its principal', () => {
    // 30,549 − 10,350 − 10,200 = 9,999 for #3: 100 interest, 9,899 principal; 101 left to pay.
    const a = allocate(loan(), 30_549, LATE);
    expect(a.instalments[2]).toEqual({
      id: 103,
      n: 3,
      penalty: 0,
      interest: 100,
      principal: 9899,
      waived: 0,
      paid: false,
    });
    expect(a.totals).toEqual({
      penalty: 50,
      interest: 600,
      principal: 29_899,
      waived: 0,
      excess: 0,
      closes: false,
    });
  });

  it('on a due date that instalment is due in full and the next one is the current period', () => {
    // 10 Feb: #1 10,350 + #2 10,200 (due today) + #3 (current) 10,100 = 30,650, nothing waived.
    expect(payoffAmount(loan(), '2026-02-10')).toBe(30_650);
    // Past the last due date everything is due.
    expect(payoffAmount(loan(), '2026-04-01')).toBe(30_650);
    // Before the first: #1 (current) 10,300 (no penalty yet) + 10,000 + 10,000.
    const early = loan().map((i) => ({ ...i, penaltyAccrued: 0 }));
    expect(payoffAmount(early, '2026-01-05')).toBe(30_300);
  });

  it('what was already paid is not asked again', () => {
    // #1 paid but 5,350 of principal: that is the first thing the next payment meets.
    const paidOnce = loan().map((i) =>
      i.n === 1 ? { ...i, penaltyPaid: 50, interestPaid: 300, principalPaid: 4650 } : i,
    );
    expect(allocate(paidOnce, 6000, LATE).instalments).toEqual([
      { id: 101, n: 1, penalty: 0, interest: 0, principal: 5350, waived: 0, paid: true },
      { id: 102, n: 2, penalty: 0, interest: 200, principal: 450, waived: 0, paid: false },
    ]);
  });

  it('refuses a non-positive or fractional amount', () => {
    expect(() => allocate(loan(), 0, LATE)).toThrow();
    expect(() => allocate(loan(), 10.5, LATE)).toThrow();
  });
});

describe('dueSummary', () => {
  it('paid ahead: what is due now never exceeds what closes the loan', () => {
    // #1 and #2 paid; on 20 Jan #2 is the current period, so #3 is a later one: payoff = its principal
    // 10,000 (its 100 of interest waived), though #3 itself still shows 10,100.
    const ahead = loan().map((i) =>
      i.n < 3
        ? { ...i, penaltyPaid: i.penaltyAccrued, interestPaid: i.interest, principalPaid: i.principal }
        : i,
    );
    expect(dueSummary(ahead, LATE)).toEqual({
      next: { n: 3, dueDate: '2026-03-10', total: 10_100, penalty: 0 },
      overdue: 0,
      dueNow: 10_000,
      payoff: 10_000,
      remaining: 10_100,
    });
  });

  it('late: the overdue instalment with its penalty is due now', () => {
    // remaining = 10,350 + 10,200 + 10,100 = 30,650.
    expect(dueSummary(loan(), LATE)).toEqual({
      next: { n: 1, dueDate: '2026-01-10', total: 10_350, penalty: 50 },
      overdue: 10_350,
      dueNow: 10_350,
      payoff: 30_550,
      remaining: 30_650,
    });
  });

  it('nothing late: the next instalment is due now; all paid: nothing', () => {
    const early = loan().map((i) => ({ ...i, penaltyAccrued: 0 }));
    expect(dueSummary(early, '2026-01-10')).toEqual({
      next: { n: 1, dueDate: '2026-01-10', total: 10_300, penalty: 0 },
      overdue: 0,
      dueNow: 10_300,
      payoff: 30_500, // 10 Jan: #1 due today 10,300 + #2 (current) 10,200 + #3 principal 10,000.
      remaining: 30_600,
    });
    const done = loan().map((i) => ({
      ...i,
      principalPaid: i.principal,
      interestPaid: i.interest,
      penaltyPaid: i.penaltyAccrued,
    }));
    expect(dueSummary(done, LATE)).toEqual({ next: null, overdue: 0, dueNow: 0, payoff: 0, remaining: 0 });
  });
});

/** A random loan's instalments (monthly due dates), some partly paid, and a day and an amount. */
const arbitraryCase = fc
  .array(
    fc.record({
      principal: fc.integer({ min: 0, max: 200_000 }),
      interest: fc.integer({ min: 0, max: 20_000 }),
      penalty: fc.integer({ min: 0, max: 5_000 }),
      paidShare: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    { minLength: 1, maxLength: 24 },
  )
  .chain((rows) =>
    fc.record({
      instalments: fc.constant(
        rows.map((r, k): InstalmentState => {
          const principalPaid = Math.floor(r.principal * r.paidShare);
          return {
            id: k + 1,
            n: k + 1,
            dueDate: `${2026 + Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}-15`,
            principal: r.principal,
            principalPaid,
            interest: r.interest,
            interestPaid: principalPaid > 0 ? r.interest : 0,
            interestWaived: 0,
            penaltyAccrued: r.penalty,
            penaltyPaid: principalPaid > 0 ? r.penalty : 0,
          };
        }),
      ),
      today: fc.constantFrom(
        '2025-12-01',
        '2026-01-15',
        '2026-03-20',
        '2026-07-15',
        '2027-02-01',
        '2029-01-01',
      ),
      amount: fc.integer({ min: 1, max: 6_000_000 }),
    }),
  );

describe('allocate: properties', () => {
  it('the parts and the excess sum to the amount; no part above its due; oldest first; closes iff nothing is left', () => {
    fc.assert(
      fc.property(arbitraryCase, ({ instalments, today, amount }) => {
        const payoff = payoffAmount(instalments, today);
        if (payoff === 0) return; // nothing owed: no payment is accepted (repayments.ts)
        const a = allocate(instalments, amount, today);
        const t = a.totals;
        expect(t.penalty + t.interest + t.principal + t.excess).toBe(amount);
        expect(t.excess).toBe(Math.max(0, amount - payoff));
        expect(t.closes).toBe(amount >= payoff);
        if (!t.closes) expect(t.waived).toBe(0);
        const byId = new Map(instalments.map((i) => [i.id, i]));
        let sawUnpaid = false;
        for (const d of a.instalments) {
          const due = dueOf(byId.get(d.id) as InstalmentState);
          expect(d.penalty).toBeLessThanOrEqual(due.penalty);
          expect(d.interest + d.waived).toBeLessThanOrEqual(due.interest);
          expect(d.principal).toBeLessThanOrEqual(due.principal);
          expect(d.paid).toBe(d.penalty + d.interest + d.waived + d.principal === due.total);
          // Oldest first: nothing is paid on an instalment after one left unpaid.
          expect(sawUnpaid).toBe(false);
          if (!d.paid) sawUnpaid = true;
          // Within an instalment (not a payoff): interest only once the penalty is paid, principal once the interest is.
          if (!t.closes && d.interest > 0) expect(d.penalty).toBe(due.penalty);
          if (!t.closes && d.principal > 0) expect(d.interest).toBe(due.interest);
        }
        const summary = dueSummary(instalments, today);
        expect(summary.payoff).toBe(payoff);
        expect(summary.payoff).toBeLessThanOrEqual(summary.remaining);
        expect(summary.dueNow).toBeLessThanOrEqual(summary.payoff);
      }),
      { numRuns: 500, seed: 14 },
    );
  });
});
