/**
 * The number a savings account is known by on receipts, statements and at the counter:
 * `CSC-0001234-0` = a prefix, the account's id on 7 digits, and a check digit.
 *
 * The check digit is Damm's (H. M. Damm, 2004: the running state through a totally anti-symmetric
 * quasigroup of order 10, the table below): it catches every single-digit error and every transposition
 * of two adjacent digits, the check digit's own included. Luhn misses 09 ↔ 90, and ISO 7064 MOD 11,10
 * misses 22 of the 990 transpositions an interim state can meet (counted when this was chosen); Verhoeff
 * catches as much with three tables.
 */
export const ACCOUNT_NUMBER_PREFIX = 'CSC';

/** Ids run from 1 to 9 999 999: the 7 digits of the number. */
export const MAX_ACCOUNT_ID = 9_999_999;

const DAMM = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
] as const;

/** The Damm state after a string of digits: the check digit of data, 0 for data followed by its check. */
function damm(digits: string): number {
  let state = 0;
  for (const ch of digits) state = DAMM[state]![ch.charCodeAt(0) - 48]!;
  return state;
}

/** 1234 → `CSC-0001234-0`. Throws a RangeError for an id the number cannot carry. */
export function formatAccountNumber(id: number): string {
  if (!Number.isSafeInteger(id) || id < 1 || id > MAX_ACCOUNT_ID) {
    throw new RangeError(`no account number for id ${id} (1 to ${MAX_ACCOUNT_ID})`);
  }
  const sequence = String(id).padStart(7, '0');
  return `${ACCOUNT_NUMBER_PREFIX}-${sequence}-${damm(sequence)}`;
}

/**
 * Hyphens or spaces between the parts, or none; the prefix in any case, or left out (a USSD keypad
 * types digits only): `CSC-0001234-0`, `csc 0001234 0`, `00012340`.
 */
const ACCOUNT_NUMBER_RE = new RegExp(`^(?:${ACCOUNT_NUMBER_PREFIX}[-\\s]?)?(\\d{7})[-\\s]?(\\d)$`, 'i');

/** The account id a number stands for; null if it is not one (shape, zero id, wrong check digit). */
export function parseAccountNumber(text: string): number | null {
  const match = ACCOUNT_NUMBER_RE.exec(text.trim());
  if (!match) return null;
  const [, sequence = '', check = ''] = match;
  if (damm(sequence + check) !== 0) return null;
  const id = Number(sequence);
  return id >= 1 ? id : null;
}
