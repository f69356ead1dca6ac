import fc from 'fast-check';
import { formatAccountNumber, MAX_ACCOUNT_ID, parseAccountNumber } from '../../../src/savings/account-number';

/** The 8 digits of a number (7 of the id, the check digit), and back. */
const digitsOf = (number: string) => number.replace(/\D/g, '');
const numberOf = (digits: string) => `CSC-${digits.slice(0, 7)}-${digits.slice(7)}`;

const anyId = fc.integer({ min: 1, max: MAX_ACCOUNT_ID });

describe('formatAccountNumber', () => {
  it('writes the prefix, the id on 7 digits and a check digit', () => {
    // Damm check digits, worked by hand from the published table (572 → 4 is its textbook example).
    expect(formatAccountNumber(572)).toBe('CSC-0000572-4');
    expect(formatAccountNumber(1234)).toBe('CSC-0001234-0');
    expect(formatAccountNumber(1)).toBe('CSC-0000001-3');
    expect(formatAccountNumber(42)).toBe('CSC-0000042-7');
    expect(formatAccountNumber(MAX_ACCOUNT_ID)).toBe('CSC-9999999-2');
    fc.assert(fc.property(anyId, (id) => /^CSC-\d{7}-\d$/.test(formatAccountNumber(id))));
  });

  it.each([0, -1, 1.5, MAX_ACCOUNT_ID + 1, Number.NaN, Number.POSITIVE_INFINITY])('refuses id %p', (id) => {
    expect(() => formatAccountNumber(id)).toThrow(RangeError);
  });
});

describe('parseAccountNumber', () => {
  it('gives back the id of every number it formats', () => {
    expect(parseAccountNumber('CSC-0001234-0')).toBe(1234);
    expect(parseAccountNumber(formatAccountNumber(MAX_ACCOUNT_ID))).toBe(MAX_ACCOUNT_ID);
    fc.assert(fc.property(anyId, (id) => parseAccountNumber(formatAccountNumber(id)) === id));
  });

  it('takes it as people type it: any case, spaces or no separators, no prefix, around blanks', () => {
    for (const text of [
      'csc-0001234-0',
      'CSC 0001234 0',
      'CSC00012340',
      '0001234-0',
      '00012340',
      '  CSC-0001234-0\n',
    ]) {
      expect(parseAccountNumber(text)).toBe(1234);
    }
  });

  it.each([
    ['another check digit', 'CSC-0001234-7'],
    ['another prefix', 'CSE-0001234-0'],
    ['a prefix with no digits after', 'CSC-'],
    ['six digits', 'CSC-001234-0'],
    ['eight digits', 'CSC-00001234-0'],
    ['no check digit', 'CSC-0001234'],
    ['two check digits', 'CSC-0001234-00'],
    ['a letter for a digit', 'CSC-00O1234-0'],
    ['another separator', 'CSC/0001234/0'],
    ['two separators', 'CSC--0001234-0'],
    ['the zero id (valid check digit)', 'CSC-0000000-0'],
    ['an empty string', ''],
    ['Arabic-Indic digits', 'CSC-٠٠٠١٢٣٤-٠'],
  ])('refuses %s: %p', (_, text) => {
    expect(parseAccountNumber(text)).toBeNull();
  });

  // With every digit 0-9 just before the changed place, the change meets every interim state of the
  // check; the digits elsewhere are drawn at random. Each test collects the wrong numbers accepted.
  const otherDigits = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 7, maxLength: 7 });

  /** The 8 digits of the number of the id `filler`, with `before` just before place `at` and `from` from it (null: id 0). */
  function numberAround(filler: number[], at: number, before: number, ...from: number[]): string | null {
    const seq = filler.slice();
    if (at > 0) seq[at - 1] = before;
    from.forEach((d, i) => {
      if (at + i < 7) seq[at + i] = d;
    });
    const id = Number(seq.join(''));
    return id === 0 ? null : digitsOf(formatAccountNumber(id));
  }

  it('refuses every single-digit error, at every place, the check digit included', () => {
    const accepted: string[] = [];
    fc.assert(
      fc.property(otherDigits, (filler) => {
        for (let at = 0; at < 8; at++) {
          for (let before = 0; before < 10; before++) {
            const good = numberAround(filler, at, before);
            if (good === null) continue;
            for (let wrong = 0; wrong < 10; wrong++) {
              if (String(wrong) === good[at]) continue;
              const typo = good.slice(0, at) + String(wrong) + good.slice(at + 1);
              if (parseAccountNumber(numberOf(typo)) !== null) accepted.push(typo);
            }
          }
        }
      }),
      { numRuns: 50 },
    );
    expect(accepted).toEqual([]);
  });

  it('refuses every transposition of two adjacent different digits, the check digit included', () => {
    const accepted: string[] = [];
    let tried = 0;
    fc.assert(
      fc.property(otherDigits, (filler) => {
        for (let at = 0; at < 7; at++) {
          for (let before = 0; before < 10; before++) {
            for (let a = 0; a < 10; a++) {
              for (let b = 0; b < 10; b++) {
                const good = numberAround(filler, at, before, a, b);
                if (good === null || good[at] === good[at + 1]) continue;
                const swapped = good.slice(0, at) + good[at + 1]! + good[at]! + good.slice(at + 2);
                tried++;
                if (parseAccountNumber(numberOf(swapped)) !== null) accepted.push(swapped);
              }
            }
          }
        }
      }),
      { numRuns: 5 },
    );
    expect(accepted).toEqual([]);
    expect(tried).toBeGreaterThan(5 * 6 * 10 * 90); // every place, every state, every pair, each run
  });

  it('refuses a transposition anywhere in random numbers, and a digit dropped or doubled', () => {
    fc.assert(
      fc.property(anyId, fc.integer({ min: 0, max: 6 }), (id, at) => {
        const good = digitsOf(formatAccountNumber(id));
        if (good[at] !== good[at + 1]) {
          const swapped = good.slice(0, at) + good[at + 1]! + good[at]! + good.slice(at + 2);
          expect(parseAccountNumber(numberOf(swapped))).toBeNull();
        }
        expect(parseAccountNumber(good.slice(0, at) + good.slice(at + 1))).toBeNull();
        expect(parseAccountNumber(good.slice(0, at) + good[at]! + good.slice(at))).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });
});
