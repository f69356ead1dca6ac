import { createHmac } from 'node:crypto';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { EntityManager } from 'typeorm';
import type { Deps } from '../deps';
import { forbidden, tooManyRequests, unauthorized, validationFailed, Problem } from '../http/errors';
import { assertNotLimited, createLimiter, recordFailure } from '../http/rate-limit';
import { hashSecret, verifySecret } from '../infra/crypto';
import { uniqueViolationField } from '../infra/db-errors';
import type { Lang } from '../infra/i18n';
import { codeSms, OtpService } from '../notifications/otp';
import { kycAwaitsValidation } from '../notifications/inapp';
import { recordAudit } from './audit';
import { ClientSelfService } from './client-self-service';
import { newUser, Sfd, User } from './entities';
import { LoginSecondFactor, type OtpChallenge } from './login-otp';
import { PinGuard } from './pin-guard';
import { isStaff } from './roles';
import type { TokenPair, TokenService } from './tokens';
import type { z } from 'zod';
import type { changePinBody, loginBody, loginOtpBody, signupBody, verifyBody } from './schemas';

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

/** A sign-up's requested details while its code waits (never the PIN itself: its scrypt hash). */
interface HeldSignup {
  first_name: string;
  last_name: string;
  language: Lang;
  sfd_id: number;
  pin_hash: string;
}

/** The PIN hash of a phone's sign-up while its code waits (see assertSamePinAsPending). */
const pendingPinKey = (phone: string) => `signup:pending-pin:${phone}`;
const pendingPinFailuresKey = (phone: string) => `signup:pending-pin-failures:${phone}`;
const PENDING_PIN_MAX_FAILURES = 3;
/** Refused sign-ups of one phone written to its audit trail each hour (the rest are answered alike). */
const SIGNUP_REFUSALS_AUDITED_PER_HOUR = 5;

export class AuthService {
  private readonly perAccount: RateLimiterAbstract;
  private readonly perIp: RateLimiterAbstract;
  private readonly otp: OtpService;
  private readonly secondFactor: LoginSecondFactor;
  private readonly clients: ClientSelfService;

