import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { EntityManager } from 'typeorm';
import type { Deps } from '../deps';
import type { Authenticator, Principal } from '../http/auth';
import { forbidden, unauthorized } from '../http/errors';
import { randomToken, sha256 } from '../infra/crypto';
import { RefreshToken, Sfd, User } from './entities';
import { ROLES, type Role } from '../http/roles';

interface AccessClaims {
  sub: string;
  role: Role;
  sfd: number | null;
  fam: string;
  jti: string;
  exp: number;
  typ: 'access';
}

export interface TokenPair {
  access: string;
  refresh: string;
}

/** InnoDB picked this transaction as a deadlock's victim and rolled it back: it may simply run again. */
const isDeadlock = (err: unknown) =>
  (err as { driverError?: { errno?: number } })?.driverError?.errno === 1213;

/**
 * A family's rotations and its revocation touch the same index ranges: should two of them deadlock
 * (the token's own row is locked, so two uses of one token take turns), the loser runs again.
 */
async function retryOnDeadlock<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (err) {
      if (i >= attempts || !isDeadlock(err)) throw err;
    }
  }
}

const blacklistJti = (jti: string) => `auth:bl:jti:${jti}`;
const blacklistFamily = (family: string) => `auth:bl:fam:${family}`;

/**
 * Access tokens: short JWTs (HS256). Refresh tokens: opaque random strings stored hashed, one row per
 * rotation; a family is one login. Reusing a spent refresh token after REFRESH_REUSE_GRACE_S revokes
 * its whole family, and the family's access tokens stop working through the blacklist.
 */
export class TokenService implements Authenticator {
  constructor(private readonly deps: Pick<Deps, 'db' | 'kv' | 'clock' | 'config'>) {}

  async issue(manager: EntityManager, user: User, familyId: string = randomUUID()): Promise<TokenPair> {
    const { config, clock } = this.deps;
    const nowS = Math.floor(clock.now().getTime() / 1000);
    const claims: AccessClaims = {
      sub: String(user.id),
      role: user.role,
      sfd: user.sfdId,
      fam: familyId,
      jti: randomUUID(),
      exp: nowS + config.JWT_ACCESS_TTL_S,
      typ: 'access',
    };
    const access = jwt.sign({ ...claims, iat: nowS }, config.JWT_SECRET, { algorithm: 'HS256' });
    const refresh = randomToken(32);
    await manager.insert(RefreshToken, {
      tokenHash: sha256(refresh),
      familyId,
      userId: user.id,
      expiresAt: new Date((nowS + config.JWT_REFRESH_TTL_S) * 1000),
      usedAt: null,
      revokedAt: null,
      createdAt: clock.now(),
    });
    return { access, refresh };
  }

  private verifyJwt(token: string): AccessClaims {
    try {
      const claims = jwt.verify(token, this.deps.config.JWT_SECRET, {
        algorithms: ['HS256'],
        clockTimestamp: Math.floor(this.deps.clock.now().getTime() / 1000),
      }) as Partial<AccessClaims>;
      if (claims.typ !== 'access' || !claims.sub || !claims.jti || !claims.fam || !claims.exp)
        throw new Error('shape');
      if (!ROLES.includes(claims.role as Role)) throw new Error('role');
      return claims as AccessClaims;
    } catch {
      throw unauthorized('invalid_token');
    }
  }

  /** Checks signature, expiry, blacklist and that the account (and its SFD) is still active, on every call. */
  async authenticate(token: string): Promise<Principal> {
    const claims = this.verifyJwt(token);
    const [jtiHit, famHit] = await this.deps.kv.mget([blacklistJti(claims.jti), blacklistFamily(claims.fam)]);
    if (jtiHit || famHit) throw unauthorized('invalid_token');
    const user = await this.deps.db.manager.findOne(User, { where: { id: Number(claims.sub) } });
    if (!user || user.status !== 'active') throw unauthorized('invalid_token');
    if (user.sfdId !== null) {
      const sfd = await this.deps.db.manager.findOne(Sfd, {
        where: { id: user.sfdId },
        select: { status: true },
      });
      if (sfd?.status !== 'active') throw unauthorized('invalid_token');
    }
    // Role and SFD come from the live account, so a role change applies at once.
    return {
      userId: user.id,
      role: user.role,
      sfdId: user.sfdId,
      jti: claims.jti,
      familyId: claims.fam,
      expiresAt: claims.exp,
    };
  }

