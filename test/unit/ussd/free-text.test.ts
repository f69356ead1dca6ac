import type { AnyStateNode } from 'xstate';
import { getStateNodes } from 'xstate/graph';
import { definitions, ID_NUMBER_RE, matches, NAME_RE, type FlowName, type ScreenMeta } from '../../../menus';
import { t } from '../../../src/infra/i18n';
import { foldToGsm7, gsm7Length, isGsm7 } from '../../../src/shared/gsm7';
import { paginate, screenText } from '../../../src/ussd/render';

/** What a phone can type that must never become a name or an ID number shown back on a screen or in an SMS. */
const HOSTILE: Record<string, string> = {
  'line feed': 'Awa\nKoffi',
  'carriage return': 'Awa\rKoffi',
  tab: 'Awa\tKoffi',
  BEL: 'Awa\u0007',
  ESC: 'Awa\u001b[2J',
  'C1 NEL': 'Awa\u0085Koffi',
  RLO: 'Awa\u202eiffoK',
  LRI: 'Awa\u2066Koffi\u2069',
  RLM: 'Awa\u200fKoffi',
  ALM: 'Awa\u061cKoffi',
  'line separator': 'Awa\u2028Koffi',
  '<script>': '<script>',
  '<': 'Awa<Koffi',
  '>': 'Awa>Koffi',
};
const input = (value: string) => ({ event: { type: 'INPUT' as const, value } });

describe('NAME_RE, through the guard the registration menu uses', () => {
  const isName = matches(NAME_RE);

  it.each(Object.entries(HOSTILE))('refuses a name with %s', (_, value) => {
    expect(isName(input(value))).toBe(false);
  });

  it.each(["N'Diaye", 'Dossou-Yovo', 'Françoise Noëlle', 'Ahouéfa', '  Awa  ', 'Ab'])(
    'accepts %j',
    (value) => {
      expect(isName(input(value))).toBe(true);
    },
  );

  it('keeps its length rule: 2 to 40, a letter first', () => {
    expect(isName(input('A'))).toBe(false);
    expect(isName(input('A'.repeat(40)))).toBe(true);
    expect(isName(input('A'.repeat(41)))).toBe(false);
    expect(isName(input('-Awa'))).toBe(false);
    expect(isName(input('Awa2'))).toBe(false);
  });
});

describe('ID_NUMBER_RE', () => {
  it.each(Object.entries(HOSTILE))('refuses an ID number with %s', (_, value) => {
    expect(matches(ID_NUMBER_RE)(input(value.replace('Awa', 'CI-00428')))).toBe(false);
  });
});

describe("the invalid-input lines of the screens that say what is wrong (meta 'invalid')", () => {
  const LIMIT = 182; // USSD_SCREEN_LIMIT's default
  const flows = definitions('test-key');
  const withInvalid = (Object.keys(flows) as FlowName[]).flatMap((flow) =>
    (getStateNodes(flows[flow].machine.root) as AnyStateNode[])
      .filter((node) => (node.meta as ScreenMeta | undefined)?.invalid)
      .map((node) => ({ id: node.id, meta: node.meta as ScreenMeta })),
  );

  it('are set on the registration name and ID number screens, the tontine stake, days, withdrawal amount and receipt code screens, the savings amount screens, the loan amount, months and repayment amount screens', () => {
    expect(withInvalid.map((s) => s.id).sort()).toEqual([
      'loans.amount',
      'loans.months',
      'loans.repayAmount',
      'registration.firstName',
      'registration.idNumber',
      'registration.lastName',
      'savings.depositAmount',
      'savings.depositLow',
      'savings.withdrawAmount',
      'savings.withdrawHigh',
      'savings.withdrawLow',
      'tontineBalances.amount',
      'tontineBalances.amountHigh',
      'tontineBalances.amountLow',
      'tontineContribute.days',
      'tontineDispute.code',
      'tontineJoin.stake',
      'tontineJoin.stakeOutOfRange',
    ]);
  });

  it.each(['fr', 'en'] as const)('are translated, GSM-7, and fit on one screen with it in %s', (lang) => {
    const tr = t(lang, 'ussd');
    for (const { id, meta } of withInvalid) {
      const line = tr(meta.invalid!);
      expect({ id, line }).not.toEqual({ id, line: meta.invalid });
      expect({ id, gsm7: isGsm7(line) }).toEqual({ id, gsm7: true });
      const pages = paginate(
        `${line}\n${screenText(tr, meta, {}, {})}`,
        LIMIT,
        tr('common.more'),
        tr('common.footer'),
      );
      expect({ id, pages: pages.length }).toEqual({ id, pages: 1 });
    }
    expect(t('fr', 'ussd')('registration.last_name_invalid')).toBe('Nom invalide: 2 a 40 lettres.');
    expect(t('en', 'ussd')('registration.last_name_invalid')).toBe('Invalid name: 2 to 40 letters.');
  });
});

describe('the GSM-7 fold, for names stored before the API refused such characters', () => {
  it('drops bidi controls and marks', () => {
    expect(foldToGsm7('Awa\u202eiffoK')).toBe('AwaiffoK');
    expect(foldToGsm7('\u2066Awa\u2069 \u200eKoffi\u200f\u061c')).toBe('Awa Koffi');
  });

  it('lets no control character through but the line breaks screens are made of', () => {
    const folded = foldToGsm7('A\u0000w\u0007a\u001b\u007f K\u0085o\u009bffi\tX');
    // eslint-disable-next-line no-control-regex -- every control character but LF and CR
    expect(folded).not.toMatch(/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    expect(folded).toBe('A?w?a?? K?o?ffi X');
    expect(gsm7Length(folded)).toBe(folded.length);
  });
});
