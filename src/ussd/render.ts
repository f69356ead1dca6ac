import type { TFunction } from 'i18next';
import { foldToGsm7, gsm7Length } from '../shared/gsm7';
import { oneLine } from '../infra/i18n';

/**
 * Turns a screen's text into the pages a feature phone can show: folded to GSM-7, at most `limit`
 * septets each, split on line boundaries; every page but the last ends with "98. Suite", the last one
 * with the footer (0/00) when there is one.
 */
export function paginate(text: string, limit: number, more: string, footer: string | null): string[] {
  const folded = foldToGsm7(text);
  const whole = footer ? `${folded}\n${footer}` : folded;
  if (gsm7Length(whole) <= limit) return [whole];
  // Every page keeps room for its last line: "98. Suite", or the footer on the last page.
  const room = limit - Math.max(gsm7Length(more), footer ? gsm7Length(footer) : 0) - 1;
  const pages: string[][] = [];
  let current: string[] = [];
  for (const line of folded.split('\n').flatMap((l) => hardWrap(l, room))) {
    if (current.length > 0 && gsm7Length([...current, line].join('\n')) > room) {
      pages.push(current);
      current = [];
    }
    current.push(line);
  }
  pages.push(current);
  return pages.map((lines, i) => {
    const last = i === pages.length - 1;
    const tail = last ? footer : more;
    return (tail ? [...lines, tail] : lines).join('\n');
  });
}

/** At most `limit` septets: cut on a word boundary and marked with "...". */
export function clampScreen(text: string, limit: number): string {
  if (gsm7Length(text) <= limit) return text;
  let cut = text.slice(0, limit - 3);
  while (gsm7Length(cut) > limit - 3) cut = cut.slice(0, -1);
  const space = cut.lastIndexOf(' ');
  return `${space > limit / 2 ? cut.slice(0, space) : cut}...`;
}

function hardWrap(line: string, width: number): string[] {
  if (gsm7Length(line) <= width) return [line];
  const parts: string[] = [];
  let rest = line;
  while (gsm7Length(rest) > width) {
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= 0) cut = width;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

export interface ScreenSource {
  screen?: string;
  list?: string;
}

/**
 * The text of a screen: its translation filled from the context, then its numbered list if any. A
 * static translation already known to a `memoizeStatic` function comes from its cache without a merged
 * options object (see `translate`: the spread of two objects of changing shapes costs about 2 µs).
 */
export function screenText(
  tr: TFunction,
  meta: ScreenSource,
  context: Record<string, unknown>,
  params: Record<string, unknown>,
): string {
  let text = meta.screen ? translate(tr, meta.screen, params, context) : '';
  if (meta.list) {
    const items = (context[meta.list] as { label: string }[] | undefined) ?? [];
    const options = items.map((item, i) => `${i + 1}. ${oneLine(item.label)}`).join('\n');
    text = text ? `${text}\n${options}` : options;
  }
  return text;
}

/** Options that i18next itself reads: a call that carries one is never answered from the cache. */
const I18NEXT_OPTIONS = new Set([
  'count',
  'context',
  'defaultValue',
  'lng',
  'lngs',
  'fallbackLng',
  'ns',
  'keySeparator',
  'nsSeparator',
  'returnObjects',
  'returnDetails',
  'joinArrays',
  'postProcess',
  'interpolation',
  'skipInterpolation',
  'replace',
  'ordinal',
]);

function plainOptions(options: unknown): boolean {
  if (options === undefined) return true;
  if (typeof options !== 'object' || options === null) return false;
  for (const key in options) {
    if (I18NEXT_OPTIONS.has(key) || key.startsWith('defaultValue')) return false;
  }
  return true;
}

/** A memoized function's cached static text of a key (undefined until the key was asked once). */
type KnownStatic = (key: string) => string | undefined;
const KNOWN = Symbol('memoizeStatic.known');

/**
 * i18next's t() costs 10 to 40 µs a call, and every screen makes about three (text, footer, "more").
 * A translation with no interpolation and no nesting gives the same string on every call, so it is
 * asked of i18next once per key and then served from a map. Anything else (placeholders, `$t(…)`,
 * a missing key, i18next options such as `count` or `context`) still goes to `tr` every time.
 * `source(key)` is the raw resource of the key in this language (undefined if missing).
 */
export function memoizeStatic(tr: TFunction, source: (key: string) => unknown): TFunction {
  const cache = new Map<string, string>();
  const known: KnownStatic = (key) => cache.get(key);
  const memoized = (key: unknown, options?: unknown): unknown => {
    if (typeof key !== 'string' || !plainOptions(options)) return tr(key as never, options as never);
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const raw = source(key);
    const text: unknown = tr(key as never, options as never);
    if (typeof raw === 'string' && !raw.includes('{{') && !raw.includes('$t(') && typeof text === 'string') {
      cache.set(key, text);
    }
    return text;
  };
  return Object.assign(memoized, { [KNOWN]: known }) as unknown as TFunction;
}

/**
 * `tr(key, { ...a, ...b })`, answered from a `memoizeStatic` cache without building `{ ...a, ...b }`
 * when the key is known static: the merged options are plain exactly when both objects are
 * (plainOptions looks at keys only), so the answer is the one `tr` itself would give.
 */
export function translate(
  tr: TFunction,
  key: string,
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): string {
  const known = (tr as unknown as { [KNOWN]?: KnownStatic })[KNOWN];
  const text = known && plainOptions(a) && plainOptions(b) ? known(key) : undefined;
  return text ?? tr(key, { ...a, ...b });
}
