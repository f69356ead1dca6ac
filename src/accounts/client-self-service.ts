import { EntityNotFoundError } from 'typeorm';
import type { Deps } from '../deps';
import { forbidden, tooManyRequests, validationFailed } from '../http/errors';
import { encrypt, hashSecret } from '../infra/crypto';
import type { Lang } from '../infra/i18n';
import { codeSms, type OtpService } from '../notifications/otp';
import { recordAudit } from './audit';
import { Sfd, User } from './entities';
import { forgetCallers } from './caller-cache';
import type { KycService } from './kyc';
import { pinChangedSms } from './pin';
import type { PinGuard } from './pin-guard';
import { assertUniqueContact, mapUniqueViolation } from './users-service';

export interface Caller {
  id: number;
  role: User['role'];
  status: User['status'];
  language: Lang;
  firstName: string;
  hasPin: boolean;
}

export interface UssdRegistration {
  phone: string;
  lang: Lang;
  lastName: string;
  firstName: string;
  sfdId: number;
  idNumber: string | null;
  pin: string;
}

// The USSD hot path's query, written once: `?` placeholders work on mysql2 and better-sqlite3 alike
// (the caller lookup of the first hop is the directory's: directory.ts).
const PROFILE =
  'SELECT u.first_name, u.last_name, u.kyc_status, s.name AS sfd_name ' +
  'FROM users u LEFT JOIN sfds s ON s.id = u.sfd_id WHERE u.id = ? LIMIT 1';

interface ProfileRow {
  first_name: string;
  last_name: string;
  kyc_status: User['kycStatus'];
  sfd_name: string | null;
}

/**
 * What a client does for themself from the phone (USSD): register, choose or change the PIN, reset it
 * with a one-time code, choose the language, see their information. The phone number is the identity:
 * the operator authenticated it, so a USSD registration counts as a verified phone.
 */
