import type { Sfd, User } from './entities';

/** The API shape of a user: snake_case, never a hash. */
export function userDto(user: User) {
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

export function sfdDto(sfd: Sfd) {
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
