import type { Deps } from '../deps';
import { Problem, validationFailed } from '../http/errors';
import { randomToken } from '../infra/crypto';
import { codeSms, type OtpService } from '../notifications/otp';
import { User } from './entities';

const PURPOSE = 'staff_login';
const challengeKey = (challenge: string) => `login-otp:challenge:${challenge}`;
const currentKey = (userId: number) => `login-otp:user:${userId}`;

export interface OtpChallenge {
  challenge: string;
}

/** The challenge is unknown, superseded, expired, or its code used up: the staff member logs in again. */
const expired = (detail: string) =>
  new Problem(400, 'invalid_code', detail, { challenge: ['expired: log in again'] });

/**
 * The second factor of a staff login (SFDs with `staff_login_otp`): the right password answers an
 * opaque challenge instead of tokens, and a 6-digit code goes by SMS to the staff member's phone. The
 * code belongs to the user (one live code each, so the send limits count per user); the challenge
 * names the login it answers and lives exactly as long as that code. A newer login replaces both.
 */
export class LoginSecondFactor {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'kv' | 'clock' | 'config' | 'outbox'>,
    private readonly otp: OtpService,
  ) {}

  /**
   * After the right password. Within the resend delay of a live code, the login is answered with the
   * same challenge and no new SMS (a reloaded page should not cost a 429); otherwise a new code and a
   * new challenge, the previous one dropped. 429 past the hourly cap of codes.
   */
  async start(user: User): Promise<OtpChallenge> {
    const subject = String(user.id);
    const live = await this.deps.kv.get(currentKey(user.id));
    if (live && (await this.otp.resendIn(PURPOSE, subject)) > 0) return { challenge: live };
    const code = await this.otp.issue(PURPOSE, subject);
    const challenge = randomToken(24);
    const ttl = this.deps.config.OTP_TTL_S;
    const dels = live ? [challengeKey(live)] : [];
    await this.deps.kv.batch(
      [
        [challengeKey(challenge), subject, ttl],
        [currentKey(user.id), challenge, ttl],
      ],
      dels,
    );
    await this.send(user, code);
    return { challenge };
  }

  /** The user whose live challenge this is; 400 if it is unknown, superseded or its code is gone. */
  async owner(challenge: string): Promise<User> {
    const user = await this.deps.db.manager.findOne(User, { where: { id: await this.userOf(challenge) } });
    if (!user) throw expired('unknown challenge');
    return user;
  }

  /** A new code for the same challenge: 429 with Retry-After within the resend delay or past the cap. */
  async resend(user: User, challenge: string): Promise<OtpChallenge> {
    const code = await this.otp.issue(PURPOSE, String(user.id));
    const ttl = this.deps.config.OTP_TTL_S;
    await this.deps.kv.batch([
      [challengeKey(challenge), String(user.id), ttl],
      [currentKey(user.id), challenge, ttl],
    ]);
    await this.send(user, code);
    return { challenge };
  }

  /** The id of the user who passed the password step, once, for the right code; 400 otherwise. */
  async verify(challenge: string, code: string): Promise<number> {
    const userId = await this.userOf(challenge);
    const result = await this.otp.check(PURPOSE, String(userId), code);
    if (result === 'wrong') throw validationFailed({ code: ['wrong code'] });
    await this.deps.kv.batch([], [challengeKey(challenge), currentKey(userId)]);
    if (result === 'expired') throw expired('the code expired or too many wrong codes were given');
    return userId;
  }

  /** The user a live challenge belongs to; 400 if it is unknown, superseded or its code is gone. */
  private async userOf(challenge: string): Promise<number> {
    const owner = await this.deps.kv.get(challengeKey(challenge));
    if (!owner) throw expired('unknown or expired challenge');
    const userId = Number(owner);
    const live = await this.deps.kv.get(currentKey(userId));
    if (live !== challenge || !(await this.otp.isPending(PURPOSE, owner))) {
      throw expired('unknown or expired challenge');
    }
    return userId;
  }

  private async send(user: User, code: string): Promise<void> {
    await this.deps.outbox.queue(
      this.deps.db.manager,
      codeSms(user, 'login_code', code, this.deps.config.OTP_TTL_S),
    );
  }
}
