import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { EntityManager } from 'typeorm';
import type { Deps } from '../deps';
import { forbidden, unauthorized } from '../http/errors';
import { assertNotLimited, createLimiter, recordFailure } from '../http/rate-limit';
import { hashSecret, verifySecret } from '../infra/crypto';
import { recordAudit } from './audit';
import { Sfd, User } from './entities';
import { LoginSecondFactor, type OtpChallenge } from './login-otp';
import type { PinGuard } from './pin-guard';
import type { OtpService } from '../notifications/otp';
import { isStaff } from '../http/roles';
import type { TokenPair, TokenService } from './tokens';
import type { z } from 'zod';
import type { loginBody, loginOtpBody } from './schemas';

// Compared against when the account does not exist, so a miss costs the same time as a wrong password.
const DUMMY_HASH = hashSecret('not-a-real-password');

export interface Session extends TokenPair {
  user: User;
}

/** What a right password gives: a session, or a challenge when the SFD asks its staff for a code. */
export type LoginResult = Session | OtpChallenge;

/** How a login was made, kept in the audit trail (never the secret). */
interface LoginDetails {
  ip: string;
  method: 'password' | 'pin' | 'password+sms_code';
}

export class AuthService {
  private readonly perAccount: RateLimiterAbstract;
  private readonly perIp: RateLimiterAbstract;
  private readonly secondFactor: LoginSecondFactor;

  constructor(
    private readonly deps: Pick<Deps, 'db' | 'kv' | 'clock' | 'config' | 'outbox'>,
    private readonly tokens: TokenService,
    private readonly pins: PinGuard,
    otp: OtpService,
  ) {
    const window = deps.config.LOGIN_FAILURE_WINDOW_S;
    this.perAccount = createLimiter(deps.kv, {
      keyPrefix: 'login:fail:account',
      points: deps.config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      durationS: window,
    });
    this.perIp = createLimiter(deps.kv, {
      keyPrefix: 'login:fail:ip',
      points: deps.config.LOGIN_MAX_FAILURES_PER_IP,
      durationS: window,
    });
    this.secondFactor = new LoginSecondFactor(deps, otp);
  }

  /**
   * Staff: email or phone + password, then a code by SMS if their SFD asks for one (login-otp.ts).
   * Clients: phone + PIN, under the USSD PIN lockout.
   */
  async login(body: z.infer<typeof loginBody>, ip: string): Promise<LoginResult> {
    const accountKey = (body.email ?? body.phone) as string;
    await assertNotLimited([
      [this.perIp, ip],
      [this.perAccount, accountKey],
    ]);
    const user = await this.deps.db.manager.findOne(User, {
      where: body.email ? { email: body.email } : { phone: body.phone },
    });
    let ok: boolean;
    if (user && body.pin !== undefined && user.role === 'client') {
      ok = (await this.pins.check(user, body.pin)) === 'ok';
    } else if (user && body.password !== undefined && user.role !== 'client') {
      ok = await verifySecret(body.password, user.passwordHash);
    } else {
      await verifySecret('x', await DUMMY_HASH);
      ok = false;
    }
    const method = body.pin !== undefined ? 'pin' : 'password';
    if (!ok || !user) {
      await recordFailure(this.perIp, ip);
      await recordFailure(this.perAccount, accountKey);
      // A known account's failures are in its trail; an unknown one has no record to attach them to.
      if (user) await this.auditLogin(this.deps.db.manager, user, 'auth.login_failed', { ip, method });
      throw unauthorized('invalid_credentials');
    }
    const sfd = await this.assertCanSignIn(user);
    await this.perAccount.delete(accountKey);
    if (isStaff(user.role) && sfd?.staffLoginOtp) return this.secondFactor.start(user);
    return this.session(user, { ip, method });
  }

  /** The second step of a staff login: the code sent by SMS, for the challenge the password gave. */
  async verifyLoginOtp(body: z.infer<typeof loginOtpBody>, ip: string): Promise<Session> {
    const userId = await this.secondFactor.verify(body.challenge, body.code);
    const user = await this.deps.db.manager.findOne(User, { where: { id: userId } });
    if (!user) throw unauthorized('invalid_credentials');
    await this.assertCanSignIn(user); // suspended between the password and the code
    return this.session(user, { ip, method: 'password+sms_code' });
  }

  async resendLoginOtp(challenge: string): Promise<OtpChallenge> {
    const user = await this.secondFactor.owner(challenge);
    await this.assertCanSignIn(user);
    return this.secondFactor.resend(user, challenge);
  }

  /** A signed-in session: the tokens, and the login in the user's audit trail, in one transaction. */
  private async session(user: User, how: LoginDetails): Promise<Session> {
    const tokens = await this.deps.db.transaction(async (manager) => {
      await this.auditLogin(manager, user, 'auth.login', how);
      return this.tokens.issue(manager, user);
    });
    return { ...tokens, user };
  }

  private auditLogin(manager: EntityManager, user: User, action: string, how: LoginDetails) {
    return recordAudit(
      manager,
      {
        actor: { userId: user.id, role: user.role },
        sfdId: user.sfdId,
        action,
        targetType: 'user',
        targetId: user.id,
        after: how,
      },
      this.deps.clock.now(),
    );
  }

  /** Refuses a suspended user, a user of a suspended SFD, an unverified client; answers the user's SFD. */
  private async assertCanSignIn(user: User): Promise<Sfd | null> {
    if (user.status !== 'active') throw forbidden('account_suspended');
    let sfd: Sfd | null = null;
    if (user.sfdId !== null) {
      sfd = await this.deps.db.manager.findOne(Sfd, { where: { id: user.sfdId } });
      if (sfd?.status !== 'active') throw forbidden('account_suspended', 'the SFD is suspended');
    }
    if (user.role === 'client' && !user.phoneVerifiedAt) throw forbidden('phone_not_verified');
    return sfd;
  }

  async refresh(refresh: string): Promise<Session> {
    const { user, tokens } = await this.tokens.rotate(refresh);
    return { ...tokens, user };
  }
}
