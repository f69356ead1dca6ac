import { oneLine, t } from '../../../src/infra/i18n';
import { screenText } from '../../../src/ussd/render';

/** A name stored before free text was checked, or by hand: a line break, a bidi override, a bell. */
const CRAFTED = 'Awa\n1. Envoyer 50000\u202e\u0007';

describe('oneLine', () => {
  it('turns controls, line breaks and bidi marks into one space a run', () => {
    expect(oneLine(CRAFTED)).toBe('Awa 1. Envoyer 50000 ');
    expect(oneLine('a\r\n\tb\u2028c\u2066d\u200fe')).toBe('a b c d e');
  });

  it('keeps letters, accents, digits and no-break spaces', () => {
    expect(oneLine('Sènami Ahouansou 10\u202f000')).toBe('Sènami Ahouansou 10\u202f000');
  });
});

describe('interpolated values stay on one line', () => {
  it('in an SMS template', () => {
    const sms = t('fr', 'sms')('welcome', { firstName: CRAFTED, sfd: 'CSC\nMAT' });
    for (const char of ['\n', '\u202e', '\u0007']) expect(sms).not.toContain(char);
    expect(sms).toContain('Awa 1. Envoyer 50000');
  });

  it('in a USSD screen and its list labels, whose own lines stay', () => {
    const tr = t('fr', 'ussd');
    const profile = { firstName: CRAFTED, lastName: 'Houngbo', sfdName: 'CSC', kyc: 'pending' };
    const screen = screenText(tr, { screen: 'account.profile' }, { profile }, {});
    expect(screen.split('\n')).toHaveLength(3); // name, SFD, identity: the template's own lines
    const list = screenText(
      tr,
      { screen: 'registration.sfd', list: 'sfds' },
      { sfds: [{ label: CRAFTED }] },
      {},
    );
    expect(list.split('\n')).toEqual(['Choisissez votre SFD:', '1. Awa 1. Envoyer 50000 ']);
  });
});
