import en from '../../../locales/en/sms.json';
import fr from '../../../locales/fr/sms.json';
import { t, type Lang } from '../../../src/infra/i18n';
import { ManualClock } from '../../../src/infra/clock';
import { paymentLinkKey, signPaymentLink } from '../../../src/payments/payment-link';
import { formatXof } from '../../../src/shared/money';
import { KYC_REASON_SMS_MAX } from '../../../src/accounts/kyc';
import { TONTINE_NAME_SMS_MAX } from '../../../src/tontines/notices';
import { newReference } from '../../../src/payments/service';
import { MAX_SMS_SEGMENTS, shapeSms } from '../../../src/notifications/segments';
import { isGsm7 } from '../../../src/shared/gsm7';
import { formatBalances, MAX_LISTED } from '../../../src/notifications/balance-text';
import { formatAccountNumber, MAX_ACCOUNT_ID } from '../../../src/savings/account-number';
import { MINI_STATEMENT_SIZE } from '../../../src/savings/statements';

/**
 * Every SMS template, rendered with the longest values it can plausibly receive, must fit two SMS
 * parts. A template with a parameter missing from WORST fails: say what its worst case is.
 */
const reference = newReference('remboursement_pret', new Date('2099-12-31T23:59:59Z'));
const amount = formatXof(999_999_999);
const token = signPaymentLink(
  { reference, amount: 999_999_999, phone: '+229019999999999' },
  paymentLinkKey({ JWT_SECRET: 'x'.repeat(64) }),
  new ManualClock(new Date('2099-12-31T23:59:59Z')),
);
function worstBalances(): string {
  // 999 more than are listed; the longest reference (INT max) and a 12-digit negative amount.
  const account = (kind: string) => ({ kind, code: `${kind}:2147483647`, balance: -999_999_999_999 });
  const rendered = (['fr', 'en'] as const).flatMap((lang) =>
    ['savings', 'participant', 'loan', 'unknown-kind'].map((kind) =>
      formatBalances(
        lang,
        Array.from({ length: MAX_LISTED + 999 }, () => account(kind)),
      ),
    ),
  );
  return rendered.reduce((a, b) => (b.length > a.length ? b : a));
}

const WORST: Record<string, string> = {
  code: '999999',
  minutes: '1440', // PIN_LOCK_MINUTES' maximum; OTP minutes are at most 60
  amount,
  reference,
  // A production base URL longer than the one we use, and the signed token of the largest payload.
  url: `https://passerelle.tontiflex-benin.bj/pay/${token}`,
  // Long real names: a compound first name, the full name of a credit union.
  firstName: 'Marie-Bernadette Afiavi Ayaba',
  sfd: "Caisse Villageoise d'Epargne et de Credit Autogeree de Tchaourou-Centre",
  // USSD_SERVICE_CODE's longest plausible value (the setting allows 20 characters).
  ussd: '*999*9999*9999*999#',
  // A balance SMS at its longest: as many accounts as are listed, longest labels, references and
  // amounts, plus the "+N others" of a client with more (in whichever language renders longer).
  balances: worstBalances(),
  others: '999',
  // A KYC rejection's reason, at the length the SMS keeps of it (KYC_REASON_SMS_MAX).
  reason: 'x'.repeat(KYC_REASON_SMS_MAX),
  // Tontines: a name at the length SMS keep of it, stakes and fees of a billion, a 93-day payment
  // across carnets, a client's tontine balance at its most negative, an agent's long full name.
  tontine: 'x'.repeat(TONTINE_NAME_SMS_MAX),
  stake: formatXof(1_000_000_000),
  fee: formatXof(1_000_000_000),
  days: '93',
  cycle: '99999',
  paid: '31',
  balance: formatXof(-999_999_999_999),
  agent: 'Marie-Bernadette Afiavi Ayaba Houngbedji-Dossou',
  // Savings: the account number of the largest id.
  account: formatAccountNumber(MAX_ACCOUNT_ID),
  // The RELEVE mini statement: MINI_STATEMENT_SIZE movements of the longest amount and short label.
  lines: Array.from({ length: MINI_STATEMENT_SIZE }, () => `31/12 -${amount} Withdrawal`).join('; '),
  // Loans: the reference of the largest application id, 60 monthly instalments, amounts of a billion,
  // a TEG at the rate's maximum (100 %), dates in full.
  loan: 'P2147483647',
  months: '60',
  n: '60',
  instalment: amount,
  remaining: amount,
  excess: amount,
  held: amount,
  next_amount: amount,
  teg: '100.00',
  date: '31/12/2099',
  firstDue: '31/12/2099',
  next_date: '31/12/2099',
};

type Tree = { [key: string]: string | Tree };
function keys(tree: Tree, prefix = ''): [string, string][] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [[`${prefix}${k}`, v] as [string, string]] : keys(v, `${prefix}${k}.`),
  );
}

const locales: Record<Lang, Tree> = { fr, en };
const cases = (Object.keys(locales) as Lang[]).flatMap((lang) =>
  keys(locales[lang]).map(([key, template]) => ({ lang, key, template })),
);

describe('SMS templates (locales/*/sms.json)', () => {
  it('fr and en have the same keys', () => {
    expect(keys(en).map(([k]) => k)).toEqual(keys(fr).map(([k]) => k));
  });

  it.each(cases)('$lang $key is GSM-7 and fits two parts at worst', ({ lang, key, template }) => {
    expect({ key, gsm7: isGsm7(template) }).toEqual({ key, gsm7: true });
    const params = [...template.matchAll(/{{\s*(\w+)\s*}}/g)].map((m) => m[1]);
    const unknown = params.filter((p) => !(p in WORST));
    expect({ key, unknown }).toEqual({ key, unknown: [] });
    const sms = shapeSms(t(lang, 'sms')(key, WORST));
    expect(sms.body).not.toMatch(/{{|}}/);
    if (sms.segments > MAX_SMS_SEGMENTS) {
      throw new Error(
        `${lang} ${key} needs ${sms.segments} SMS parts at worst (${sms.body.length} characters), ` +
          `at most ${MAX_SMS_SEGMENTS} allowed: shorten it.\n${sms.body}`,
      );
    }
  });

  it('the worst case is real: a template one part longer would fail', () => {
    const longest = Math.max(...cases.map((c) => shapeSms(t(c.lang, 'sms')(c.key, WORST)).body.length));
    expect(longest).toBeGreaterThan(160); // the check above is not vacuous
    expect(shapeSms('x'.repeat(307)).segments).toBe(3);
  });
});
