import { i18n, t } from '../../../src/infra/i18n';
import { memoizeStatic, screenText, translate } from '../../../src/ussd/render';

/**
 * `translate` and `screenText` answer a static translation from the memoized cache without building the
 * merged options: whatever the key and the options, the answer must be the one i18next gives.
 */
const plain = t('fr', 'ussd');
const memo = () => memoizeStatic(plain, (key) => i18n().getResource('fr', 'ussd', key));
const PARAMS = { minutes: 30 };
const CONTEXTS: Record<string, unknown>[] = [
  {},
  { phone: '+2290197000001', lang: 'fr', userId: 7 },
  { phone: '+2290197000001', lang: 'fr', userId: 7, firstName: 'Awa', flow: 'Mon compte' },
  {
    phone: '+2290197000001',
    lang: 'fr',
    userId: 7,
    profile: { firstName: 'Awa', lastName: 'Houngbo', sfdName: 'Caisse', kyc: 'verified' },
  },
  // i18next reads these options itself: never answered from the cache.
  { lang: 'fr', count: 2 },
  { lang: 'fr', context: 'male' },
  { lang: 'fr', lng: 'en' },
  { lang: 'fr', defaultValue_other: 'x' },
];
const KEYS = [
  'main.menu',
  'account.menu',
  'account.language',
  'common.footer',
  'common.goodbye',
  'pin.locked',
  'registration.done',
  'resume.prompt',
  'account.profile',
  'no.such.key',
];

describe('translate', () => {
  it('answers what i18next answers, before and after a key is cached', () => {
    const tr = memo();
    for (let round = 0; round < 2; round++) {
      for (const key of KEYS) {
        for (const context of CONTEXTS) {
          expect(translate(tr, key, PARAMS, context)).toBe(plain(key, { ...PARAMS, ...context }));
          expect(translate(plain, key, PARAMS, context)).toBe(plain(key, { ...PARAMS, ...context }));
        }
      }
    }
  });

  it('gives screenText the same screens with or without memoization', () => {
    const tr = memo();
    for (const screen of KEYS) {
      for (const context of CONTEXTS) {
        const expected = screenText(plain, { screen }, context, PARAMS);
        expect(screenText(tr, { screen }, context, PARAMS)).toBe(expected);
        expect(screenText(tr, { screen }, context, PARAMS)).toBe(expected);
      }
    }
  });

  it('does not answer a key with an i18next option from the cache', () => {
    const calls: unknown[] = [];
    const spy = ((key: string, options?: unknown) => {
      calls.push(options);
      return plain(key, options as never);
    }) as unknown as typeof plain;
    const tr = memoizeStatic(spy, (key) => i18n().getResource('fr', 'ussd', key));
    translate(tr, 'main.menu', PARAMS, {});
    translate(tr, 'main.menu', PARAMS, {});
    expect(calls).toHaveLength(1);
    translate(tr, 'main.menu', PARAMS, { count: 1 });
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual({ minutes: 30, count: 1 });
  });
});
