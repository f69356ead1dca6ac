import { buildSchedule, type ScheduleTerms } from '../../../src/loans/schedule';
import { DEFAULT_USURY_CAP_PCT, exceedsUsury, monthlyRate, teg } from '../../../src/loans/teg';

const schedule = (over: Partial<ScheduleTerms>) =>
  buildSchedule({
    principal: 100_000,
    annualRateBp: 1200,
    months: 12,
    method: 'annuity',
    firstDueDate: '2026-02-15',
    ...over,
  });

/** What the repayments are worth at monthly rate i, less what the borrower received. */
const netAt = (i: number, received: number, rows: { n: number; total: number }[]) =>
  rows.reduce((s, r) => s + r.total / (1 + i) ** r.n, 0) - received;

describe('TEG: the annualized rate of the cash flows, fees included', () => {
  it('without fees equals the nominal rate: 12.00 for 12 %', () => {
    const { rows } = schedule({});
    // The rounded instalments (8 885 instead of 8 884.88) move the exact IRR to 12.0009 %: 12.00.
    expect(teg({ principal: 100_000, fees: 0, rows })).toBe(12);
    expect(monthlyRate({ principal: 100_000, fees: 0, rows }) * 1200).toBeCloseTo(12.0009, 4);
  });

  it('finds the root of the cash flows to 1e-10 on the monthly rate', () => {
    const { rows } = schedule({});
    const i = monthlyRate({ principal: 100_000, fees: 2000, rows });
    // The repayments discounted at i are worth the 98 000 received; 1e-10 either side changes the sign.
    expect(Math.abs(netAt(i, 98_000, rows))).toBeLessThan(1e-4);
    expect(netAt(i - 1e-10, 98_000, rows)).toBeGreaterThan(0);
    expect(netAt(i + 1e-10, 98_000, rows)).toBeLessThan(0);
  });

  it('2 % of fees (2 000) on 100 000 at 12 % over 12 months raise it to 15.86', () => {
    const { rows } = schedule({});
    // The borrower gets 98 000 and repays the same 106 619: the IRR is 1.32129 % a month, × 12.
    expect(teg({ principal: 100_000, fees: 2000, rows })).toBe(15.86);
  });

  it('one month, hand-checked: 98 000 received, 101 000 repaid → 3 000 / 98 000 × 12 = 36.73', () => {
    const { rows } = schedule({ months: 1 });
    // i = 101 000 / 98 000 − 1 = 0.0306122…; × 1 200 = 36.7347 %.
    expect(teg({ principal: 100_000, fees: 2000, rows })).toBe(36.73);
    expect(monthlyRate({ principal: 100_000, fees: 2000, rows })).toBeCloseTo(3000 / 98_000, 10);
    expect(teg({ principal: 100_000, fees: 0, rows })).toBe(12);
  });

  it('a loan at exactly the 24 % cap is not refused for the rounding of its francs', () => {
    const { rows } = schedule({ annualRateBp: 2400 });
    // The exact IRR is 23.9978 % (the last instalment is 2 francs short): shown as 24.00, within the cap.
    const rate = teg({ principal: 100_000, fees: 0, rows });
    expect(rate).toBe(24);
    expect(exceedsUsury(rate, DEFAULT_USURY_CAP_PCT)).toBe(false);
  });

  it('fees push a nominal 22 % over the 24 % cap: 25.95, refused', () => {
    const { rows } = schedule({ annualRateBp: 2200 });
    expect(teg({ principal: 100_000, fees: 0, rows })).toBe(22);
    expect(exceedsUsury(22, DEFAULT_USURY_CAP_PCT)).toBe(false);
    const withFees = teg({ principal: 100_000, fees: 2000, rows });
    expect(withFees).toBe(25.95);
    expect(exceedsUsury(withFees, DEFAULT_USURY_CAP_PCT)).toBe(true);
    // An SFD with a cap of 26 % accepts it.
    expect(exceedsUsury(withFees, 26)).toBe(false);
  });

  it('a flat rate is dearer than its nominal figure: flat 12 % is a TEG of 21.46, flat 13.5 % is over 24', () => {
    const flat12 = schedule({ method: 'flat' }).rows;
    expect(teg({ principal: 100_000, fees: 0, rows: flat12 })).toBe(21.46);
    const flat135 = schedule({ method: 'flat', annualRateBp: 1350 }).rows;
    expect(teg({ principal: 100_000, fees: 0, rows: flat135 })).toBe(24.05);
    expect(exceedsUsury(24.05, DEFAULT_USURY_CAP_PCT)).toBe(true);
  });

  it('over 60 months: 12 % stays 12.00, and 2 000 of fees spread over five years add less', () => {
    const { rows } = schedule({ months: 60 });
    expect(teg({ principal: 100_000, fees: 0, rows })).toBe(12);
    expect(teg({ principal: 100_000, fees: 2000, rows })).toBe(12.89);
  });

  it('a zero rate is a TEG of 0, and its fees alone are a rate', () => {
    const { rows } = schedule({ annualRateBp: 0 });
    expect(teg({ principal: 100_000, fees: 0, rows })).toBe(0);
    expect(Object.is(teg({ principal: 100_000, fees: 0, rows }), 0)).toBe(true);
    expect(teg({ principal: 100_000, fees: 2000, rows })).toBe(3.75);
  });

  it('a schedule repaying less than was lent has a negative rate', () => {
    // 100 000 lent, 99 000 repaid after a month: i = 99 000 / 100 000 − 1 = −1 % → −12 %.
    expect(teg({ principal: 100_000, fees: 0, rows: [{ n: 1, total: 99_000 }] })).toBe(-12);
  });

  it('a usurious schedule is still solved: 100 000 lent, 200 000 back after one month is 1 200 %', () => {
    expect(teg({ principal: 100_000, fees: 0, rows: [{ n: 1, total: 200_000 }] })).toBe(1200);
  });

  it.each([
    ['no rows', { principal: 100_000, fees: 0, rows: [] }],
    ['fees equal to the principal', { principal: 100_000, fees: 100_000, rows: [{ n: 1, total: 1 }] }],
    ['negative fees', { principal: 100_000, fees: -1, rows: [{ n: 1, total: 101_000 }] }],
    ['a zero principal', { principal: 0, fees: 0, rows: [{ n: 1, total: 1 }] }],
    ['a row at month 0', { principal: 100_000, fees: 0, rows: [{ n: 0, total: 101_000 }] }],
    ['a negative row total', { principal: 100_000, fees: 0, rows: [{ n: 1, total: -1 }] }],
    ['repayments of nothing', { principal: 100_000, fees: 0, rows: [{ n: 1, total: 0 }] }],
  ])('refuses %s with a RangeError', (_label, input) => {
    expect(() => teg(input)).toThrow(RangeError);
  });
});

describe('exceedsUsury', () => {
  it('allows a TEG equal to the cap and refuses one basis point more', () => {
    expect(exceedsUsury(24, 24)).toBe(false);
    expect(exceedsUsury(23.99, 24)).toBe(false);
    expect(exceedsUsury(24.01, 24)).toBe(true);
    // Float noise is not a basis point: 0.1 + 0.2 style drift above 24 still counts as 24.
    expect(exceedsUsury(24.000000000000004, 24)).toBe(false);
    expect(exceedsUsury(22, 20)).toBe(true);
  });

  it('refuses rates that are not numbers', () => {
    expect(() => exceedsUsury(Number.NaN, 24)).toThrow(RangeError);
    expect(() => exceedsUsury(12, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
