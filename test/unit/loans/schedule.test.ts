import { basisPoints, percentOf } from '../../../src/loans/rate';
import {
  buildSchedule,
  dueDateAfter,
  type ScheduleRow,
  type ScheduleTerms,
} from '../../../src/loans/schedule';

/** [n, principal, interest, total, outstandingAfter]: a row without its due date. */
type Row = [number, number, number, number, number];

const terms = (over: Partial<ScheduleTerms>): ScheduleTerms => ({
  principal: 100_000,
  annualRateBp: 1200,
  months: 12,
  method: 'annuity',
  firstDueDate: '2026-02-15',
  ...over,
});

const tuples = (rows: ScheduleRow[]): Row[] =>
  rows.map((r) => [r.n, r.principal, r.interest, r.total, r.outstandingAfter]);

/** The annuity formula in plain floats: an independent check of the instalment worked out by hand. */
const floatInstalment = (P: number, annualPct: number, n: number) => {
  const r = annualPct / 100 / 12;
  return (P * r) / (1 - (1 + r) ** -n);
};

/**
 * What every schedule must satisfy whatever its terms: each total is its principal plus its interest,
 * the outstanding falls by each principal part to exactly 0, every part is a non-negative integer,
 * the totals are the sums of the rows and the principal parts sum to the principal.
 */
function expectConsistent(s: ReturnType<typeof buildSchedule>, principal: number) {
  let outstanding = principal;
  s.rows.forEach((r, i) => {
    expect(r.n).toBe(i + 1);
    for (const v of [r.principal, r.interest, r.total, r.outstandingAfter]) {
      expect(Number.isInteger(v) && v >= 0).toBe(true);
    }
    expect(r.total).toBe(r.principal + r.interest);
    outstanding -= r.principal;
    expect(r.outstandingAfter).toBe(outstanding);
  });
  expect(outstanding).toBe(0);
  const sum = (pick: (r: ScheduleRow) => number) => s.rows.reduce((acc, r) => acc + pick(r), 0);
  expect(s.totals).toEqual({
    principal,
    interest: sum((r) => r.interest),
    total: sum((r) => r.total),
  });
}

