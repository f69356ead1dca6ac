import { Problem } from '../../../src/http/errors';
import {
  checkUsury,
  evaluateTerms,
  formatBp,
  guaranteeAmountOf,
  termsFieldErrors,
  type LoanTermsInput,
} from '../../../src/loans/terms';

const base: LoanTermsInput = {
  amount: 100_000,
  annualRateBp: 1200,
  months: 12,
  method: 'annuity',
  fees: 0,
  penaltyDailyBp: 10,
  guaranteePct: 0,
};

describe('loan terms', () => {
  it('100 000 at 12 % over 12 months: instalment 8 885, TEG 12.00, first due date one month on', () => {
    const e = evaluateTerms(base, '2026-01-31');
    expect(e.schedule.instalment).toBe(8885);
    expect(e.schedule.totals).toEqual({ principal: 100_000, interest: 6619, total: 106_619 });
    expect(e.firstDueDate).toBe('2026-02-28');
    expect(e.schedule.rows.map((r) => r.dueDate).slice(0, 3)).toEqual([
      '2026-02-28',
      // Counted from the first due date: the 28th from then on.
      '2026-03-28',
      '2026-04-28',
    ]);
    expect([e.teg, e.tegBp]).toEqual([12, 1200]);
  });

  it('fees are in the TEG: 2 000 on the same loan make it 15.86; 22 % with them 25.95', () => {
    expect(evaluateTerms({ ...base, fees: 2000 }, '2026-01-10').tegBp).toBe(1586);
    expect(evaluateTerms({ ...base, annualRateBp: 2200 }, '2026-01-10').tegBp).toBe(2200);
    expect(evaluateTerms({ ...base, annualRateBp: 2200, fees: 2000 }, '2026-01-10').tegBp).toBe(2595);
  });

  it('the usury check: equal to the cap passes, one basis point over is a 409 naming both', () => {
    expect(() => checkUsury(2400, 2400)).not.toThrow();
    let thrown: unknown;
    try {
      checkUsury(2595, 2400);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Problem);
    const p = thrown as Problem;
    expect([p.status, p.code, p.detail]).toEqual([
      409,
      'usury_exceeded',
      'TEG 25.95% is over the usury cap of 24.00%',
    ]);
    expect(p.errors).toEqual({ teg: ['25.95'], usury_cap: ['24.00'] });
    expect(() => checkUsury(2401, 2400)).toThrow(Problem);
  });

  it('formats basis points with two decimals', () => {
    expect([formatBp(1268), formatBp(1200), formatBp(5), formatBp(0), formatBp(-25)]).toEqual([
      '12.68',
      '12.00',
      '0.05',
      '0.00',
      '-0.25',
    ]);
  });

  it('the guarantee rounds half up to the franc', () => {
    expect(guaranteeAmountOf(100_000, 10)).toBe(10_000);
    expect(guaranteeAmountOf(10_005, 10)).toBe(1001); // 1 000.5 → 1 001
    expect(guaranteeAmountOf(10_004, 10)).toBe(1000); // 1 000.4 → 1 000
    expect(guaranteeAmountOf(123_457, 0)).toBe(0);
    expect(guaranteeAmountOf(123_457, 100)).toBe(123_457);
  });

  it('field rules: at most the amount asked for, at least 10 000, fees at most 10 % of it', () => {
    expect(termsFieldErrors(base, 100_000)).toEqual({});
    expect(termsFieldErrors(base, 99_999)).toEqual({ amount: ['at most the 99999 XOF asked for'] });
    expect(termsFieldErrors({ ...base, amount: 9999 }, 100_000)).toEqual({
      amount: ['at least 10000'],
    });
    expect(termsFieldErrors({ ...base, fees: 10_000 }, 100_000)).toEqual({});
    expect(termsFieldErrors({ ...base, fees: 10_001 }, 100_000)).toEqual({
      fees: ['at most 10 % of the amount'],
    });
  });
});
