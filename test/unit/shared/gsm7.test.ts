import { foldToGsm7, gsm7Length, isGsm7, smsSegments } from '../../../src/shared/gsm7';

/**
 * GSM 03.38 default alphabet written independently of the implementation (escapes, not literals, so a
 * look-alike such as U+2126 OHM SIGN for Ω cannot slip through), indexed by septet. ESC (0x1B) omitted.
 */
const BASIC: string[] = [
  // 0x00
  '@', '\u00A3', '$', '\u00A5', '\u00E8', '\u00E9', '\u00F9', '\u00EC',
  '\u00F2', '\u00C7', '\n', '\u00D8', '\u00F8', '\r', '\u00C5', '\u00E5',
  // 0x10 (0x1B ESC skipped)
  '\u0394', '_', '\u03A6', '\u0393', '\u039B', '\u03A9', '\u03A0', '\u03A8',
  '\u03A3', '\u0398', '\u039E', '\u00C6', '\u00E6', '\u00DF', '\u00C9',
  // 0x20
  ' ', '!', '"', '#', '\u00A4', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  // 0x30
  ...'0123456789:;<=>?',
  // 0x40
  '\u00A1', ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '\u00C4', '\u00D6', '\u00D1', '\u00DC', '\u00A7',
  // 0x60
  '\u00BF', ...'abcdefghijklmnopqrstuvwxyz', '\u00E4', '\u00F6', '\u00F1', '\u00FC', '\u00E0',
]; // prettier-ignore

const EXTENSION = ['\f', '^', '{', '}', '\\', '[', '~', ']', '|', '\u20AC'];

