import type { Lang } from '../infra/i18n';
import { Column, Entity, PrimaryGeneratedColumn, type EntityManager } from 'typeorm';
import { booleanFlag } from '../infra/columns';
import type { Role } from '../http/roles';

export type Status = 'active' | 'suspended';
export type KycStatus = 'pending' | 'verified' | 'rejected';

@Entity('sfds')
export class Sfd {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 120 }) name: string;
  @Column({ type: 'varchar', length: 16 }) code: string;
  @Column({ type: 'varchar', length: 80 }) city: string;
  @Column({ type: 'varchar', length: 20 }) phone: string;
  @Column({ name: 'time_zone', type: 'varchar', length: 64 }) timeZone: string;
  @Column({ type: 'varchar', length: 16 }) status: Status;
  /** Staff of this SFD confirm a password login with a one-time code sent by SMS. */
  @Column({ name: 'staff_login_otp', type: 'boolean', default: false, transformer: booleanFlag })
  staffLoginOtp: boolean;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

@Entity('users')
export class User {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 20 }) phone: string;
  @Column({ type: 'varchar', length: 191, nullable: true }) email: string | null;
  @Column({ name: 'first_name', type: 'varchar', length: 80 }) firstName: string;
  @Column({ name: 'last_name', type: 'varchar', length: 80 }) lastName: string;
  @Column({ type: 'varchar', length: 32 }) role: Role;
  @Column({ name: 'sfd_id', type: 'integer', nullable: true }) sfdId: number | null;
  @Column({ type: 'varchar', length: 16 }) status: Status;
  @Column({ type: 'varchar', length: 2 }) language: Lang;
  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true }) passwordHash:
    string | null;
  @Column({ name: 'pin_hash', type: 'varchar', length: 255, nullable: true }) pinHash: string | null;
  @Column({ name: 'kyc_status', type: 'varchar', length: 16 }) kycStatus: KycStatus;
  /** Identity document number, encrypted with DOCUMENT_KEY (never returned by the API in clear). */
  @Column({ name: 'id_number_enc', type: 'text', nullable: true }) idNumberEnc: string | null;
  @Column({ name: 'phone_verified_at', type: 'datetime', precision: 3, nullable: true })
  phoneVerifiedAt: Date | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

/** Append-only: the service only ever inserts. */
@Entity('audit_events')
export class AuditEvent {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'actor_id', type: 'integer', nullable: true }) actorId: number | null;
  @Column({ name: 'actor_role', type: 'varchar', length: 32, nullable: true }) actorRole: string | null;
  @Column({ name: 'sfd_id', type: 'integer', nullable: true }) sfdId: number | null;
  @Column({ type: 'varchar', length: 64 }) action: string;
  @Column({ name: 'target_type', type: 'varchar', length: 32 }) targetType: string;
  @Column({ name: 'target_id', type: 'varchar', length: 64 }) targetId: string;
  /** JSON text of the record before and after the change. */
  @Column({ type: 'text', nullable: true }) before: string | null;
  @Column({ type: 'text', nullable: true }) after: string | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
}

/** One row per issued refresh token; a family is one login and all its rotations. */
@Entity('refresh_tokens')
export class RefreshToken {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'token_hash', type: 'varchar', length: 64 }) tokenHash: string;
  @Column({ name: 'family_id', type: 'varchar', length: 36 }) familyId: string;
  @Column({ name: 'user_id', type: 'integer' }) userId: number;
  @Column({ name: 'expires_at', type: 'datetime', precision: 3 }) expiresAt: Date;
  @Column({ name: 'used_at', type: 'datetime', precision: 3, nullable: true }) usedAt: Date | null;
  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true }) revokedAt: Date | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
}

/** The fields a new user must be given; everything else starts at its default. */
export type NewUser = Pick<User, 'phone' | 'firstName' | 'lastName' | 'role' | 'sfdId' | 'language'> &
  Partial<User>;

/** A new, unsaved user: active, KYC pending, no password, no PIN, phone not verified, unless given. */
export function newUser(manager: EntityManager, fields: NewUser, now: Date): User {
  return manager.create(User, {
    email: null,
    status: 'active',
    passwordHash: null,
    pinHash: null,
    kycStatus: 'pending',
    idNumberEnc: null,
    phoneVerifiedAt: null,
    createdAt: now,
    updatedAt: now,
    ...fields,
  });
}

export const accountsEntities = [Sfd, User, AuditEvent, RefreshToken];
