import type { AnyStateNode } from 'xstate';
import { getStateNodes } from 'xstate/graph';
import { definitions, type ScreenMeta } from '../../../menus';
import { t } from '../../../src/infra/i18n';
import { newInput, newRecord, samePhone, textMacWith } from '../../../src/ussd/session';

/**
 * A dial string stops at the first screen whose answer is a secret (engine.ts `walk`): the states that
 * say so with `meta.secret`. Every screen of every menu is classified here, so a new screen that asks
 * for a PIN, a code or an ID number without the flag fails this test.
 */
const SECRET = [
  'account.code',
  'account.code_wrong',
  'account.confirm_pin',
  'account.new_pin',
  'account.old_pin',
  'loans.pin',
  'loans.pin_wrong',
  'pin.mismatch',
  'pin.weak',
  'pin.wrong',
  'registration.id_number',
  'registration.pin',
  'registration.pin_confirm',
  'savings.pin',
  'savings.pin_wrong',
  'set_pin.ask',
  'set_pin.confirm',
  'tontine_balances.pin',
  'tontine_balances.pin_wrong',
  'tontine_balances.withdraw_pin',
  'tontine_contribute.pin',
  'tontine_contribute.pin_wrong',
  'tontine_fee.pin',
  'tontine_fee.pin_wrong',
];

const metas = Object.values(definitions('key')).flatMap(({ machine }) =>
  (getStateNodes(machine.root) as AnyStateNode[])
    .map((node) => node.meta as ScreenMeta | undefined)
    .filter((meta): meta is ScreenMeta & { screen: string } => meta?.screen !== undefined),
);
const screensWhere = (keep: (meta: ScreenMeta) => boolean) =>
  [...new Set(metas.filter(keep).map((meta) => meta.screen))].sort();

describe('secret screens', () => {
  it('are exactly the screens that ask for a PIN, a code or an ID number', () => {
    expect(screensWhere((meta) => meta.secret === true)).toEqual(SECRET);
  });

  it('leave no screen that asks for a PIN, a code or an ID number unflagged', () => {
    const fr = t('fr', 'ussd');
    const asking = screensWhere((meta) =>
      /(PIN|code|piece d'identite)[^\n]*(:|\n1\. Passer[^\n]*)$/.test(fr(meta.screen ?? '')),
    );
    expect(asking).toEqual(SECRET);
  });

  it('do not include the menus and the help', () => {
    const open = screensWhere((meta) => !meta.secret);
    expect(open).toEqual(expect.arrayContaining(['main.menu', 'main.help', 'account.menu']));
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
