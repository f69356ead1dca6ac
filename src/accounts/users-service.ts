import { transition } from '../workflow/decide';
import { Brackets, type EntityManager } from 'typeorm';
import type { Deps } from '../deps';
import { badRequest, duplicate, notFound, validationFailed } from '../http/errors';
import type { Principal } from '../http/auth';
import type { Page } from '../http/pagination';
import { decrypt, hashSecret } from '../infra/crypto';
import { uniqueViolationField } from '../infra/db-errors';
import { recordAudit } from './audit';
import { forgetCallers } from './caller-cache';
import { assignableRoles, type UserCollection } from './collections';
import { newUser, Sfd, User, RefreshToken, type Status } from './entities';
import { hasRank, isPlatformAdmin } from '../http/roles';
import { scopedSfdFilter, sfdScope } from '../http/scope';
import type { CreateClientBody, CreateStaffBody, ListUsersQuery, UpdateUserBody } from './schemas';
import { userAuditView } from './serializers';

type Actor = Principal;

/** Throws 409 naming the field if phone or email already belongs to another user. */
export async function assertUniqueContact(
  manager: EntityManager,
  fields: { phone?: string; email?: string | null },
  exceptId?: number,
): Promise<void> {
  for (const field of ['phone', 'email'] as const) {
    const value = fields[field];
    if (!value) continue;
    const existing = await manager.findOne(User, { where: { [field]: value }, select: { id: true } });
    if (existing && existing.id !== exceptId) throw duplicate(field);
  }
}

/** A unique-key race lost at commit time becomes the same 409 as the friendly check. */
export async function mapUniqueViolation<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const field = uniqueViolationField(err);
    if (field) throw duplicate(field);
    throw err;
  }
}

/** One client's record as their SFD's staff read it: the user and the decrypted ID number. */
export interface ClientRecord {
  user: User;
  idNumber: string | null;
}

export class UsersService {
  constructor(private readonly deps: Pick<Deps, 'db' | 'clock' | 'kv' | 'config' | 'logger'>) {}

  /** The collection's members the caller reaches: its own SFD's (http/scope.ts), or all for the platform admin. */
  private scope(actor: Actor, coll: UserCollection) {
    const sfdId = sfdScope(actor);
    return sfdId === null ? { role: coll.role } : { role: coll.role, sfdId };
  }

  /** The caller's own record (GET /me). */
  async me(actor: Pick<Actor, 'userId'>): Promise<User> {
    const user = await this.deps.db.manager.findOne(User, { where: { id: actor.userId } });
    if (!user) throw notFound();
    return user;
  }

  async list(actor: Actor, coll: UserCollection, query: ListUsersQuery, page: Page) {
    const qb = this.deps.db
      .getRepository(User)
      .createQueryBuilder('u')
      .where('u.role = :role', { role: coll.role });
    const sfdId = scopedSfdFilter(actor, query.sfd_id);
    if (sfdId !== null) qb.andWhere('u.sfd_id = :sfdId', { sfdId });
    if (query.status) qb.andWhere('u.status = :status', { status: query.status });
    if (query.kyc_status) qb.andWhere('u.kyc_status = :kyc', { kyc: query.kyc_status });
    if (query.search) {
      // Explicit ESCAPE: SQLite has no default escape character, and '!' (unlike a backslash)
      // is written the same way in MySQL and SQLite.
      const like = `%${query.search.replace(/[%_!]/g, (c) => `!${c}`)}%`;
      qb.andWhere(
        new Brackets((w) =>
          w
            .where("u.first_name LIKE :like ESCAPE '!'", { like })
            .orWhere("u.last_name LIKE :like ESCAPE '!'")
            .orWhere("u.phone LIKE :like ESCAPE '!'")
            .orWhere("u.email LIKE :like ESCAPE '!'"),
        ),
      );
    }
    const [users, count] = await qb.orderBy('u.id', 'ASC').skip(page.skip).take(page.take).getManyAndCount();
    return { users, count };
  }

  async get(actor: Actor, coll: UserCollection, id: number, manager = this.deps.db.manager): Promise<User> {
    const user = await manager.findOne(User, { where: { id, ...this.scope(actor, coll) } });
    if (!user) throw notFound();
    return user;
  }

  /**
   * One client's record for their SFD's staff (or the platform admin), with the identity document
   * number decrypted. Every read that reveals a number is in the client's audit trail (who, when).
   */
  async clientRecord(actor: Actor, coll: UserCollection, id: number): Promise<ClientRecord> {
    const user = await this.get(actor, coll, id);
    if (coll.role !== 'client' || user.idNumberEnc === null) return { user, idNumber: null };
    let idNumber: string;
    try {
      idNumber = decrypt(user.idNumberEnc, this.deps.config.DOCUMENT_KEY);
    } catch (err) {
      // Sealed under another key (DOCUMENT_KEY changed since): the record still reads, without it.
      this.deps.logger.warn({ user: user.id, err: (err as Error).message }, 'ID number cannot be decrypted');
      return { user, idNumber: null };
    }
    await recordAudit(
      this.deps.db.manager,
      {
        actor,
        sfdId: user.sfdId,
        action: 'user.id_number_read',
        targetType: 'user',
        targetId: user.id,
      },
      this.deps.clock.now(),
    );
    return { user, idNumber };
  }

