import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Deps } from '../deps';
import { assertNotLimited, createLimiter, recordFailure } from '../http/rate-limit';
import { verifySecret } from '../infra/crypto';
import type { User } from './entities';

/**
 * The PIN check shared by USSD and the API login: PIN_MAX_FAILURES wrong PINs lock PIN use for
 * PIN_LOCK_MINUTES (counter in Redis, so every process agrees) and the client is told by SMS.
 */
export class PinGuard {
  private readonly limiter: RateLimiterAbstract;

  constructor(private readonly deps: Pick<Deps, 'kv' | 'config' | 'db' | 'outbox'>) {
    this.limiter = createLimiter(deps.kv, {
      keyPrefix: 'pin:fail',
      points: deps.config.PIN_MAX_FAILURES,
      durationS: deps.config.PIN_LOCK_MINUTES * 60,
    });
  }

  /** Throws 429 while locked. */
  async assertUnlocked(userId: number): Promise<void> {
    await assertNotLimited([[this.limiter, String(userId)]]);
  }

  /**
   * 'ok', 'wrong', or 'locked' when this failure used up the last try. While locked it throws 429
   * without looking at the PIN.
   */
  async check(user: User, pin: string): Promise<'ok' | 'wrong' | 'locked'> {
    await this.assertUnlocked(user.id);
    if (await verifySecret(pin, user.pinHash)) {
      await this.limiter.delete(String(user.id));
      return 'ok';
    }
    const lockedNow = await recordFailure(this.limiter, String(user.id));
    if (lockedNow) {
      // The lock runs from the last failure, not from the first.
      await this.limiter.block(String(user.id), this.deps.config.PIN_LOCK_MINUTES * 60);
      // No transaction here (the lock is in the store): the row is written and queued at once.
      await this.deps.outbox.queue(this.deps.db.manager, {
        to: user.phone,
        kind: 'alert',
        lang: user.language,
        template: 'pin_locked',
        params: { minutes: this.deps.config.PIN_LOCK_MINUTES },
      });
      return 'locked';
    }
    return 'wrong';
  }

  async unlock(userId: number): Promise<void> {
    await this.limiter.delete(String(userId));
  }
}
