import { createHmac } from 'node:crypto';
import type { Config } from '../config';
import type { Clock } from '../infra/clock';
import { safeEqual } from '../infra/crypto';

/**
 * Payment links for providers that cannot push a prompt to the phone (KKiaPay): the token in
 * `/pay/<token>` says what to pay, for whom, until when, and is signed so nobody can change the amount
 * or the reference. It is sent by SMS, so it is kept short: a compact payload and a MAC cut to 128 bits
 * (plenty against forgery for a 30-minute link). The payload is signed, not encrypted: anyone holding
 * the link can read the reference, amount and phone, as the SMS's recipient could anyway.
 */
export interface PaymentLinkPayload {
  reference: string;
  amount: number;
  /** E.164 phone, with or without '+'; read back always with its '+'. */
  phone: string;
}

export interface PaymentLink extends PaymentLinkPayload {
  expiresAt: Date;
}

export type ReadPaymentLinkResult =
  { ok: true; link: PaymentLink } | { ok: false; reason: 'invalid' | 'expired' };

export const PAYMENT_LINK_TTL_MS = 30 * 60_000;

const SEP = '|';
const MAC_BYTES = 16;

/**
 * The signing key: derived from JWT_SECRET rather than PAYMENT_WEBHOOK_SECRET, because the webhook
 * secret is shared with KKiaPay (its dashboard "hash") and a third party must not be able to mint links.
 * The derivation keeps these MACs apart from every other use of JWT_SECRET.
 */
export function paymentLinkKey(config: Pick<Config, 'JWT_SECRET'>): string {
  return createHmac('sha256', config.JWT_SECRET).update('tontiflex:payment-link:v1').digest('hex');
}

function mac(key: string, payload: string): string {
  return createHmac('sha256', key).update(payload).digest().subarray(0, MAC_BYTES).toString('base64url');
}

export function signPaymentLink(
  payload: PaymentLinkPayload,
  key: string,
  clock: Clock,
  ttlMs: number = PAYMENT_LINK_TTL_MS,
): string {
  const { reference, amount, phone } = payload;
  if (!reference || reference.includes(SEP) || phone.includes(SEP) || !Number.isSafeInteger(amount)) {
    throw new Error('payment link: reference and phone must not contain "|", amount must be an integer');
  }
  const expires = Math.floor((clock.now().getTime() + ttlMs) / 1000);
  // base 36 keeps the numbers short; the phone loses its '+' (always E.164) to save a URL-escaped byte.
  const body = [reference, amount.toString(36), phone.replace(/^\+/, ''), expires.toString(36)].join(SEP);
  const encoded = Buffer.from(body, 'utf8').toString('base64url');
  return `${encoded}.${mac(key, encoded)}`;
}

export function readPaymentLink(token: string, key: string, clock: Clock): ReadPaymentLinkResult {
  const [encoded, signature, extra] = token.split('.');
  if (!encoded || !signature || extra !== undefined || !safeEqual(signature, mac(key, encoded))) {
    return { ok: false, reason: 'invalid' };
  }
  const fields = Buffer.from(encoded, 'base64url').toString('utf8').split(SEP);
  if (fields.length !== 4) return { ok: false, reason: 'invalid' };
  const [reference, amount36, phone, expires36] = fields;
  const amount = parseInt(amount36, 36);
  const expiresAt = new Date(parseInt(expires36, 36) * 1000);
  if (!reference || !phone || !Number.isSafeInteger(amount) || Number.isNaN(expiresAt.getTime())) {
    return { ok: false, reason: 'invalid' };
  }
  if (expiresAt.getTime() <= clock.now().getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, link: { reference, amount, phone: `+${phone}`, expiresAt } };
}