  private async targetSfd(manager: EntityManager, actor: Actor, coll: UserCollection, requested?: number) {
    if (!coll.sfdScoped) return null;
    // Staff of an SFD create only inside it, whatever the body says.
    if (!isPlatformAdmin(actor.role)) return actor.sfdId;
    if (!requested) throw validationFailed({ sfd_id: ['required'] });
    const sfd = await manager.findOne(Sfd, { where: { id: requested }, select: { id: true } });
    if (!sfd) throw validationFailed({ sfd_id: ['unknown SFD'] });
    return sfd.id;
  }

  async create(actor: Actor, coll: UserCollection, body: CreateStaffBody | CreateClientBody): Promise<User> {
    const now = this.deps.clock.now();
    const passwordHash = 'password' in body ? await hashSecret(body.password) : null;
    return mapUniqueViolation(() =>
      this.deps.db.transaction(async (manager) => {
        const sfdId = await this.targetSfd(manager, actor, coll, body.sfd_id);
        await assertUniqueContact(manager, { phone: body.phone, email: body.email });
        const user = newUser(
          manager,
          {
            phone: body.phone,
            email: body.email ?? null,
            firstName: body.first_name,
            lastName: body.last_name,
            role: coll.role,
            sfdId,
            language: body.language,
            passwordHash,
          },
          now,
        );
        await manager.save(user);
        await recordAudit(
          manager,
          {
            actor,
            sfdId,
            action: 'user.create',
            targetType: 'user',
            targetId: user.id,
            after: userAuditView(user),
          },
          now,
        );
        return user;
      }),
    );
  }

  async update(actor: Actor, coll: UserCollection, id: number, body: UpdateUserBody): Promise<User> {
    if (body.kyc_status && coll.role !== 'client') throw validationFailed({ kyc_status: ['clients only'] });
    if (body.password && coll.role === 'client') throw validationFailed({ password: ['staff only'] });
    if (body.role && body.role !== coll.role) {
      const allowed = coll.role !== 'client' && coll.sfdScoped;
      if (!allowed || !assignableRoles((r) => hasRank(actor.role, r)).includes(body.role)) {
        throw validationFailed({ role: ['role change not allowed'] });
      }
    }
    const now = this.deps.clock.now();
    const passwordHash = body.password ? await hashSecret(body.password) : undefined;
    let formerPhone: string | null = null;
    const updated = await mapUniqueViolation(() =>
      this.deps.db.transaction(async (manager) => {
        const user = await this.get(actor, coll, id, manager);
        formerPhone = user.phone;
        const before = userAuditView(user);
        await assertUniqueContact(manager, { phone: body.phone, email: body.email }, user.id);
        if (body.phone !== undefined && body.phone !== user.phone) {
          user.phone = body.phone;
          user.phoneVerifiedAt = null;
        }
        if (body.email !== undefined) user.email = body.email;
        if (body.first_name !== undefined) user.firstName = body.first_name;
        if (body.last_name !== undefined) user.lastName = body.last_name;
        if (body.language !== undefined) user.language = body.language;
        if (body.kyc_status !== undefined) user.kycStatus = body.kyc_status;
        if (body.role !== undefined) user.role = body.role;
        if (passwordHash) user.passwordHash = passwordHash;
        user.updatedAt = now;
        await manager.save(user);
        const action = body.role && body.role !== before.role ? 'user.role_change' : 'user.update';
        await recordAudit(
          manager,
          {
            actor,
            sfdId: user.sfdId,
            action,
            targetType: 'user',
            targetId: user.id,
            before,
            after: userAuditView(user),
          },
          now,
        );
        return user;
      }),
    );
    await forgetCallers(this.deps.kv, [formerPhone, updated.phone]);
    return updated;
  }

  async setStatus(actor: Actor, coll: UserCollection, id: number, status: Status): Promise<User> {
    if (id === actor.userId) throw badRequest('you cannot change your own status');
    const now = this.deps.clock.now();
    const updated = await this.deps.db.transaction(async (manager) => {
      const user = await this.get(actor, coll, id, manager);
      const updated = await transition(manager, {
        entity: User,
        id: user.id,
        from: [status === 'active' ? 'suspended' : 'active'],
        to: status,
        set: { updatedAt: now },
        actor,
        action: status === 'suspended' ? 'user.suspend' : 'user.reactivate',
        targetType: 'user',
        at: now,
      });
      if (status === 'suspended') {
        await manager
          .createQueryBuilder()
          .update(RefreshToken)
          .set({ revokedAt: now })
          .where('user_id = :id AND revoked_at IS NULL', { id })
          .execute();
      }
      return updated;
    });
    await forgetCallers(this.deps.kv, [updated.phone]); // a suspension holds on the next dial
    return updated;
  }
}
