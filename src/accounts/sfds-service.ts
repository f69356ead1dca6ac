import { transition } from '../workflow/decide';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { duplicate, notFound } from '../http/errors';
import type { Page } from '../http/pagination';
import { openSfdAccounts } from '../ledger/service';
import { recordAudit } from './audit';
import { Sfd, type Status } from './entities';
import { inScope, sfdScope } from '../http/scope';
import type { CreateSfdBody, ListSfdsQuery, UpdateSfdBody } from './schemas';
import { sfdDto } from './serializers';
import { mapUniqueViolation } from './users-service';

function auditView(sfd: Sfd) {
  const { created_at: _c, updated_at: _u, ...rest } = sfdDto(sfd);
  return rest;
}

/** SFDs: staff see their own, the platform admin sees and manages all. */
export class SfdsService {
  constructor(private readonly deps: Pick<Deps, 'db' | 'clock'>) {}

  async list(actor: Principal, query: ListSfdsQuery, page: Page) {
    const qb = this.deps.db.getRepository(Sfd).createQueryBuilder('s');
    const scope = sfdScope(actor);
    if (scope !== null) qb.where('s.id = :id', { id: scope });
    if (query.status) qb.andWhere('s.status = :status', { status: query.status });
    if (query.search) {
      // Wildcards in the search are literal; '!' as escape is written alike in MySQL and SQLite.
      qb.andWhere(
        "(s.name LIKE :like ESCAPE '!' OR s.code LIKE :like ESCAPE '!' OR s.city LIKE :like ESCAPE '!')",
        {
          like: `%${query.search.replace(/[%_!]/g, (c) => `!${c}`)}%`,
        },
      );
    }
    const [sfds, count] = await qb.orderBy('s.id', 'ASC').skip(page.skip).take(page.take).getManyAndCount();
    return { sfds, count };
  }

  async get(actor: Principal, id: number, manager = this.deps.db.manager): Promise<Sfd> {
    if (!inScope(actor, id)) throw notFound();
    const sfd = await manager.findOne(Sfd, { where: { id } });
    if (!sfd) throw notFound();
    return sfd;
  }

  /** Active SFDs, for clients choosing one at sign-up. */
  listActive(): Promise<Sfd[]> {
    return this.deps.db.manager.find(Sfd, { where: { status: 'active' }, order: { name: 'ASC' } });
  }

  async create(actor: Principal | null, body: CreateSfdBody): Promise<Sfd> {
    const now = this.deps.clock.now();
    return mapUniqueViolation(() =>
      this.deps.db.transaction(async (manager) => {
        if (await manager.findOne(Sfd, { where: { code: body.code }, select: { id: true } }))
          throw duplicate('code');
        const sfd = manager.create(Sfd, {
          name: body.name,
          code: body.code,
          city: body.city,
          phone: body.phone,
          timeZone: body.time_zone,
          status: 'active',
          staffLoginOtp: body.staff_login_otp ?? false,
          createdAt: now,
          updatedAt: now,
        });
        await manager.save(sfd);
        await openSfdAccounts(manager, sfd.id, now);
        await recordAudit(
          manager,
          {
            actor,
            sfdId: sfd.id,
            action: 'sfd.create',
            targetType: 'sfd',
            targetId: sfd.id,
            after: auditView(sfd),
          },
          now,
        );
        return sfd;
      }),
    );
  }

  async update(actor: Principal, id: number, body: UpdateSfdBody): Promise<Sfd> {
    const now = this.deps.clock.now();
    return this.deps.db.transaction(async (manager) => {
      const sfd = await this.get(actor, id, manager);
      const before = auditView(sfd);
      if (body.name !== undefined) sfd.name = body.name;
      if (body.city !== undefined) sfd.city = body.city;
      if (body.phone !== undefined) sfd.phone = body.phone;
      if (body.time_zone !== undefined) sfd.timeZone = body.time_zone;
      if (body.staff_login_otp !== undefined) sfd.staffLoginOtp = body.staff_login_otp;
      sfd.updatedAt = now;
      await manager.save(sfd);
      await recordAudit(
        manager,
        {
          actor,
          sfdId: id,
          action: 'sfd.update',
          targetType: 'sfd',
          targetId: id,
          before,
          after: auditView(sfd),
        },
        now,
      );
      return sfd;
    });
  }

  async setStatus(actor: Principal, id: number, status: Status): Promise<Sfd> {
    const now = this.deps.clock.now();
    return this.deps.db.transaction(async (manager) => {
      const sfd = await this.get(actor, id, manager);
      return transition(manager, {
        entity: Sfd,
        id: sfd.id,
        from: [status === 'active' ? 'suspended' : 'active'],
        to: status,
        set: { updatedAt: now },
        actor,
        action: status === 'suspended' ? 'sfd.suspend' : 'sfd.reactivate',
        targetType: 'sfd',
        at: now,
        sfdOf: (s) => s.id, // an SFD's audit rows name the SFD itself
      });
    });
  }
}