describe('loan schedule: annuity on the declining balance', () => {
  it('100 000 at 12 %/year over 12 months: instalment 8 885, every row and the sums exact', () => {
    // r = 12 % / 12 = 1 % a month. Instalment = 100 000 × 0.01 / (1 − 1.01^−12)
    //   1.01^12 = 1.126825…, 1.01^−12 = 0.887449…, 1 − that = 0.112551… → 1 000 / 0.112551 = 8 884.88 → 8 885.
    expect(floatInstalment(100_000, 12, 12)).toBeCloseTo(8884.8789, 4);
    const s = buildSchedule(terms({}));
    expect(s.instalment).toBe(8885);
    // Interest = outstanding × 1 % rounded half up; principal = 8 885 − interest.
    expect(tuples(s.rows)).toEqual<Row[]>([
      [1, 7885, 1000, 8885, 92115], // 100 000 × 1 % = 1 000; 8 885 − 1 000 = 7 885; 100 000 − 7 885 = 92 115
      [2, 7964, 921, 8885, 84151], // 92 115 × 1 % = 921.15 → 921; 8 885 − 921 = 7 964; 92 115 − 7 964 = 84 151
      [3, 8043, 842, 8885, 76108], // 84 151 × 1 % = 841.51 → 842; 8 885 − 842 = 8 043; 84 151 − 8 043 = 76 108
      [4, 8124, 761, 8885, 67984], // 76 108 × 1 % = 761.08 → 761; 8 885 − 761 = 8 124; 76 108 − 8 124 = 67 984
      [5, 8205, 680, 8885, 59779], // 67 984 × 1 % = 679.84 → 680; 8 885 − 680 = 8 205; 67 984 − 8 205 = 59 779
      [6, 8287, 598, 8885, 51492], // 59 779 × 1 % = 597.79 → 598; 8 885 − 598 = 8 287; 59 779 − 8 287 = 51 492
      [7, 8370, 515, 8885, 43122], // 51 492 × 1 % = 514.92 → 515; 8 885 − 515 = 8 370; 51 492 − 8 370 = 43 122
      [8, 8454, 431, 8885, 34668], // 43 122 × 1 % = 431.22 → 431; 8 885 − 431 = 8 454; 43 122 − 8 454 = 34 668
      [9, 8538, 347, 8885, 26130], // 34 668 × 1 % = 346.68 → 347; 8 885 − 347 = 8 538; 34 668 − 8 538 = 26 130
      [10, 8624, 261, 8885, 17506], // 26 130 × 1 % = 261.30 → 261; 8 885 − 261 = 8 624; 26 130 − 8 624 = 17 506
      [11, 8710, 175, 8885, 8796], // 17 506 × 1 % = 175.06 → 175; 8 885 − 175 = 8 710; 17 506 − 8 710 = 8 796
      [12, 8796, 88, 8884, 0], // 8 796 × 1 % = 87.96 → 88; the last repays the 8 796 left: 8 796 + 88 = 8 884
    ]);
    // Interest 1 000 + 921 + 842 + 761 + 680 + 598 + 515 + 431 + 347 + 261 + 175 + 88 = 6 619;
    // total 11 × 8 885 + 8 884 = 106 619 = 100 000 + 6 619.
    expect(s.totals).toEqual({ principal: 100_000, interest: 6619, total: 106_619 });
    expectConsistent(s, 100_000);
  });

  it('100 000 at 24 %/year over 12 months: instalment 9 456, every row and the sums exact', () => {
    // r = 2 %. 1.02^12 = 1.268242…, 1 − 1.02^−12 = 0.211507… → 2 000 / 0.211507 = 9 455.96 → 9 456.
    expect(floatInstalment(100_000, 24, 12)).toBeCloseTo(9455.9597, 4);
    const s = buildSchedule(terms({ annualRateBp: 2400 }));
    expect(s.instalment).toBe(9456);
    expect(tuples(s.rows)).toEqual<Row[]>([
      [1, 7456, 2000, 9456, 92544], // 100 000 × 2 % = 2 000; 9 456 − 2 000 = 7 456; 100 000 − 7 456 = 92 544
      [2, 7605, 1851, 9456, 84939], // 92 544 × 2 % = 1 850.88 → 1 851; 9 456 − 1 851 = 7 605; → 84 939
      [3, 7757, 1699, 9456, 77182], // 84 939 × 2 % = 1 698.78 → 1 699; 9 456 − 1 699 = 7 757; → 77 182
      [4, 7912, 1544, 9456, 69270], // 77 182 × 2 % = 1 543.64 → 1 544; 9 456 − 1 544 = 7 912; → 69 270
      [5, 8071, 1385, 9456, 61199], // 69 270 × 2 % = 1 385.40 → 1 385; 9 456 − 1 385 = 8 071; → 61 199
      [6, 8232, 1224, 9456, 52967], // 61 199 × 2 % = 1 223.98 → 1 224; 9 456 − 1 224 = 8 232; → 52 967
      [7, 8397, 1059, 9456, 44570], // 52 967 × 2 % = 1 059.34 → 1 059; 9 456 − 1 059 = 8 397; → 44 570
      [8, 8565, 891, 9456, 36005], // 44 570 × 2 % = 891.40 → 891; 9 456 − 891 = 8 565; → 36 005
      [9, 8736, 720, 9456, 27269], // 36 005 × 2 % = 720.10 → 720; 9 456 − 720 = 8 736; → 27 269
      [10, 8911, 545, 9456, 18358], // 27 269 × 2 % = 545.38 → 545; 9 456 − 545 = 8 911; → 18 358
      [11, 9089, 367, 9456, 9269], // 18 358 × 2 % = 367.16 → 367; 9 456 − 367 = 9 089; → 9 269
      [12, 9269, 185, 9454, 0], // 9 269 × 2 % = 185.38 → 185; the last repays the 9 269 left: 9 269 + 185 = 9 454
    ]);
    // Interest 2 000 + 1 851 + 1 699 + 1 544 + 1 385 + 1 224 + 1 059 + 891 + 720 + 545 + 367 + 185 = 13 470;
    // total 11 × 9 456 + 9 454 = 113 470.
    expect(s.totals).toEqual({ principal: 100_000, interest: 13_470, total: 113_470 });
    expectConsistent(s, 100_000);
  });

  it('one month: the instalment is the principal plus one month of interest', () => {
    // 100 000 × 0.01 / (1 − 1/1.01) = 100 000 × 1.01 = 101 000, exactly.
    const s = buildSchedule(terms({ months: 1 }));
    expect(s.instalment).toBe(101_000);
    expect(tuples(s.rows)).toEqual<Row[]>([[1, 100_000, 1000, 101_000, 0]]);
    expect(s.rows[0].dueDate).toBe('2026-02-15');
  });

  it('rounds half up, exactly, where a float would sit on either side of half a franc', () => {
    // 50 at 12 % over one month: 50 × 1.01 = 50.5 exactly → 51; the interest 50 × 1 % = 0.5 → 1.
    const s = buildSchedule(terms({ principal: 50, months: 1 }));
    expect(s.instalment).toBe(51);
    expect(tuples(s.rows)).toEqual<Row[]>([[1, 50, 1, 51, 0]]);
  });

  it('60 months: 100 000 at 12 %, instalment 2 224, the last row absorbing 38 francs of rounding', () => {
    // 1.01^60 = 1.816697…, 1 − 1.01^−60 = 0.449550… → 1 000 / 0.449550 = 2 224.44 → 2 224. Rounded
    // down by 0.44 each month, the instalments leave 2 240 for the last row: 2 240 + 22 interest.
    // Rows and sums checked against an exact rational computation of the same rules (Python fractions).
    expect(floatInstalment(100_000, 12, 60)).toBeCloseTo(2224.4448, 4);
    const s = buildSchedule(terms({ months: 60 }));
    expect(s.instalment).toBe(2224);
    expect(s.rows).toHaveLength(60);
    expect(tuples(s.rows.slice(0, 2))).toEqual<Row[]>([
      [1, 1224, 1000, 2224, 98_776], // 100 000 × 1 % = 1 000; 2 224 − 1 000 = 1 224
      [2, 1236, 988, 2224, 97_540], // 98 776 × 1 % = 987.76 → 988; 2 224 − 988 = 1 236
    ]);
    expect(tuples(s.rows.slice(58))).toEqual<Row[]>([
      [59, 2180, 44, 2224, 2240],
      [60, 2240, 22, 2262, 0], // 2 240 × 1 % = 22.40 → 22; 2 240 + 22 = 2 262
    ]);
    expect(s.rows.slice(0, 59).every((r) => r.total === 2224)).toBe(true);
    expect(s.totals).toEqual({ principal: 100_000, interest: 33_478, total: 133_478 });
    expect(s.rows[59].dueDate).toBe('2031-01-15');
    expectConsistent(s, 100_000);
  });

  it('10 000 (the loans minimum) at 24 % over 60 months stays consistent', () => {
    // 200 / (1 − 1.02^−60) = 287.68 → 288; 0.32 too much each month leaves only 254 for the last row.
    expect(floatInstalment(10_000, 24, 60)).toBeCloseTo(287.6797, 4);
    const s = buildSchedule(terms({ principal: 10_000, annualRateBp: 2400, months: 60 }));
    expect(s.instalment).toBe(288);
    expect(tuples(s.rows.slice(59))).toEqual<Row[]>([[60, 254, 5, 259, 0]]);
    expect(s.totals).toEqual({ principal: 10_000, interest: 7251, total: 17_251 });
    expectConsistent(s, 10_000);
  });

  it('a rate with a decimal (13.5 %) is exact in basis points: r = 1 350 / 120 000 = 1.125 %', () => {
    expect(basisPoints('13.5')).toBe(1350);
    expect(basisPoints(13.5)).toBe(1350);
    // 100 000 × 0.01125 / (1 − 1.01125^−12) = 8 955.20 → 8 955; row 1: 1 125 interest, 7 830 principal.
    expect(floatInstalment(100_000, 13.5, 12)).toBeCloseTo(8955.2027, 4);
    const s = buildSchedule(terms({ annualRateBp: basisPoints('13.5') }));
    expect(s.instalment).toBe(8955);
    expect(tuples(s.rows.slice(0, 1))).toEqual<Row[]>([[1, 7830, 1125, 8955, 92_170]]);
    // 8 859 × 1.125 % = 99.66 → 100; 8 859 + 100 = 8 959.
    expect(tuples(s.rows.slice(11))).toEqual<Row[]>([[12, 8859, 100, 8959, 0]]);
    expect(s.totals).toEqual({ principal: 100_000, interest: 7464, total: 107_464 });
    expectConsistent(s, 100_000);
  });

  it('a principal the months do not divide evenly stays exact (100 001 at 12 % over 7 months)', () => {
    const s = buildSchedule(terms({ principal: 100_001, months: 7 }));
    expect(s.instalment).toBe(Math.round(floatInstalment(100_001, 12, 7)));
    expectConsistent(s, 100_001);
  });
});

