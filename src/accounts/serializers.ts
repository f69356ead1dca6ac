import { z } from 'zod';
import { ROLES } from '../http/roles';
import type { Sfd, User } from './entities';

/** A client as the API shows one: the document's examples. */
export const USER_EXAMPLE = {
  id: 12,
  phone: '+2290196123456',
  email: null,
  first_name: 'Awa',
  last_name: 'Houngbo',
  role: 'client',
  sfd_id: 1,
  status: 'active',
  language: 'fr',
  kyc_status: 'pending',
  phone_verified: true,
  has_pin: true,
  created_at: '2025-03-03T09:00:00.000Z',
  updated_at: '2025-03-03T09:00:00.000Z',
} as const;

/** The API shape of a user: snake_case, never a hash, never the ID number (see `clientRecordSchema`). */
export const userSchema = z
  .object({
    id: z.number().int(),
    phone: z.string().meta({ description: 'E.164' }),
    email: z.string().nullable(),
    first_name: z.string(),
    last_name: z.string(),
    role: z.enum(ROLES),
    sfd_id: z.number().int().nullable(),
    status: z.enum(['active', 'suspended']),
    language: z.enum(['fr', 'en']),
    kyc_status: z.enum(['pending', 'verified', 'rejected']),
    phone_verified: z.boolean(),
    has_pin: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'User', example: USER_EXAMPLE });

export type UserDto = z.input<typeof userSchema>;

/** One client's record as their SFD's staff read it: the user, and the identity document number. */
export const clientRecordSchema = userSchema
  .extend({
    id_number: z
      .string()
      .nullable()
      .meta({ description: 'The identity document number, decrypted; each read is audited' }),
  })
  .meta({ id: 'ClientRecord', example: { ...USER_EXAMPLE, id_number: 'B1234567' } });

export const sfdSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    code: z.string(),
    city: z.string(),
    phone: z.string(),
    time_zone: z.string(),
    status: z.enum(['active', 'suspended']),
    staff_login_otp: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({
    id: 'Sfd',
    example: {
      id: 1,
      name: 'FECECAM Benin',
      code: 'FECECAM',
      city: 'Cotonou',
      phone: '+2290121300000',
      time_zone: 'Africa/Porto-Novo',
      status: 'active',
      staff_login_otp: false,
      created_at: '2025-03-03T09:00:00.000Z',
      updated_at: '2025-03-03T09:00:00.000Z',
    },
  });

/** A signed-in session: the token pair and the user. */
export const sessionSchema = z
  .object({
    access: z.string().meta({ description: 'JWT access token (Authorization: Bearer)' }),
    refresh: z.string().meta({ description: 'Opaque refresh token, rotated at each use' }),
    user: userSchema,
  })
  .meta({ id: 'Session' });

/** No tokens yet: the code sent by SMS goes to /login/verifier-otp/ with this challenge. */
export const challengeSchema = z
  .object({
    otp_required: z.literal(true),
    challenge: z.string(),
  })
  .meta({ id: 'LoginChallenge', example: { otp_required: true, challenge: 'Vx3dQe0bq5v1N8sJ2pL4kRr7' } });

export const loginResultSchema = z.union([sessionSchema, challengeSchema]).meta({ id: 'LoginResult' });

export function userDto(user: User): UserDto {
  return {
    id: user.id,
    phone: user.phone,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
    role: user.role,
    sfd_id: user.sfdId,
    status: user.status,
    language: user.language,
    kyc_status: user.kycStatus,
    phone_verified: user.phoneVerifiedAt !== null,
    has_pin: user.pinHash !== null,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

export function sfdDto(sfd: Sfd): z.input<typeof sfdSchema> {
  return {
    id: sfd.id,
    name: sfd.name,
    code: sfd.code,
    city: sfd.city,
    phone: sfd.phone,
    time_zone: sfd.timeZone,
    status: sfd.status,
    staff_login_otp: sfd.staffLoginOtp,
    created_at: sfd.createdAt.toISOString(),
    updated_at: sfd.updatedAt.toISOString(),
  };
}

/** What the audit trail keeps of a user: the DTO without timestamps. */
export function userAuditView(user: User) {
  const { created_at: _c, updated_at: _u, ...rest } = userDto(user);
  return rest;
}
