import { z } from 'zod';
import { zodFieldErrors } from '../../../src/http/errors';
import { isSafeText, safeChars, safeText, UNSAFE_TEXT } from '../../../src/http/text';

/** One of each kind of character free text must refuse, named for the failure messages. */
const UNSAFE: Record<string, string> = {
  'line feed': '\n',
  'carriage return': '\r',
  tab: '\t',
  NUL: '\u0000',
  BEL: '\u0007',
  ESC: '\u001b',
  DEL: '\u007f',
  'C1 NEL': '\u0085',
  'C1 CSI': '\u009b',
  'line separator': '\u2028',
  'paragraph separator': '\u2029',
  LRE: '\u202a',
  RLE: '\u202b',
  PDF: '\u202c',
  LRO: '\u202d',
  RLO: '\u202e',
  LRI: '\u2066',
  RLI: '\u2067',
  FSI: '\u2068',
  PDI: '\u2069',
  LRM: '\u200e',
  RLM: '\u200f',
  ALM: '\u061c',
  '<': '<',
  '>': '>',
};

describe('isSafeText', () => {
  it.each(Object.entries(UNSAFE))('refuses %s inside a word', (_, ch) => {
    expect(isSafeText(`Awa${ch}Houngbo`)).toBe(false);
  });

  it.each([
    'Awa Houngbo',
    "N'Diaye Dossou-Yovo",
    'Françoise Noëlle Ahouéfa',
    'Œuvre « solidaire » — 12 % & co.',
    'محمد', // right-to-left letters are text; only the invisible reordering marks are refused
    '李小龙',
    'Ahouéfa 👋🏾',
    'a + b = c; x/y (z) [w] {v} @#$*!?',
  ])('accepts ordinary text: %s', (text) => {
    expect(isSafeText(text)).toBe(true);
  });
});

describe('safeText', () => {
  const name = safeText(2, 10);

  it('trims, then keeps the length rules', () => {
    expect(name.parse('  Awa  ')).toBe('Awa');
    expect(name.parse('\n Awa \t')).toBe('Awa'); // line breaks around the text are trimmed, not refused
    expect(name.safeParse('A').success).toBe(false);
    expect(name.safeParse('Abcdefghijk').success).toBe(false);
    expect(name.safeParse(42).success).toBe(false);
  });

  it.each(['Awa\nKoffi', 'Awa\tKoffi', 'Aw\u0007a', '\u202eawA', '<b>Awa</b>', 'Aw\u2066a\u2069'])(
    'refuses %j with the unsafe_text field error',
    (value) => {
      const result = z.object({ first_name: name }).safeParse({ first_name: value });
      expect(result.success).toBe(false);
      expect(zodFieldErrors(result.error!)).toEqual({ first_name: [UNSAFE_TEXT] });
    },
  );

  it('works in a partial (PATCH) schema and on an optional string with its own rules', () => {
    const patch = z.object({ first_name: name, ref: z.string().max(64).check(safeChars) }).partial();
    expect(patch.parse({})).toEqual({});
    expect(patch.parse({ ref: 'tontine-42' })).toEqual({ ref: 'tontine-42' });
    expect(zodFieldErrors(patch.safeParse({ ref: 'x\u202ey' }).error!)).toEqual({ ref: [UNSAFE_TEXT] });
  });
});