describe('loan schedule: flat and zero rate', () => {
  it('flat 100 000 at 12 % over 12: 1 000 interest every month on the original principal', () => {
    // Interest 100 000 × 1 % = 1 000 each month; principal 100 000 / 12 = 8 333.33 → 8 333, the last
    // 100 000 − 11 × 8 333 = 100 000 − 91 663 = 8 337. Instalment 8 333 + 1 000 = 9 333.
    const s = buildSchedule(terms({ method: 'flat' }));
    expect(s.instalment).toBe(9333);
    const expected: Row[] = [];
    for (let n = 1; n <= 11; n++) expected.push([n, 8333, 1000, 9333, 100_000 - n * 8333]);
    expected.push([12, 8337, 1000, 9337, 0]);
    expect(tuples(s.rows)).toEqual(expected);
    // Outstanding: 91 667, 83 334, 75 001, 66 668, 58 335, 50 002, 41 669, 33 336, 25 003, 16 670, 8 337, 0.
    expect(s.rows.map((r) => r.outstandingAfter)).toEqual([
      91_667, 83_334, 75_001, 66_668, 58_335, 50_002, 41_669, 33_336, 25_003, 16_670, 8337, 0,
    ]);
    // 12 × 1 000 = 12 000 interest; 11 × 9 333 + 9 337 = 112 000.
    expect(s.totals).toEqual({ principal: 100_000, interest: 12_000, total: 112_000 });
    expectConsistent(s, 100_000);
  });

  it('flat over 7 months: 100 000 / 7 = 14 285.71 → 14 286, the last part 14 284', () => {
    // 100 000 − 6 × 14 286 = 100 000 − 85 716 = 14 284: rounding up leaves the last part smaller.
    const s = buildSchedule(terms({ method: 'flat', months: 7 }));
    expect(s.instalment).toBe(15_286);
    expect(tuples(s.rows.slice(5))).toEqual<Row[]>([
      [6, 14_286, 1000, 15_286, 14_284],
      [7, 14_284, 1000, 15_284, 0],
    ]);
    expect(s.totals).toEqual({ principal: 100_000, interest: 7000, total: 107_000 });
    expectConsistent(s, 100_000);
  });

  it('a zero rate gives equal principal parts and no interest, by either method', () => {
    // 100 000 / 12 = 8 333.33 → 8 333 for 11 months, the last 8 337.
    for (const method of ['annuity', 'flat'] as const) {
      const s = buildSchedule(terms({ annualRateBp: 0, method }));
      expect(s.instalment).toBe(8333);
      const expected: Row[] = [];
      for (let n = 1; n <= 11; n++) expected.push([n, 8333, 0, 8333, 100_000 - n * 8333]);
      expected.push([12, 8337, 0, 8337, 0]);
      expect(tuples(s.rows)).toEqual(expected);
      expect(s.totals).toEqual({ principal: 100_000, interest: 0, total: 100_000 });
      expectConsistent(s, 100_000);
    }
  });

  it('a zero rate rounds the equal part half up: 25 over 2 months is 13 then 12', () => {
    const s = buildSchedule(terms({ principal: 25, annualRateBp: 0, months: 2 }));
    expect(tuples(s.rows)).toEqual<Row[]>([
      [1, 13, 0, 13, 12],
      [2, 12, 0, 12, 0],
    ]);
  });
});

