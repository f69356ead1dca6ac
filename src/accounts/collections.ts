import type { Role } from '../http/roles';

/**
 * The user collections of the accounts API and who may do what on each. A role's rights include those
 * of the roles below it, inside its own SFD; admin_plateforme has all rights everywhere.
 */
/** The least rank of a right: always a staff role (clients manage no collection). */
export type StaffRole = Exclude<Role, 'client'>;

export interface UserCollection {
  path: string;
  role: Role;
  view: StaffRole;
  create: StaffRole;
  update: StaffRole;
  suspend: StaffRole;
  /** Members belong to an SFD (all but platform admins). */
  sfdScoped: boolean;
}

export const USER_COLLECTIONS: UserCollection[] = [
  {
    path: 'clients',
    role: 'client',
    view: 'agent_sfd',
    create: 'agent_sfd',
    update: 'agent_sfd',
    suspend: 'superviseur_sfd',
    sfdScoped: true,
  },
  {
    path: 'agents-sfd',
    role: 'agent_sfd',
    view: 'admin_sfd',
    create: 'admin_sfd',
    update: 'admin_sfd',
    suspend: 'admin_sfd',
    sfdScoped: true,
  },
  {
    path: 'superviseurs-sfd',
    role: 'superviseur_sfd',
    view: 'admin_sfd',
    create: 'admin_sfd',
    update: 'admin_sfd',
    suspend: 'admin_sfd',
    sfdScoped: true,
  },
  {
    path: 'administrateurs-sfd',
    role: 'admin_sfd',
    view: 'admin_plateforme',
    create: 'admin_plateforme',
    update: 'admin_plateforme',
    suspend: 'admin_plateforme',
    sfdScoped: true,
  },
  {
    path: 'admin-plateforme',
    role: 'admin_plateforme',
    view: 'admin_plateforme',
    create: 'admin_plateforme',
    update: 'admin_plateforme',
    suspend: 'admin_plateforme',
    sfdScoped: false,
  },
];

/** Staff roles a caller may give by a role change: those of the SFD-scoped staff collections it manages. */
export function assignableRoles(callerRank: (atLeast: Role) => boolean): Role[] {
  return USER_COLLECTIONS.filter((c) => c.sfdScoped && c.role !== 'client' && callerRank(c.update)).map(
    (c) => c.role,
  );
}
