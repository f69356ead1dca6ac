import { t } from '../../../src/infra/i18n';
import { MAX_SMS_SEGMENTS, shapeSms } from '../../../src/notifications/segments';
import { newReference } from '../../../src/payments/service';
import { formatXof } from '../../../src/shared/money';
import { isGsm7 } from '../../../src/shared/gsm7';

/**
 * The contribution receipts at their longest: the largest figures a contribution can show, a long
 * agent's full name. (The shared check of every template, sms-templates.test.ts, needs these worst
 * cases in its WORST table too.)
 */
const WORST = {
  amount: formatXof(999_999_999),
  days: '93',
  cycle: '99999',
  paid: '31',
  balance: formatXof(-999_999_999_999),
  reference: newReference('cotisation_tontine', new Date('2099-12-31T23:59:59Z')),
  agent: 'Marie-Bernadette Afiavi Ayaba Houngbedji-Adjovikpe',
  code: 'ABCDEF',
};

describe.each(['fr', 'en'] as const)('contribution receipts (%s)', (lang) => {
  it.each(['tontines.receipt', 'tontines.cash_receipt'])(
    '%s is GSM-7, complete and fits two parts',
    (key) => {
      const body = t(lang, 'sms')(key, WORST);
      expect(body).not.toBe(key); // the key exists
      expect(body).not.toMatch(/{{|}}/);
      expect(isGsm7(body)).toBe(true);
      expect(shapeSms(body).segments).toBeLessThanOrEqual(MAX_SMS_SEGMENTS);
    },
  );

  it('the cash receipt names the agent and tells how to dispute it', () => {
    const body = t(lang, 'sms')('tontines.cash_receipt', WORST);
    expect(body).toContain(WORST.agent);
    expect(body).toContain('NON ABCDEF');
    expect(body).toContain('Carnet 99999: 31/31');
  });
});
