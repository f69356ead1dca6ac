import {
  lastMonths,
  ratio4,
  reliabilityScore,
  savingsMonths,
  type ScoreInput,
} from '../../../src/loans/analysis';
import type { AccountMovement } from '../../../src/ledger/reads';

const base: ScoreInput = {
  savingsAgeDays: 0,
  monthsWithDeposits: 0,
  tontineMonthsActive: 0,
  earlierLoans: 0,
  lateInstalments: 0,
  everDefaulted: false,
  debtToIncome: null,
};
const points = (s: Partial<ScoreInput>) => reliabilityScore({ ...base, ...s }).factors.map((f) => f.points);

describe('ratio4', () => {
  it('rounds half up to 4 places, in integers', () => {
    expect(ratio4(1, 3)).toBe('0.3333');
    expect(ratio4(2, 3)).toBe('0.6667');
    expect(ratio4(1, 20_000)).toBe('0.0001'); // 0.00005 exactly: half up
    expect(ratio4(1, 20_001)).toBe('0.0000');
    expect(ratio4(350_000, 590_000)).toBe('0.5932');
    expect(ratio4(5, 5)).toBe('1.0000');
    expect(ratio4(0, 7)).toBe('0.0000');
    expect(ratio4(7, 0)).toBeNull();
    expect(ratio4(9_000_000_000_000, 7)).toBe('1285714285714.2857');
  });
});

describe('lastMonths', () => {
  it('the 6 months ending with today’s, across a year', () => {
    expect(lastMonths('2026-03-31', 6)).toEqual([
      '2025-10',
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
      '2026-03',
    ]);
    expect(lastMonths('2026-12-01', 1)).toEqual(['2026-12']);
  });
});

describe('savingsMonths', () => {
  const mv = (
    day: string,
    amount: number,
    entryKind: string,
    refId: string | null = null,
  ): AccountMovement => ({
    postingId: 0,
    amount,
    at: new Date(`${day}T09:00:00Z`),
    entryKey: 'k',
    entryKind,
    refType: refId ? 'savings_transaction' : null,
    refId,
  });
  it('credits are deposits, debits withdrawals, a reversed withdrawal neither; balances carried month to month', () => {
    const rows = savingsMonths(
      ['2026-01', '2026-02'],
      1_000,
      [
        mv('2026-01-03', 500, 'savings_depot'),
        mv('2026-01-10', -200, 'savings_retrait', '5'),
        mv('2026-01-11', -300, 'savings_retrait', '6'),
        mv('2026-02-01', 300, 'savings_retrait_reversal', '6'),
        // 23:30 UTC on Jan 31 is Feb 1 in Porto-Novo (UTC+1).
        { ...mv('2026-01-31', 50, 'savings_depot'), at: new Date('2026-01-31T23:30:00Z') },
      ],
      'Africa/Porto-Novo',
    );
    expect(rows).toEqual([
      {
        month: '2026-01',
        depositsCount: 1,
        depositsAmount: 500,
        withdrawalsCount: 1,
        withdrawalsAmount: 200,
        closingBalance: 1_000,
      },
      {
        month: '2026-02',
        depositsCount: 1,
        depositsAmount: 50,
        withdrawalsCount: 0,
        withdrawalsAmount: 0,
        closingBalance: 1_350,
      },
    ]);
  });
});

describe('reliabilityScore', () => {
  it('savings age: 0 under 90 days, then ⌊days × 20 / 365⌋, at most 20', () => {
    expect(points({ savingsAgeDays: 89 })[0]).toBe(0);
    expect(points({ savingsAgeDays: 90 })[0]).toBe(4); // 4.93
    expect(points({ savingsAgeDays: 200 })[0]).toBe(10); // 10.96
    expect(points({ savingsAgeDays: 364 })[0]).toBe(19); // 19.95
    expect(points({ savingsAgeDays: 365 })[0]).toBe(20);
    expect(points({ savingsAgeDays: 2000 })[0]).toBe(20);
  });
  it('regularity 5 a month with deposits; tontine 3 a month, at most 15', () => {
    expect(points({ monthsWithDeposits: 6 })[1]).toBe(30);
    expect(points({ monthsWithDeposits: 3 })[1]).toBe(15);
    expect(points({ tontineMonthsActive: 4 })[2]).toBe(12);
    expect(points({ tontineMonthsActive: 9 })[2]).toBe(15);
  });
  it('past repayment: none 10, a default 0, else 25 − 5 a late instalment, at least 0', () => {
    expect(points({})[3]).toBe(10);
    expect(points({ earlierLoans: 2 })[3]).toBe(25);
    expect(points({ earlierLoans: 1, lateInstalments: 3 })[3]).toBe(10);
    expect(points({ earlierLoans: 1, lateInstalments: 7 })[3]).toBe(0);
    expect(points({ earlierLoans: 1, everDefaulted: true })[3]).toBe(0);
  });
  it('debt to income: ≤ 0.30 10, ≤ 0.50 5, more 0, unknown 0', () => {
    expect(points({ debtToIncome: '0.3000' })[4]).toBe(10);
    expect(points({ debtToIncome: '0.3001' })[4]).toBe(5);
    expect(points({ debtToIncome: '0.5000' })[4]).toBe(5);
    expect(points({ debtToIncome: '0.5001' })[4]).toBe(0);
    expect(points({ debtToIncome: '1.2500' })[4]).toBe(0);
    expect(points({ debtToIncome: null })[4]).toBe(0);
  });
  it('the total of a full file is 100, of an empty one 10, with each factor named', () => {
    const full = reliabilityScore({
      savingsAgeDays: 400,
      monthsWithDeposits: 6,
      tontineMonthsActive: 5,
      earlierLoans: 1,
      lateInstalments: 0,
      everDefaulted: false,
      debtToIncome: '0.2000',
    });
    expect(full.total).toBe(100);
    expect(full.factors.map((f) => [f.name, f.value, f.points, f.maxPoints])).toEqual([
      ['savings_age', 400, 20, 20],
      ['savings_regularity', 6, 30, 30],
      ['tontine_record', 5, 15, 15],
      ['past_repayment', 0, 25, 25],
      ['debt_to_income', '0.2000', 10, 10],
    ]);
    expect(reliabilityScore(base).total).toBe(10);
  });
});