export class ClientSelfService {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock' | 'config' | 'kv' | 'outbox'>,
    private readonly pins: PinGuard,
    private readonly otp: OtpService,
    private readonly kyc: Pick<KycService, 'awaitsValidation'>,
  ) {}

  async activeSfds(): Promise<{ id: number; label: string }[]> {
    const sfds = await this.deps.db.manager.find(Sfd, {
      where: { status: 'active' },
      order: { name: 'ASC' },
    });
    return sfds.map((s) => ({ id: s.id, label: s.name }));
  }

  async register(req: UssdRegistration): Promise<User> {
    const now = this.deps.clock.now();
    const pinHash = await hashSecret(req.pin);
    const user = await mapUniqueViolation(() =>
      this.deps.db.transaction(async (manager) => {
        const sfd = await manager.findOne(Sfd, { where: { id: req.sfdId, status: 'active' } });
        if (!sfd) throw new Error('SFD no longer active');
        await assertUniqueContact(manager, { phone: req.phone });
        const created = manager.create(User, {
          phone: req.phone,
          email: null,
          firstName: req.firstName,
          lastName: req.lastName,
          role: 'client',
          sfdId: sfd.id,
          status: 'active',
          language: req.lang,
          passwordHash: null,
          pinHash,
          kycStatus: 'pending',
          idNumberEnc: req.idNumber ? encrypt(req.idNumber, this.deps.config.DOCUMENT_KEY) : null,
          phoneVerifiedAt: now,
          createdAt: now,
          updatedAt: now,
        });
        await manager.save(created);
        await recordAudit(
          manager,
          {
            actor: null,
            sfdId: sfd.id,
            action: 'user.register_ussd',
            targetType: 'user',
            targetId: created.id,
            after: {
              role: 'client',
              sfd_id: sfd.id,
              kyc_status: 'pending',
              id_number_given: Boolean(req.idNumber),
            },
          },
          now,
        );
        await this.deps.outbox.queue(manager, {
          to: req.phone,
          kind: 'info',
          lang: req.lang,
          template: 'welcome',
          params: { firstName: created.firstName, sfd: sfd.name },
          dedupeKey: `user:${created.id}:welcome`,
        });
        await this.kyc.awaitsValidation(manager, created, now); // the branch's agents see a new client to check
        return created;
      }),
    );
    return user;
  }

  /**
   * Sets the PIN: a change, a reset, or the first PIN of a client created at a branch. Replacing a PIN
   * tells the client by SMS in the same transaction (someone else with the phone or the old PIN would
   * otherwise change it unseen); a first PIN is no change and sends nothing.
   */
  async setPin(userId: number, pin: string): Promise<void> {
    const now = this.deps.clock.now();
    const pinHash = await hashSecret(pin);
    const phone = await this.deps.db.transaction(async (manager) => {
      const user = await manager.findOneOrFail(User, { where: { id: userId } });
      const replaced = user.pinHash !== null;
      await manager.update(User, { id: userId }, { pinHash, updatedAt: now });
      await recordAudit(
        manager,
        {
          actor: { userId, role: 'client' },
          sfdId: user.sfdId,
          action: replaced ? 'user.pin_change' : 'user.pin_set',
          targetType: 'user',
          targetId: userId,
        },
        now,
      );
      if (replaced) await this.deps.outbox.queue(manager, pinChangedSms(user));
      return user.phone;
    });
    // The caller cache says whether a PIN is set: forget it once the change is committed.
    await forgetCallers(this.deps.kv, [phone]);
  }

  /**
   * A client signed in to the API changes their PIN: the current PIN is checked under the USSD lockout
   * (a wrong one is a 400 naming old_pin, a lock a 429), then replaced as on USSD (setPin).
   */
  async changePin(userId: number, body: { old_pin: string; new_pin: string }): Promise<void> {
    const user = await this.deps.db.manager.findOne(User, { where: { id: userId, role: 'client' } });
    if (!user) throw forbidden();
    const check = await this.pins.check(user, body.old_pin);
    if (check === 'locked') throw tooManyRequests(this.deps.config.PIN_LOCK_MINUTES * 60);
    if (check === 'wrong') throw validationFailed({ old_pin: ['wrong_pin'] });
    await this.setPin(user.id, body.new_pin);
  }

  async checkPin(userId: number, pin: string): Promise<'ok' | 'wrong' | 'locked'> {
    const user = await this.deps.db.manager.findOneOrFail(User, { where: { id: userId } });
    try {
      return await this.pins.check(user, pin);
    } catch (err) {
      if ((err as { status?: number }).status === 429) return 'locked';
      throw err;
    }
  }

  async sendResetCode(userId: number): Promise<void> {
    const user = await this.deps.db.manager.findOneOrFail(User, { where: { id: userId } });
    // Asked again within the resend delay (a dropped session redialled): the code already sent stands.
    if ((await this.otp.resendIn('pin_reset', user.phone)) > 0) return;
    const code = await this.otp.issue('pin_reset', user.phone);
    await this.deps.outbox.queue(
      this.deps.db.manager,
      codeSms(user, 'pin_reset_code', code, this.deps.config.OTP_TTL_S),
    );
  }

  async verifyResetCode(userId: number, code: string): Promise<'ok' | 'wrong' | 'expired'> {
    const user = await this.deps.db.manager.findOneOrFail(User, { where: { id: userId } });
    if (await this.otp.verify('pin_reset', user.phone, code)) {
      // A verified reset also lifts the PIN lock: the client proved they hold the phone.
      await this.pins.unlock(userId);
      return 'ok';
    }
    return (await this.otp.isPending('pin_reset', user.phone)) ? 'wrong' : 'expired';
  }

  async setLanguage(userId: number, lang: Lang): Promise<Lang> {
    await this.deps.db.manager.update(
      User,
      { id: userId },
      { language: lang, updatedAt: this.deps.clock.now() },
    );
    return lang;
  }

  /** "Mes informations": the client and their SFD's name, in one query. */
  async profile(userId: number) {
    const rows = (await this.deps.db.query(PROFILE, [userId])) as ProfileRow[];
    const row = rows[0];
    if (!row) throw new EntityNotFoundError(User, { where: { id: userId } });
    return {
      firstName: row.first_name,
      lastName: row.last_name,
      sfdName: row.sfd_name ?? '-',
      kyc: row.kyc_status,
    };
  }
}