describe('loan schedule: due dates', () => {
  it('fall on the same day each month, the last day of a shorter month, counted from the first date', () => {
    const s = buildSchedule(terms({ firstDueDate: '2026-01-31' }));
    expect(s.rows.map((r) => r.dueDate)).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
      '2026-05-31',
      '2026-06-30',
      '2026-07-31',
      '2026-08-31',
      '2026-09-30',
      '2026-10-31',
      '2026-11-30',
      '2026-12-31',
    ]);
    expect(dueDateAfter('2027-12-31', 2)).toBe('2028-02-29');
    expect(dueDateAfter('2027-11-30', 3)).toBe('2028-02-29');
    expect(dueDateAfter('2028-02-29', 12)).toBe('2029-02-28');
    expect(dueDateAfter('2026-02-15', 0)).toBe('2026-02-15');
  });
});

describe('loan schedule: invalid terms', () => {
  it.each<[string, Partial<ScheduleTerms>]>([
    ['a zero principal', { principal: 0 }],
    ['a negative principal', { principal: -100 }],
    ['a principal with centimes', { principal: 100.5 }],
    ['a NaN principal', { principal: Number.NaN }],
    ['0 months', { months: 0 }],
    ['61 months', { months: 61 }],
    ['a fractional month count', { months: 1.5 }],
    ['a negative rate', { annualRateBp: -1 }],
    ['a rate above 100 %', { annualRateBp: 10_001 }],
    ['a rate finer than a basis point', { annualRateBp: 1200.5 }],
    ['an unknown method', { method: 'balloon' as ScheduleTerms['method'] }],
    ['30 February', { firstDueDate: '2026-02-30' }],
    ['a date without its zeros', { firstDueDate: '2026-2-1' }],
    ['no date', { firstDueDate: '' }],
    ['a principal too small for its duration', { principal: 100, annualRateBp: 0, months: 60 }],
  ])('refuses %s with a RangeError', (_label, over) => {
    expect(() => buildSchedule(terms(over))).toThrow(RangeError);
  });

  it('reads rates as decimal text, never as a float product', () => {
    expect(basisPoints('12')).toBe(1200);
    expect(basisPoints(' 24.00 ')).toBe(2400);
    expect(basisPoints('0.25')).toBe(25);
    expect(basisPoints(0)).toBe(0);
    expect(percentOf(1350)).toBe(13.5);
    for (const bad of ['13.555', '-1', 'abc', '', '1e2', '100.01', 0.1 + 0.2]) {
      expect(() => basisPoints(bad)).toThrow(RangeError);
    }
  });
});