  constructor(
    private readonly deps: Pick<Deps, 'db' | 'kv' | 'clock' | 'config' | 'outbox'>,
    private readonly tokens: TokenService,
    private readonly pins: PinGuard,
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
    this.otp = new OtpService(deps);
    this.secondFactor = new LoginSecondFactor(deps);
    this.clients = new ClientSelfService(deps, pins);
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

  /**
   * A signed-in client changes their PIN: the current PIN is checked under the USSD lockout (a wrong
   * one is a 400 naming old_pin, a lock a 429), then the PIN is replaced as on USSD (audit, SMS notice,
   * caller cache).
   */
  async changePin(userId: number, body: z.infer<typeof changePinBody>): Promise<void> {
    const user = await this.deps.db.manager.findOne(User, { where: { id: userId, role: 'client' } });
    if (!user) throw forbidden();
    const check = await this.pins.check(user, body.old_pin);
    if (check === 'locked') throw tooManyRequests(this.deps.config.PIN_LOCK_MINUTES * 60);
    if (check === 'wrong') throw validationFailed({ old_pin: ['wrong_pin'] });
    await this.clients.setPin(user.id, body.new_pin);
  }

  /**
   * Client self sign-up, step 1: nothing is written to the users table. The requested details (the PIN
   * only as its scrypt hash) wait in the key-value store next to the code sent by SMS, and the user is
   * created by `verifySignup`. A phone that already belongs to anyone is a 409: signing up again must
   * never rewrite an existing account (a client created at a branch, or someone else's number). A new
   * phone signed up again (lost SMS) gets a new code with the new details, within the one-time codes'
   * resend limits (429 with Retry-After, the details held with the live code untouched).
   */
  async signup(body: z.infer<typeof signupBody>): Promise<{ phone: string }> {
    await this.refuseTakenPhone(body.phone, body.sfd_id);
    const sfd = await this.deps.db.manager.findOne(Sfd, { where: { id: body.sfd_id, status: 'active' } });
    if (!sfd) throw validationFailed({ sfd_id: ['unknown SFD'] });
    // A sign-up sent again while its code is fresh: 429 before anything is hashed or held.
    const wait = await this.otp.resendIn('signup', body.phone);
    if (wait > 0) throw tooManyRequests(wait);
    await this.assertSamePinAsPending(body.phone, body.pin);
    const held: HeldSignup = {
      first_name: body.first_name,
      last_name: body.last_name,
      language: body.language,
      sfd_id: sfd.id,
      pin_hash: await hashSecret(body.pin),
    };
    const code = await this.otp.issue('signup', body.phone);
    const ttl = this.deps.config.OTP_TTL_S;
    await this.deps.kv.set(this.heldKey(body.phone, code), JSON.stringify(held), ttl);
    await this.deps.kv.set(pendingPinKey(body.phone), held.pin_hash, ttl);
    await this.deps.outbox.queue(
      this.deps.db.manager,
      codeSms({ phone: body.phone, language: body.language }, 'signup_code', code, ttl),
    );
    return { phone: body.phone };
  }

  /**
   * Client self sign-up, step 2: the right code creates the verified client from the details held with
   * that code, with its audit row, the branch's KYC notice and the tokens, in one transaction.
   */
  async verifySignup(body: z.infer<typeof verifyBody>): Promise<Session> {
    const now = this.deps.clock.now();
    const taken = await this.deps.db.manager.findOne(User, { where: { phone: body.phone } });
    if (taken) throw this.phoneInUse();
    const held = await this.takeHeld(body.phone, body.code);
    if (!held) throw validationFailed({ code: ['invalid or expired code'] });
    const sfd = await this.deps.db.manager.findOne(Sfd, { where: { id: held.sfd_id, status: 'active' } });
    if (!sfd) throw forbidden('account_suspended', 'the SFD is suspended');
    try {
      return await this.deps.db.transaction(async (manager) => {
        const user = newUser(
          manager,
          {
            phone: body.phone,
            firstName: held.first_name,
            lastName: held.last_name,
            role: 'client',
            sfdId: sfd.id,
            language: held.language,
            pinHash: held.pin_hash,
            phoneVerifiedAt: now,
          },
          now,
        );
        await manager.save(user);
        await recordAudit(
          manager,
          {
            actor: null,
            sfdId: sfd.id,
            action: 'user.signup',
            targetType: 'user',
            targetId: user.id,
            after: { phone: user.phone, sfd_id: sfd.id, role: 'client', phone_verified: true },
          },
          now,
        );
        // Only a verified sign-up reaches the branch's agents: unverified attempts would be noise.
        await kycAwaitsValidation(manager, user, now);
        return { ...(await this.tokens.issue(manager, user)), user };
      });
    } catch (err) {
      // Registered elsewhere (USSD, a branch, a parallel verification) since the check above.
      if (uniqueViolationField(err) === 'phone') throw this.phoneInUse();
      throw err;
    }
  }

  /**
   * While a sign-up's code waits, signing the phone up again (a lost SMS) must give the same PIN: the
   * newest code creates the newest details, and a stranger who signs up the same new phone with a PIN
   * of their own would otherwise get the owner, who enters the code they received, an account whose
   * PIN the stranger knows. A wrong PIN is a 409; the third one refuses every re-sign-up of the phone
   * until the waiting code expires, so the answer is no oracle for the owner's PIN.
   */
  private async assertSamePinAsPending(phone: string, pin: string): Promise<void> {
    const failuresKey = pendingPinFailuresKey(phone);
    // No code waits any more (expired, used, burned: by the clock port, like the code itself).
    if (!(await this.otp.isPending('signup', phone))) return this.deps.kv.del(failuresKey);
    const pendingHash = await this.deps.kv.get(pendingPinKey(phone));
    if (pendingHash === null) return;
    const failures = Number((await this.deps.kv.get(failuresKey)) ?? 0);
    if (failures < PENDING_PIN_MAX_FAILURES && (await verifySecret(pin, pendingHash))) return;
    if (failures < PENDING_PIN_MAX_FAILURES) await this.deps.kv.incr(failuresKey, this.deps.config.OTP_TTL_S);
    throw new Problem(
      409,
      'signup_pending',
      'A sign-up of this phone is waiting for the code sent by SMS: enter it, sign up again with the ' +
        `same PIN, or try again in ${Math.ceil(this.deps.config.OTP_TTL_S / 60)} minutes.`,
    );
  }

  /** A sign-up for a phone that has an account: 409, in the account's trail (never the names or PIN). */
  private async refuseTakenPhone(phone: string, requestedSfdId: number): Promise<void> {
    const existing = await this.deps.db.manager.findOne(User, { where: { phone } });
    if (!existing) return;
    // Anyone may call this without logging in: a flood is audited a few times an hour, not row by row.
    const refusals = await this.deps.kv.incr(`signup:refused:${phone}`, 3600);
    if (refusals > SIGNUP_REFUSALS_AUDITED_PER_HOUR) throw this.phoneInUse();
    await recordAudit(
      this.deps.db.manager,
      {
        actor: null,
        sfdId: existing.sfdId,
        action: 'user.signup_refused',
        targetType: 'user',
        targetId: existing.id,
        after: { reason: 'phone_in_use', requested_sfd_id: requestedSfdId },
      },
      this.deps.clock.now(),
    );
    throw this.phoneInUse();
  }

  private phoneInUse(): Problem {
    const ussd = this.deps.config.USSD_SERVICE_CODE;
    return new Problem(
      409,
      'phone_in_use',
      `This phone number already has an account: dial ${ussd} or visit your branch.`,
      { phone: ['phone_in_use'] },
    );
  }

  /**
   * The details wait under a key derived from the code they were sent with (an HMAC, so the store
   * never holds the code): a verification always creates the details of the very code it checked, even
   * when two sign-ups of one phone crossed.
   */
  private heldKey(phone: string, code: string): string {
    const mac = createHmac('sha256', this.deps.config.JWT_SECRET)
      .update(`signup-held:${phone}:${code}`)
      .digest('hex');
    return `signup:held:${phone}:${mac}`;
  }

  /** The details held with this code, once, if the code is right (the code's attempts are counted). */
  private async takeHeld(phone: string, code: string): Promise<HeldSignup | null> {
    if (!(await this.otp.verify('signup', phone, code))) return null;
    const key = this.heldKey(phone, code);
    const raw = await this.deps.kv.get(key);
    await this.deps.kv.del(key);
    await this.deps.kv.del(pendingPinKey(phone));
    return raw ? (JSON.parse(raw) as HeldSignup) : null;
  }
}
