import type { AnyStateNode } from 'xstate';
import { getStateNodes } from 'xstate/graph';
import { definitions, type ScreenMeta } from '../../../menus';
import { t } from '../../../src/infra/i18n';
import { isSecretScreen } from '../../../src/ussd/engine';
import { newInput, newRecord, samePhone, textMacWith } from '../../../src/ussd/session';

/**
 * A dial string stops at the first screen whose answer is a secret (engine.ts `walk`): which screens
 * those are is decided by their keys. Every screen of every menu is classified here, so a new screen
 * that asks for a PIN or a code and is not named like one fails this test.
 */
const SECRET = [
  'account.code',
  'account.code_wrong',
  'account.confirm_pin',
  'account.new_pin',
  'account.old_pin',
  'pin.mismatch',
  'pin.weak',
  'pin.wrong',
  'registration.id_number',
  'registration.pin',
  'registration.pin_confirm',
  'set_pin.ask',
  'set_pin.confirm',
];

const screens = [
  ...new Set(
    Object.values(definitions('key')).flatMap(({ machine }) =>
      (getStateNodes(machine.root) as AnyStateNode[])
        .map((node) => (node.meta as ScreenMeta | undefined)?.screen)
        .filter((screen): screen is string => screen !== undefined),
    ),
  ),
].sort();

describe('isSecretScreen', () => {
  it('names exactly the screens that ask for a PIN, a code or an ID number', () => {
    expect(screens.filter(isSecretScreen)).toEqual(SECRET);
  });

  it('leaves no screen that asks for a PIN or a code unnamed', () => {
    const fr = t('fr', 'ussd');
    const asking = screens.filter((key) =>
      /(PIN|code|piece d'identite)[^\n]*(:|\n1\. Passer[^\n]*)$/.test(fr(key)),
    );
    expect(asking.sort()).toEqual(SECRET);
  });

  it('is false without a screen', () => {
    expect(isSecretScreen(undefined)).toBe(false);
    expect(isSecretScreen('main.menu')).toBe(false);
    expect(isSecretScreen('main.help')).toBe(false);
  });
});

describe('session bookkeeping after a dial string', () => {
  const mac = textMacWith('server-key');

  it('takes the next input after the whole dial string, however much of it was walked', () => {
    // `6*2*4827` walked up to the PIN screen: the stored text is still all of it.
    const rec = { textLen: '6*2*4827'.length, textMac: mac('6*2*4827') };
    expect(newInput(rec, '6*2*4827*4827', mac)).toBe('4827');
    expect(newInput({ textLen: 1, textMac: mac('6') }, '6*4', mac)).toBe('4');
  });
});

describe('samePhone', () => {
  const rec = newRecord('+2290197000001', '0197000001');
  const normalize = jest.fn((n: string) =>
    n.replace(/^0/, '+229') === '+2290197000001' ? '+2290197000001' : null,
  );

  it('is the string the session was opened with, without normalizing it', () => {
    expect(samePhone(rec, '0197000001', normalize)).toBe(true);
    expect(normalize).not.toHaveBeenCalled();
  });

  it('else compares E.164 forms', () => {
    expect(samePhone(rec, '+2290197000001', (n) => n)).toBe(true);
    expect(samePhone(rec, '+2290197000002', (n) => n)).toBe(false);
    expect(samePhone(rec, 'hello', () => null)).toBe(false);
    expect(samePhone({ phone: '+2290197000001' }, '+2290197000001', (n) => n)).toBe(true); // an older record
  });
});
