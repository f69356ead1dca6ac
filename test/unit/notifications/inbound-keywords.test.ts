import { InboundSms, type SmsKeyword } from '../../../src/notifications/inbound';

/** Modules' SMS keywords (contract.ts `smsKeywords`): a word is answered by one keyword only. */
const keyword = (words: SmsKeyword['words']): SmsKeyword => ({
  name: 'test',
  words,
  answer: () => Promise.resolve({ template: 'inbound.help' }),
});
const inbound = () => new InboundSms({} as never, { findByPhone: () => Promise.resolve(null) });

describe('InboundSms.register', () => {
  it('takes a new word', () => {
    expect(() => inbound().register(keyword({ NON: 'fr' }))).not.toThrow();
  });

  it.each(['SOLDE', 'BALANCE', 'AIDE', 'HELP', 'ARRET', 'STOP', 'REPRISE', 'START'])(
    'refuses the built-in %s',
    (word) => {
      expect(() => inbound().register(keyword({ [word]: 'fr' }))).toThrow(`SMS keyword ${word} is taken`);
    },
  );

  it("refuses a word another module's keyword has", () => {
    const service = inbound();
    service.register(keyword({ NON: 'fr' }));
    expect(() => service.register(keyword({ OUI: 'fr', NON: 'fr' }))).toThrow('SMS keyword NON is taken');
  });
});
