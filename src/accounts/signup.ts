import { createHmac } from 'node:crypto';
import type { z } from 'zod';
import type { Deps } from '../deps';
import { forbidden, Problem, tooManyRequests, validationFailed } from '../http/errors';
import { hashSecret, verifySecret } from '../infra/crypto';
import { uniqueViolationField } from '../infra/db-errors';
import type { Lang } from '../infra/i18n';
import { codeSms, type OtpService } from '../notifications/otp';
import type { Session } from './auth-service';
import { recordAudit } from './audit';
import { newUser, Sfd, User } from './entities';
import type { KycService } from './kyc';
import type { signupBody, verifyBody } from './schemas';
import type { TokenService } from './tokens';

/**
 * A sign-up's requested details while its code waits, one record per phone (never the PIN itself: its
 * scrypt hash), with the MAC of the code they were sent with.
 */
interface HeldSignup {
  code_mac: string;
  first_name: string;
  last_name: string;
  language: Lang;
  sfd_id: number;
  pin_hash: string;
}

const heldKey = (phone: string) => `signup:held:${phone}`;
const pendingPinFailuresKey = (phone: string) => `signup:pending-pin-failures:${phone}`;
const PENDING_PIN_MAX_FAILURES = 3;
/** Refused sign-ups of one phone written to its audit trail each hour (the rest are answered alike). */
const SIGNUP_REFUSALS_AUDITED_PER_HOUR = 5;

/** Client self sign-up: the details wait with a code sent by SMS; the right code creates the client. */
export class SignupService {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'kv' | 'clock' | 'config' | 'outbox'>,
    private readonly tokens: TokenService,
    private readonly otp: OtpService,
    private readonly kyc: Pick<KycService, 'awaitsValidation'>,
  ) {}

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
      code_mac: '',
      first_name: body.first_name,
      last_name: body.last_name,
      language: body.language,
      sfd_id: sfd.id,
      pin_hash: await hashSecret(body.pin),
    };
    const code = await this.otp.issue('signup', body.phone);
    const ttl = this.deps.config.OTP_TTL_S;
    held.code_mac = this.codeMac(body.phone, code);
    await this.deps.kv.set(heldKey(body.phone), JSON.stringify(held), ttl);
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
        await this.kyc.awaitsValidation(manager, user, now);
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
    const raw = await this.deps.kv.get(heldKey(phone));
    if (raw === null) return;
    const pending = JSON.parse(raw) as HeldSignup;
    const failures = Number((await this.deps.kv.get(failuresKey)) ?? 0);
    if (failures < PENDING_PIN_MAX_FAILURES && (await verifySecret(pin, pending.pin_hash))) return;
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
   * Names the code the details were held with (an HMAC, so the store never holds the code): a
   * verification creates only the details of the very code it checked, even when two sign-ups of one
   * phone crossed.
   */
  private codeMac(phone: string, code: string): string {
    return createHmac('sha256', this.deps.config.JWT_SECRET)
      .update(`signup-held:${phone}:${code}`)
      .digest('hex');
  }

  /** The details held with this code, once, if the code is right (the code's attempts are counted). */
  private async takeHeld(phone: string, code: string): Promise<HeldSignup | null> {
    if (!(await this.otp.verify('signup', phone, code))) return null;
    const raw = await this.deps.kv.get(heldKey(phone));
    await this.deps.kv.del(heldKey(phone));
    const held = raw ? (JSON.parse(raw) as HeldSignup) : null;
    return held?.code_mac === this.codeMac(phone, code) ? held : null;
  }
}
