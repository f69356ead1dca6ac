export const ROLES = ['client', 'agent_sfd', 'superviseur_sfd', 'admin_sfd', 'admin_plateforme'] as const;
export type Role = (typeof ROLES)[number];

export const STAFF_ROLES = ['agent_sfd', 'superviseur_sfd', 'admin_sfd', 'admin_plateforme'] as const;

/** Inside its SFD a higher role has the rights of the lower ones; admin_plateforme has all, everywhere. */
const RANK: Record<Role, number> = {
  client: 0,
  agent_sfd: 1,
  superviseur_sfd: 2,
  admin_sfd: 3,
  admin_plateforme: 4,
};

export function hasRank(role: Role, atLeast: Role): boolean {
  return RANK[role] >= RANK[atLeast];
}

export function isStaff(role: Role): boolean {
  return role !== 'client';
}

export function isPlatformAdmin(role: Role): boolean {
  return role === 'admin_plateforme';
}