  /**
   * Rotation: the presented token is spent and a new pair of the same family is returned. A spent token
   * presented again within REFRESH_REUSE_GRACE_S of its use (an app retrying, or refreshing from several
   * requests at once) gets another pair of the family; later it is a reuse and revokes the family.
   */
  async rotate(refresh: string): Promise<{ user: User; tokens: TokenPair }> {
    const now = this.deps.clock.now();
    const outcome = await retryOnDeadlock(() =>
      this.deps.db.transaction(async (manager) => {
        const row = await this.lockedRow(manager, sha256(refresh));
        if (!row || row.revokedAt || row.expiresAt <= now) return { kind: 'invalid' as const };
        if (!(await this.spend(manager, row, now))) {
          await this.revokeFamilyRows(manager, row.familyId, now);
          return { kind: 'reuse' as const, familyId: row.familyId };
        }
        const user = await manager.findOne(User, { where: { id: row.userId } });
        if (!user || user.status !== 'active') return { kind: 'inactive' as const };
        return { kind: 'ok' as const, user, tokens: await this.issue(manager, user, row.familyId) };
      }),
    );
    if (outcome.kind === 'reuse') {
      await this.blacklistFamily(outcome.familyId);
      throw unauthorized(
        'invalid_token',
        'refresh token reuse detected: every session of this login is revoked',
      );
    }
    if (outcome.kind === 'inactive') throw forbidden('account_suspended');
    if (outcome.kind === 'invalid') throw unauthorized('invalid_token');
    return outcome;
  }

  /**
   * The token's row, locked until the transaction ends on MySQL: concurrent rotations of one token take
   * turns, and each sees the `used_at` the previous one committed (a plain read would see the
   * transaction's snapshot). The lock is taken by primary key: a lock request waiting on the unique
   * token_hash index also covers the gap before it, where the holder's new token may need to go, and
   * the two deadlock. SQLite runs one transaction at a time (db.ts) and needs no lock.
   */
  private async lockedRow(manager: EntityManager, tokenHash: string): Promise<RefreshToken | null> {
    const row = await manager.findOne(RefreshToken, { where: { tokenHash } });
    if (!row || manager.connection.options.type !== 'mysql') return row;
    return manager.findOne(RefreshToken, { where: { id: row.id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Whether this use may rotate: the first use (which spends the token), or a retry within the grace. */
  private async spend(manager: EntityManager, row: RefreshToken, now: Date): Promise<boolean> {
    if (row.usedAt) {
      const graceMs = this.deps.config.REFRESH_REUSE_GRACE_S * 1000;
      return now.getTime() - row.usedAt.getTime() <= graceMs;
    }
    // Conditional update: should two uses ever meet unlocked, exactly one spends the token.
    const spent = await manager
      .createQueryBuilder()
      .update(RefreshToken)
      .set({ usedAt: now })
      .where('id = :id AND used_at IS NULL AND revoked_at IS NULL', { id: row.id })
      .execute();
    return Boolean(spent.affected);
  }

  /** Logout: the family's refresh tokens are revoked and the presented access token is blacklisted until expiry. */
  async logout(principal: Principal): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db.transaction((manager) => this.revokeFamilyRows(manager, principal.familyId, now));
    const remaining = principal.expiresAt - Math.floor(now.getTime() / 1000);
    if (remaining > 0) await this.deps.kv.set(blacklistJti(principal.jti), '1', remaining);
    await this.blacklistFamily(principal.familyId);
  }

  private async revokeFamilyRows(manager: EntityManager, familyId: string, now: Date) {
    await manager
      .createQueryBuilder()
      .update(RefreshToken)
      .set({ revokedAt: now })
      .where('family_id = :familyId AND revoked_at IS NULL', { familyId })
      .execute();
  }

  /** Every access token of the family dies too; they live at most JWT_ACCESS_TTL_S. */
  private async blacklistFamily(familyId: string) {
    await this.deps.kv.set(blacklistFamily(familyId), '1', this.deps.config.JWT_ACCESS_TTL_S);
  }
}
