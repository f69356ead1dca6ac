import type { Config } from '../config';
import { decrypt, deriveKey } from '../infra/crypto';
import { i18n, t, type Lang } from '../infra/i18n';
import type { SmsOutboxEntry } from './entities';
import { shapeSms } from './segments';

/** The secret params of an SMS (see OutboxMessage): masked in its body, sealed beside it, unsealed to send. */

/** What a secret value may hold: one GSM-7 septet per character, like the `*` that masks it. */
const SECRET_VALUE_RE = /^[0-9A-Za-z]+$/;

/** The key that seals the secret params of outbox rows: DOCUMENT_KEY's, for this purpose only. */
export const smsSecretKey = (config: Pick<Config, 'DOCUMENT_KEY'>) =>
  deriveKey(config.DOCUMENT_KEY, 'sms-outbox-secret-params');

/** An `sms` template in a language, filled. */
export function renderSms(lang: Lang, template: string, params: Record<string, unknown>): string {
  // A missing key would send the key itself to a client's phone.
  if (!i18n().exists(template, { lng: lang, ns: 'sms' })) {
    throw new Error(`no SMS template '${template}' in locales/${lang}/sms.json`);
  }
  return t(lang, 'sms')(template, params);
}

/** Each secret value as as many `*`: the masked text is exactly as long, in the same encoding. */
export function masked(secret: Record<string, string> | undefined): Record<string, string> {
  if (!secret) return {};
  return Object.fromEntries(
    Object.entries(secret).map(([name, value]) => {
      if (!SECRET_VALUE_RE.test(value))
        throw new Error(`secret SMS param '${name}' must be letters and digits`);
      return [name, '*'.repeat(value.length)];
    }),
  );
}

/**
 * The text to send for a row: its body, or for a row with secret params its template rendered again
 * with them unsealed, folded as at queue time. Throws when they cannot be unsealed (another key).
 */
export function textToSend(
  row: Pick<SmsOutboxEntry, 'body' | 'lang' | 'template' | 'params' | 'secretParamsEnc'>,
  secretKey: string,
): string {
  if (row.secretParamsEnc === null || row.template === null) return row.body;
  const secret = JSON.parse(decrypt(row.secretParamsEnc, secretKey)) as Record<string, string>;
  const params = JSON.parse(row.params ?? '{}') as Record<string, unknown>;
  return shapeSms(renderSms(row.lang as Lang, row.template, { ...params, ...secret })).body;
}
