import { createHmac } from 'node:crypto';
import type { Deps } from '../deps';
import type { Lang } from '../infra/i18n';
import type { OutboxMessage } from './outbox';
import { tooManyRequests } from '../http/errors';
import { randomDigits, randomToken, safeEqual } from '../infra/crypto';

export const OTP_MAX_ATTEMPTS = 3;
export const OTP_MAX_SENDS_PER_HOUR = 5;

export type OtpCheck = 'ok' | 'wrong' | 'expired';

interface Stored {
  /** Names this code's attempt counter, so a new code starts with fresh attempts. */
  id: string;
  hash: string;
  /** By the clock port (testable), like the expiry; the store's TTL only collects the garbage. */
  sentAt: number;
  expiresAt: number;
}

/**
 * One-time codes: 6 digits, kept only as an HMAC (keyed by a server secret, so a leaked store does not
 * give the codes away), valid OTP_TTL_S, 3 attempts, at most 5 sends an hour per purpose and subject,
 * and OTP_RESEND_DELAY_S between two sends while the first code is still live (a code used, burned or
 * expired may be replaced at once, within the hourly cap). Attempts and use are counted atomically by
 * the store, so parallel guesses get no more than 3 tries and a code works once.
 */
export class OtpService {
  constructor(private readonly deps: Pick<Deps, 'kv' | 'config' | 'clock'>) {}

  private key(purpose: string, subject: string) {
    return `otp:${purpose}:${subject}`;
  }

  private hash(purpose: string, subject: string, code: string) {
    return createHmac('sha256', this.deps.config.JWT_SECRET)
      .update(`${purpose}:${subject}:${code}`)
      .digest('hex');
  }

  private async live(purpose: string, subject: string): Promise<Stored | null> {
    const raw = await this.deps.kv.get(this.key(purpose, subject));
    if (!raw) return null;
    const stored = JSON.parse(raw) as Stored;
    return stored.expiresAt > this.deps.clock.now().getTime() ? stored : null;
  }

  /** Seconds before another code may be sent for this subject (0: now; the hourly cap aside). */
  async resendIn(purpose: string, subject: string): Promise<number> {
    const stored = await this.live(purpose, subject);
    if (!stored?.sentAt) return 0;
    const left = stored.sentAt + this.deps.config.OTP_RESEND_DELAY_S * 1000 - this.deps.clock.now().getTime();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** A new code replaces any previous one. 429 with Retry-After within the resend delay or over the cap. */
  async issue(purpose: string, subject: string): Promise<string> {
    const wait = await this.resendIn(purpose, subject);
    if (wait > 0) throw tooManyRequests(wait);
    const sendsKey = `otp:sends:${purpose}:${subject}`;
    const sends = await this.deps.kv.incr(sendsKey, 3600);
    if (sends > OTP_MAX_SENDS_PER_HOUR) throw tooManyRequests(await this.deps.kv.ttl(sendsKey));
    const code = randomDigits(6);
    const now = this.deps.clock.now().getTime();
    const stored: Stored = {
      id: randomToken(9),
      hash: this.hash(purpose, subject, code),
      sentAt: now,
      expiresAt: now + this.deps.config.OTP_TTL_S * 1000,
    };
    await this.deps.kv.set(this.key(purpose, subject), JSON.stringify(stored), this.deps.config.OTP_TTL_S);
    return code;
  }

  /**
   * 'ok' once for the right code; 'wrong' while attempts are left; 'expired' when there is no live code,
   * including for the wrong code that used the last attempt (it burns the code).
   */
  async check(purpose: string, subject: string, code: string): Promise<OtpCheck> {
    const key = this.key(purpose, subject);
    const stored = await this.live(purpose, subject);
    if (!stored) {
      await this.deps.kv.del(key);
      return 'expired';
    }
    const ttl = this.deps.config.OTP_TTL_S;
    const attempt = await this.deps.kv.incr(`${key}:tries:${stored.id}`, ttl);
    if (attempt > OTP_MAX_ATTEMPTS) return 'expired';
    if (safeEqual(stored.hash, this.hash(purpose, subject, code))) {
      const first = (await this.deps.kv.incr(`${key}:used:${stored.id}`, ttl)) === 1;
      await this.deps.kv.del(key);
      return first ? 'ok' : 'expired';
    }
    if (attempt < OTP_MAX_ATTEMPTS) return 'wrong';
    await this.deps.kv.del(key);
    return 'expired';
  }

  /** True once for the right code; a wrong code uses an attempt, the last one burns the code. */
  async verify(purpose: string, subject: string, code: string): Promise<boolean> {
    return (await this.check(purpose, subject, code)) === 'ok';
  }

  /** Whether a code is still waiting (not used, not expired, attempts left). */
  async isPending(purpose: string, subject: string): Promise<boolean> {
    return (await this.live(purpose, subject)) !== null;
  }
}

/**
 * The SMS carrying a one-time code, in the recipient's language. Every code is a new message (no
 * dedupe key); the code itself lives in the store, not in a transaction. The code is a secret param:
 * the outbox row shows it masked and keeps it sealed only until the SMS is sent.
 */
export function codeSms(
  to: { phone: string; language: Lang },
  template: string,
  code: string,
  ttlS: number,
): OutboxMessage {
  return {
    to: to.phone,
    kind: 'otp',
    lang: to.language,
    template,
    params: { minutes: Math.round(ttlS / 60) },
    secret: { code },
  };
}
