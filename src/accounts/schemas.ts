import { z } from 'zod';
export { idParams } from '../http/validate';
import { pageQuery } from '../http/pagination';
import { ROLES } from '../http/roles';
import { phoneSchema } from './phone';
import { pinSchema } from './pin';
import { safeText } from '../http/text';

// Names reach USSD screens, SMS and the back office: no control, line-break or bidi characters, no < >.
const name = safeText(1, 80);
const email = z
  .email()
  .max(191)
  .transform((v) => v.toLowerCase());
const language = z.enum(['fr', 'en']);
const status = z.enum(['active', 'suspended']);
const kycStatus = z.enum(['pending', 'verified', 'rejected']);
export const STAFF_PASSWORD_MIN = 10;
const password = z.string().min(STAFF_PASSWORD_MIN, 'password_length').max(200);
const timeZone = z
  .string()
  .refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', 'unknown time zone');

/** A record's id in a path: a value that cannot name one is a 404, like a missing record. */

export const listUsersQuery = pageQuery.extend({
  status: status.optional(),
  kyc_status: kycStatus.optional(),
  sfd_id: z.coerce.number().int().positive().optional().meta({ description: 'Platform admin only' }),
  search: z
    .string()
    .trim()
    .min(1)
    .max(80)
    .optional()
    .meta({ description: 'In first and last name, phone, email' }),
});

export const createStaffBody = z.object({
  phone: phoneSchema,
  email,
  first_name: name,
  last_name: name,
  language: language.default('fr'),
  password,
  sfd_id: z.number().int().positive().optional(),
});

export const createClientBody = z.object({
  phone: phoneSchema,
  email: email.optional(),
  first_name: name,
  last_name: name,
  language: language.default('fr'),
  sfd_id: z.number().int().positive().optional(),
});

export const updateUserBody = z
  .object({
    phone: phoneSchema,
    email: email.nullable(),
    first_name: name,
    last_name: name,
    language,
    kyc_status: kycStatus,
    role: z.enum(ROLES),
    password,
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'nothing to update');

export const sfdCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]{2,16}$/, '2 to 16 letters or digits')
  .transform((v) => v.toUpperCase());

export const createSfdBody = z.object({
  name: safeText(2, 120),
  code: sfdCode,
  city: safeText(1, 80),
  phone: phoneSchema,
  time_zone: timeZone.default('Africa/Porto-Novo'),
  // Off unless asked: staff of the SFD confirm each password login with a code sent by SMS.
  staff_login_otp: z.boolean().optional(),
});

// Without the default: zod 4 applies a default even to an absent optional key, so a PATCH would reset it.
export const updateSfdBody = createSfdBody
  .omit({ code: true })
  .extend({ time_zone: timeZone })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'nothing to update');

export const listSfdsQuery = pageQuery.extend({
  status: status.optional(),
  search: z.string().trim().min(1).max(80).optional().meta({ description: 'In name, code, city' }),
});

export const signupBody = z.object({
  phone: phoneSchema,
  first_name: name,
  last_name: name,
  sfd_id: z.number().int().positive(),
  language: language.default('fr'),
  pin: pinSchema,
});

const otpCode = z.string().regex(/^\d{6}$/, '6 digits');
export const verifyBody = z.object({ phone: phoneSchema, code: otpCode });

/** The opaque id a staff login answers when a code was sent; see login-otp.ts. */
const challenge = z.string().min(16).max(100);
export const loginOtpBody = z.object({ challenge, code: otpCode });
export const loginOtpResendBody = z.object({ challenge });

export const loginBody = z
  .object({
    email: email.optional(),
    phone: phoneSchema.optional(),
    password: z.string().min(1).max(200).optional(),
    pin: z
      .string()
      .regex(/^\d{4}$/)
      .optional(),
  })
  .refine((b) => (b.email ? 1 : 0) + (b.phone ? 1 : 0) === 1, {
    message: 'give either email or phone',
    path: ['email'],
  })
  .refine((b) => (b.password ? 1 : 0) + (b.pin ? 1 : 0) === 1, {
    message: 'give either password or pin',
    path: ['password'],
  });

export const refreshBody = z.object({ refresh: z.string().min(20).max(200) });
export const logoutBody = z.object({ refresh: z.string().min(20).max(200).optional() });

export type CreateStaffBody = z.infer<typeof createStaffBody>;
export type CreateClientBody = z.infer<typeof createClientBody>;
export type UpdateUserBody = z.infer<typeof updateUserBody>;
export type CreateSfdBody = z.infer<typeof createSfdBody>;
export type UpdateSfdBody = z.infer<typeof updateSfdBody>;
export type ListUsersQuery = z.infer<typeof listUsersQuery>;
export type ListSfdsQuery = z.infer<typeof listSfdsQuery>;

/** A client's PIN change through the API: the current PIN, and a new one under the USSD's rule. */
export const changePinBody = z.object({
  old_pin: z.string().regex(/^\d{4}$/, 'PIN must be 4 digits'),
  new_pin: pinSchema,
});
