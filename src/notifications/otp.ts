import { createHmac } from 'node:crypto';
import type { Deps } from '../deps';
import { tooManyRequests } from '../http/errors';
import { randomDigits, safeEqual } from '../infra/crypto';

const MAX_ATTEMPTS = 3;
const MAX_SENDS_PER_HOUR = 5;

interface Stored {
  hash: string;
  attempts: number;
  /** Expiry by the clock port (testable); the store's TTL only collects the garbage. */
  expiresAt: number;
}

/**
 * One-time codes: 6 digits, kept only as an HMAC (keyed by a server secret, so a leaked store does not
 * give the codes away), valid OTP_TTL_S, 3 attempts, at most 5 sends an hour per purpose and subject.
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

  /** A new code replaces any previous one. */
  async issue(purpose: string, subject: string): Promise<string> {
    const sendsKey = `otp:sends:${purpose}:${subject}`;
    const sends = await this.deps.kv.incr(sendsKey, 3600);
    if (sends > MAX_SENDS_PER_HOUR) throw tooManyRequests(await this.deps.kv.ttl(sendsKey));
    const code = randomDigits(6);
    const stored: Stored = {
      hash: this.hash(purpose, subject, code),
      attempts: 0,
      expiresAt: this.deps.clock.now().getTime() + this.deps.config.OTP_TTL_S * 1000,
    };
    await this.deps.kv.set(this.key(purpose, subject), JSON.stringify(stored), this.deps.config.OTP_TTL_S);
    return code;
  }

  /** True once for the right code; a wrong code uses an attempt, the last one burns the code. */
  async verify(purpose: string, subject: string, code: string): Promise<boolean> {
    const key = this.key(purpose, subject);
    const raw = await this.deps.kv.get(key);
    if (!raw) return false;
    const stored = JSON.parse(raw) as Stored;
    if (stored.expiresAt <= this.deps.clock.now().getTime()) {
      await this.deps.kv.del(key);
      return false;
    }
    if (safeEqual(stored.hash, this.hash(purpose, subject, code))) {
      await this.deps.kv.del(key);
      return true;
    }
    stored.attempts += 1;
    const ttl = await this.deps.kv.ttl(key);
    if (stored.attempts >= MAX_ATTEMPTS || ttl <= 0) await this.deps.kv.del(key);
    else await this.deps.kv.set(key, JSON.stringify(stored), ttl);
    return false;
  }

  /** Whether a code is still waiting (not used, not expired, attempts left). */
  async isPending(purpose: string, subject: string): Promise<boolean> {
    const raw = await this.deps.kv.get(this.key(purpose, subject));
    return raw !== null && (JSON.parse(raw) as Stored).expiresAt > this.deps.clock.now().getTime();
  }
}
