import type { Context, Next } from 'koa';
import type { Role } from './roles';
import { unauthorized } from './errors';

/** Who is calling, after the access token was checked against the blacklist and the live account. */
export interface Principal {
  userId: number;
  role: Role;
  sfdId: number | null;
  jti: string;
  familyId: string;
  expiresAt: number;
}

export interface Authenticator {
  authenticate(accessToken: string): Promise<Principal>;
}

export function authenticate(authenticator: Authenticator) {
  return async function authenticate(ctx: Context, next: Next) {
    const header = ctx.get('Authorization');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw unauthorized();
    ctx.state.principal = await authenticator.authenticate(match[1]);
    await next();
  };
}

export function principalOf(ctx: Context): Principal {
  const principal = ctx.state.principal as Principal | undefined;
  if (!principal) throw unauthorized();
  return principal;
}
