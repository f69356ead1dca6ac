import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import i18next, { type i18n as I18n, type TFunction } from 'i18next';
import { LAYOUT_CHARS } from './layout-chars';

export const LANGUAGES = ['fr', 'en'] as const;
export type Lang = (typeof LANGUAGES)[number];

/** locales/ sits at the project root, both from src/ (ts) and from dist/src/ (js). */
function localesDir(): string {
  const candidates = [join(__dirname, '..', '..', 'locales'), join(__dirname, '..', '..', '..', 'locales')];
  for (const dir of candidates) {
    try {
      readdirSync(dir);
      return dir;
    } catch {
      /* try the next one */
    }
  }
  throw new Error('locales/ directory not found');
}

/** Runs of the characters that would reshape a screen (controls, line breaks, bidi marks). */
const LAYOUT_RUNS = new RegExp(`[${LAYOUT_CHARS}]+`, 'gu');

/**
 * A value shown inside a screen or an SMS, on one line: a name stored before free text was checked (or
 * by hand) must not add lines to a USSD screen, reorder it, or break an SMS. Every interpolated value
 * goes through it (the i18next escape), and so do list labels.
 */
export function oneLine(value: string): string {
  return value.replace(LAYOUT_RUNS, ' ');
}

let instance: I18n | undefined;
const fixed = new Map<string, TFunction>();

/** One i18next instance, every language and namespace loaded synchronously at boot. */
export function i18n(): I18n {
  if (instance) return instance;
  const dir = localesDir();
  const resources: Record<string, Record<string, unknown>> = {};
  for (const lng of LANGUAGES) {
    resources[lng] = {};
    for (const file of readdirSync(join(dir, lng)).filter((f) => f.endsWith('.json'))) {
      resources[lng][file.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(dir, lng, file), 'utf8'));
    }
  }
  const created = i18next.createInstance();
  void created.init({
    initAsync: false,
    resources,
    lng: 'fr',
    fallbackLng: 'fr',
    supportedLngs: [...LANGUAGES],
    // Not HTML escaping: texts go to phones. Values are kept on one line (see oneLine).
    interpolation: { escapeValue: true, escape: oneLine },
    returnNull: false,
    showSupportNotice: false,
  } as Parameters<I18n['init']>[0]);
  instance = created;
  return created;
}

/** A translation function per (language, namespace), built once and reused on every request. */
export function t(lng: Lang, ns: string): TFunction {
  const key = `${lng}:${ns}`;
  let fn = fixed.get(key);
  if (!fn) {
    fn = i18n().getFixedT(lng, ns);
    fixed.set(key, fn);
  }
  return fn;
}

export function pickLanguage(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return 'fr';
  for (const part of acceptLanguage.split(',')) {
    const tag = part.trim().slice(0, 2).toLowerCase();
    if ((LANGUAGES as readonly string[]).includes(tag)) return tag as Lang;
  }
  return 'fr';
}