/** Small deterministic PRNG (mulberry32) so the fuzz test is reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('GSM 03.38 tables', () => {
  it('has the 127 basic characters and 10 extension characters of the spec', () => {
    expect(BASIC).toHaveLength(127);
    expect(new Set(BASIC).size).toBe(127);
  });

  it.each(BASIC.map((c) => [`U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`, c]))(
    'keeps basic character %s',
    (_label, c) => {
      expect(isGsm7(c)).toBe(true);
      expect(foldToGsm7(c)).toBe(c);
      expect(gsm7Length(c)).toBe(1);
    },
  );

  it.each(EXTENSION)('keeps extension character %j, counted as 2 septets', (c) => {
    expect(isGsm7(c)).toBe(true);
    expect(foldToGsm7(c)).toBe(c);
    expect(gsm7Length(c)).toBe(2);
  });

  it('keeps the whole basic table as one string', () => {
    const all = BASIC.join('') + EXTENSION.join('');
    expect(isGsm7(all)).toBe(true);
    expect(foldToGsm7(all)).toBe(all);
  });

  it('rejects ESC and characters outside both tables', () => {
    for (const c of ['\x1b', '\t', '\0', '`', 'â', 'ç', 'œ', '\u00A0', '\u2126', '\u2206', '😀', '\uD800']) {
      expect(isGsm7(c)).toBe(false);
    }
    expect(isGsm7('')).toBe(true);
  });
});

describe('foldToGsm7', () => {
  it.each([
    ['â', 'a'], ['ê', 'e'], ['ë', 'e'], ['î', 'i'], ['ï', 'i'], ['ô', 'o'], ['û', 'u'], ['ÿ', 'y'],
    ['ç', 'c'], ['œ', 'oe'], ['Œ', 'OE'],
    ['À', 'A'], ['Â', 'A'], ['Ê', 'E'], ['Ë', 'E'], ['È', 'E'], ['Î', 'I'], ['Ï', 'I'], ['Ô', 'O'],
    ['Û', 'U'], ['Ù', 'U'],
    ['\u2019', "'"], ['\u2018', "'"], ['\u201A', "'"],
    ['\u201C', '"'], ['\u201D', '"'], ['\u201E', '"'], ['\u00AB', '"'], ['\u00BB', '"'],
    ['\u2013', '-'], ['\u2014', '-'], ['\u2026', '...'],
    ['\u00A0', ' '], ['\u202F', ' '], ['\u2007', ' '], ['\u2003', ' '], ['\u3000', ' '],
    // generic fallback: NFD + drop combining marks
    ['ā', 'a'], ['ő', 'o'], ['Ÿ', 'Y'], ['ń', 'n'], ['Ž', 'Z'],
    // decomposed input recomposes to the GSM character rather than losing its accent
    ['e\u0301', 'é'], ['A\u030A', 'Å'],
    // look-alikes that normalize to GSM characters
    ['\u2126', '\u03A9'], ['\u212B', 'Å'], ['\uFF21', 'A'],
    // invisible formatting characters are dropped
    ['a\u200Bb', 'ab'], ['\uFEFFok', 'ok'],
    // nothing close in GSM-7
    ['😀', '?'], ['漢', '?'], ['Ж', '?'], ['\u0301', ''],
  ])('folds %j to %j', (input, expected) => {
    expect(foldToGsm7(input)).toBe(expected);
    expect(isGsm7(foldToGsm7(input))).toBe(true);
  }); // prettier-ignore

  it.each(['à', 'é', 'è', 'ù', 'ì', 'ò', 'É', 'Ç', 'Ä', 'Ö', 'Ñ', 'Ü', 'ä', 'ö', 'ñ', 'ü', 'ß', 'Å', 'å',
    'Æ', 'æ', 'Ø', 'ø', '£', '¥', '¤', '§', '¿', '¡', '€'])('keeps %s', (c) => {
    expect(foldToGsm7(c)).toBe(c);
  }); // prettier-ignore

  it.each([
    ['Prêt accordé, intérêts à payer: 1\u00A0500 FCFA', 'Pret accordé, intérets à payer: 1 500 FCFA'],
    ['Cotisation reçue — merci « Awa »', 'Cotisation recue - merci " Awa "'],
    ['Hôtel Naïf Cœur', 'Hotel Naif Coeur'],
    ['L’épargne de Chloë : 25\u202F000 FCFA…', "L'épargne de Chloe : 25 000 FCFA..."],
    ['«\u00A0Ça marche\u00A0!\u00A0»', '" Ça marche ! "'],
    ['Maître d’œuvre, 1er août', "Maitre d'oeuvre, 1er aout"],
  ])('folds French text %j', (input, expected) => {
    const folded = foldToGsm7(input);
    expect(folded).toBe(expected);
    expect(isGsm7(folded)).toBe(true);
  });

  it('returns the very same string when it is already GSM-7', () => {
    const text = 'Votre solde est de 12 500 FCFA. Tapez 1 pour continuer, 0 pour le menu précédent {€}';
    expect(foldToGsm7(text)).toBe(text);
    expect(foldToGsm7('')).toBe('');
  });

  it('is idempotent', () => {
    for (const text of ['Prêt accordé — « Awa »…', 'Cœur 😀 漢字', 'e\u0301\u00A0\u2019']) {
      const once = foldToGsm7(text);
      expect(foldToGsm7(once)).toBe(once);
    }
  });

  it('always yields GSM-7 for random unicode strings (seeded)', () => {
    const random = mulberry32(0x7e11f1e5);
    const ranges: Array<[number, number]> = [
      [0x0000, 0x007f], // ASCII incl. controls
      [0x00a0, 0x024f], // Latin-1 supplement, Latin Extended-A/B
      [0x0300, 0x036f], // combining diacritics
      [0x0370, 0x04ff], // Greek, Cyrillic
      [0x0600, 0x06ff], // Arabic
      [0x2000, 0x206f], // general punctuation, unicode spaces, zero-width chars
      [0x20a0, 0x20cf], // currency symbols
      [0x4e00, 0x9fff], // CJK
      [0xd800, 0xdfff], // lone surrogates
      [0xff00, 0xffef], // fullwidth forms
      [0x1f300, 0x1faff], // emoji
    ];
    const pick = (n: number) => Math.floor(random() * n);
    for (let i = 0; i < 2000; i++) {
      let text = '';
      const length = pick(40);
      for (let j = 0; j < length; j++) {
        const [lo, hi] = ranges[pick(ranges.length)];
        text += String.fromCodePoint(lo + pick(hi - lo + 1));
      }
      const folded = foldToGsm7(text);
      if (!isGsm7(folded)) throw new Error(`not GSM-7 after folding ${JSON.stringify(text)}`);
      expect(foldToGsm7(folded)).toBe(folded);
    }
  });
});

describe('gsm7Length', () => {
  it('counts basic characters as 1 septet and extension characters as 2', () => {
    expect(gsm7Length('')).toBe(0);
    expect(gsm7Length('Solde: 500 FCFA')).toBe(15);
    expect(gsm7Length('10€')).toBe(4);
    expect(gsm7Length('{a}[b]~|^\\\f')).toBe(2 * 9 + 2);
  });
});

describe('smsSegments', () => {
  const gsm = (n: number) => 'a'.repeat(n);
  const ucs = (n: number) => 'ж'.repeat(n);

  it.each([
    [0, 1], [1, 1], [160, 1], [161, 2], [306, 2], [307, 3], [459, 3], [460, 4],
  ])('GSM-7: %i characters -> %i segment(s)', (n, segments) => {
    expect(smsSegments(gsm(n))).toEqual({ encoding: 'GSM-7', segments, units: n });
  }); // prettier-ignore

  it.each([
    [1, 1], [70, 1], [71, 2], [134, 2], [135, 3],
  ])('UCS-2: %i characters -> %i segment(s)', (n, segments) => {
    expect(smsSegments(ucs(n))).toEqual({ encoding: 'UCS-2', segments, units: n });
  }); // prettier-ignore

  it('counts € as 2 septets at the single-SMS boundary', () => {
    expect(smsSegments(gsm(158) + '€')).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(smsSegments(gsm(159) + '€')).toEqual({ encoding: 'GSM-7', segments: 2, units: 161 });
  });

  it('does not split an escape pair across parts', () => {
    // 306 septets fits 2 × 153 only if € straddles parts 1 and 2; it moves whole to part 2 instead.
    expect(smsSegments(gsm(152) + '€' + gsm(152))).toEqual({ encoding: 'GSM-7', segments: 3, units: 306 });
    expect(smsSegments(gsm(151) + '€' + gsm(153))).toEqual({ encoding: 'GSM-7', segments: 2, units: 306 });
  });

  it('switches to UCS-2 for any non-GSM character and counts UTF-16 code units', () => {
    expect(smsSegments(gsm(69) + 'ê')).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
    expect(smsSegments(gsm(68) + '😀')).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
    expect(smsSegments(gsm(69) + '😀')).toEqual({ encoding: 'UCS-2', segments: 2, units: 71 });
    // a surrogate pair is not split either: 66 + 2 does not fit a 67-unit part
    expect(smsSegments(gsm(66) + '😀' + gsm(66))).toEqual({ encoding: 'UCS-2', segments: 3, units: 134 });
  });
});
