/**
 * GSM 03.38 (3GPP TS 23.038) default alphabet helpers.
 *
 * USSD menus and SMS bodies go out as GSM-7 when possible: a single character outside the alphabet
 * switches the whole SMS to UCS-2 (70 instead of 160 characters per part) and many USSD gateways
 * mangle it. French copy is full of such characters (ê, ç, œ, typographic quotes, no-break spaces),
 * so we fold them to their closest GSM-7 equivalent before sending.
 *
 * Everything here runs on every USSD hop and every SMS: tables are built once at module load and the
 * common case (text already GSM-7) is a single pass over char codes with no allocation.
 */

/**
 * Default alphabet, indexed by septet value 0x00–0x7F (16 per row). 0x1B is ESC, which introduces the
 * extension table and is not a character of its own, so it is skipped when building the lookup.
 */
const BASIC_TABLE =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';
const ESC = 0x1b;

/** Extension table (sent as ESC + code, hence 2 septets): 0x0A 0x14 0x28 0x29 0x2F 0x3C 0x3D 0x3E 0x40 0x65. */
const EXTENSION_TABLE = '\f^{}\\[~]|€';

/**
 * Septet cost indexed by UTF-16 code unit: 0 = not GSM-7, 1 = basic table, 2 = extension table.
 * Every GSM character is in the BMP and the highest is € (U+20AC), so a small typed array covers them;
 * surrogate halves and anything above fall outside it and read as 0.
 */
const SEPTETS = (() => {
  const all = [...BASIC_TABLE, ...EXTENSION_TABLE].map((c) => c.charCodeAt(0));
  const table = new Uint8Array(Math.max(...all) + 1);
  [...BASIC_TABLE].forEach((c, septet) => {
    if (septet !== ESC) table[c.charCodeAt(0)] = 1;
  });
  for (const c of EXTENSION_TABLE) table[c.charCodeAt(0)] = 2;
  return table;
})();

function septetCost(codeUnit: number): number {
  return codeUnit < SEPTETS.length ? SEPTETS[codeUnit] : 0;
}

/**
 * Explicit folds, as replacement → characters it replaces. Needed where NFD cannot help (œ, quotes,
 * dashes, ellipsis) and listed for the common French accents too so they never reach the slower
 * normalize() path. Characters GSM-7 already has (é, è, à, ù, ü, É, Ç, æ…) are deliberately absent.
 */
const FOLD_GROUPS: Record<string, string> = {
  a: 'â',
  e: 'êë',
  i: 'îï',
  o: 'ô',
  u: 'û',
  y: 'ÿ',
  c: 'ç', // GSM has only capital Ç (0x09); lowercase ç is ambiguous across phones, plain c is safe
  A: 'ÀÂ',
  E: 'ÈÊË',
  I: 'ÎÏ',
  O: 'Ô',
  U: 'ÙÛ',
  oe: 'œ',
  OE: 'Œ',
  // ’ ‘ ‚ ‛ ‹ › ` ´ ′
  "'": '\u2019\u2018\u201A\u201B\u2039\u203A`\u00B4\u2032',
  // “ ” „ ‟ « » ″
  '"': '\u201C\u201D\u201E\u201F\u00AB\u00BB\u2033',
  // en dash, em dash, hyphen, non-breaking hyphen, figure dash, minus sign
  '-': '\u2013\u2014\u2010\u2011\u2012\u2212',
  '...': '\u2026',
  ' ': '\t\v', // tab is not GSM; a space keeps the words apart
  '\n': '\u2028\u2029', // line / paragraph separators
};

const FOLDS = new Map<string, string>(
  Object.entries(FOLD_GROUPS).flatMap(([to, from]) => [...from].map((c): [string, string] => [c, to])),
);

const UNICODE_SPACE = /^\p{Zs}$/u; // U+00A0, U+202F, U+2007, U+2000–U+200A, U+3000…
const FORMAT_CHAR = /^\p{Cf}$/u; // soft hyphen, zero-width (non-)joiners, BOM, bidi marks: invisible
const COMBINING_MARKS = /\p{M}/gu;

/** Fold one code point that is not GSM-7. */
function foldChar(ch: string): string {
  const mapped = FOLDS.get(ch);
  if (mapped !== undefined) return mapped;
  if (UNICODE_SPACE.test(ch)) return ' ';
  // Invisible formatting characters carry no text; a '?' would put visible garbage in the message.
  if (FORMAT_CHAR.test(ch)) return '';
  // Strip accents (ā → a, ő → o, Ÿ → Y). NFKD second catches compatibility forms (fullwidth Ａ → A,
  // ﬁ → fi). A lone combining mark strips to '' and is dropped.
  for (const form of ['NFD', 'NFKD'] as const) {
    const stripped = ch.normalize(form).replace(COMBINING_MARKS, '');
    if (isGsm7(stripped)) return stripped;
  }
  return '?';
}

/** True if every character is in the GSM 03.38 basic or extension table (ESC itself is not text). */
export function isGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (septetCost(text.charCodeAt(i)) === 0) return false;
  }
  return true;
}

/**
 * Replace every character GSM-7 lacks with its closest GSM-7 equivalent ('?' as a last resort).
 * Returns the input itself when it is already GSM-7. Idempotent.
 */
export function foldToGsm7(text: string): string {
  if (isGsm7(text)) return text;
  let out = '';
  // NFC first so decomposed input ("e" + U+0301, common from some keyboards) recomposes into the GSM é
  // instead of losing its accent; GSM characters themselves are NFC-stable.
  for (const ch of text.normalize('NFC')) {
    out += septetCost(ch.charCodeAt(0)) > 0 ? ch : foldChar(ch);
  }
  return out;
}

/**
 * Length in septets: extension-table characters (^ { } \ [ ~ ] | € form feed) cost 2 because they are
 * sent as ESC + code. Meant for GSM-7 text (fold first); any other UTF-16 code unit counts 1.
 */
export function gsm7Length(text: string): number {
  let septets = 0;
  for (let i = 0; i < text.length; i++) septets += septetCost(text.charCodeAt(i)) || 1;
  return septets;
}

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegments {
  encoding: SmsEncoding;
  /** Number of SMS parts the text is sent as (an empty text still takes one). */
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
}

/**
 * How the text would be sent as SMS. A single part holds 160 septets / 70 UCS-2 units; concatenated
 * parts lose room to the 6-byte UDH and hold 153 / 67. An ESC pair (or a UTF-16 surrogate pair) is
 * never split across parts, so a part may end one unit short.
 */
export function smsSegments(text: string): SmsSegments {
  const gsm = isGsm7(text);
  const [single, perPart] = gsm ? [160, 153] : [70, 67];
  let units = 0;
  let segments = 1;
  let used = 0; // units in the current part
  for (const ch of text) {
    const cost = gsm ? septetCost(ch.charCodeAt(0)) : ch.length;
    units += cost;
    if (used + cost > perPart) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return { encoding: gsm ? 'GSM-7' : 'UCS-2', segments: units <= single ? 1 : segments, units };
}
