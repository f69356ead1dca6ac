import type { Sfd, User } from '../../src/accounts/entities';
import type { Role } from '../../src/http/roles';
import type { TestApp } from './app';
import { makeUser, tokenFor } from './factories';

/**
 * The callers of a role × SFD matrix: the record's owner (a client of the SFD), another client of the
 * same SFD, each staff role of the SFD and of another SFD, and the platform admin. The expected
 * answers are written out in each test, never derived from the code's rights.
 */
export type StaffRole = Exclude<Role, 'client' | 'admin_plateforme'>;
export type Caller = 'owner' | 'otherClient' | `${StaffRole}:${'own' | 'other'}` | 'platform';

export const CALLERS: Caller[] = [
  'owner',
  'otherClient',
  'agent_sfd:own',
  'superviseur_sfd:own',
  'admin_sfd:own',
  'agent_sfd:other',
  'superviseur_sfd:other',
  'admin_sfd:other',
  'platform',
];

export interface MatrixCallers {
  users: Record<Caller, User>;
  tokens: Record<Caller, string>;
  /** The caller's Authorization header. */
  auth(caller: Caller): { Authorization: string };
}

/** One user and token per caller; `owner` is given when the test made the record's client already. */
export async function matrixCallers(t: TestApp, own: Sfd, other: Sfd, owner?: User): Promise<MatrixCallers> {
  const users = {
    owner: owner ?? (await makeUser(t, 'client', own)),
    otherClient: await makeUser(t, 'client', own),
    platform: await makeUser(t, 'admin_plateforme', null),
  } as Record<Caller, User>;
  for (const role of ['agent_sfd', 'superviseur_sfd', 'admin_sfd'] as const) {
    users[`${role}:own`] = await makeUser(t, role, own);
    users[`${role}:other`] = await makeUser(t, role, other);
  }
  const tokens = {} as Record<Caller, string>;
  for (const caller of CALLERS) tokens[caller] = await tokenFor(t, users[caller]);
  return { users, tokens, auth: (caller) => ({ Authorization: `Bearer ${tokens[caller]}` }) };
}
