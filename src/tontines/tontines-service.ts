import type { EntityManager, FindOptionsWhere } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { notFound, validationFailed } from '../http/errors';
import type { Page } from '../http/pagination';
import { isPlatformAdmin } from '../http/roles';
import { scopedSfdFilter, withinScope } from '../http/scope';
import { Tontine, TontineParticipant, type ParticipantStatus } from './entities';
import type { CreateTontineBody, ListTontinesQuery, UpdateTontineBody } from './schemas';

/** A tontine in its audit rows' before/after. */
const auditView = (t: Tontine) => ({
  name: t.name,
  status: t.status,
  stake_min: t.stakeMin,
  stake_max: t.stakeMax,
  joining_fee: t.joiningFee,
  min_withdrawal: t.minWithdrawal,
  withdrawal_notice_days: t.withdrawalNoticeDays,
});

/** Tontines themselves: created and changed by their SFD's admin, read by its staff and clients. */
export class TontinesService {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock'>,
    private readonly accounts: AccountsDirectory,
  ) {}

  private m(manager?: EntityManager) {
    return manager ?? this.deps.db.manager;
  }

  /** Any tontine by id, unscoped (for the module's own services), or null. */
  byId(id: number, manager?: EntityManager): Promise<Tontine | null> {
    return this.m(manager).findOne(Tontine, { where: { id } });
  }

  /**
   * A tontine the caller may see, else 404: staff of its SFD (the platform admin: any), and the clients
   * of its SFD.
   */
  async visible(p: Principal, id: number, manager?: EntityManager): Promise<Tontine> {
    const tontine = await this.byId(id, manager);
    if (p.role === 'client') {
      if (!tontine || p.sfdId === null || tontine.sfdId !== p.sfdId) throw notFound();
      return tontine;
    }
    return withinScope(p, tontine);
  }

  /** Staff: their SFD's tontines (the platform admin: all, or `sfd_id`'s); clients: their SFD's active ones. */
  async list(p: Principal, query: ListTontinesQuery, page: Page) {
    const where: FindOptionsWhere<Tontine> = {};
    if (p.role === 'client') {
      where.sfdId = p.sfdId ?? -1;
      where.status = 'active';
    } else {
      const sfd = scopedSfdFilter(p, query.sfd_id);
      if (sfd !== null) where.sfdId = sfd;
      if (query.status) where.status = query.status;
    }
    const [rows, count] = await this.deps.db.manager.findAndCount(Tontine, {
      where,
      order: { id: 'ASC' },
      skip: page.skip,
      take: page.take,
    });
    return { rows, count };
  }

  /** An SFD admin creates one for their SFD; the platform admin names the SFD (`sfd_id`). Audited. */
  async create(p: Principal, body: CreateTontineBody): Promise<Tontine> {
    let sfdId: number | null = p.sfdId;
    if (isPlatformAdmin(p.role)) {
      if (!body.sfd_id) throw validationFailed({ sfd_id: ['required'] });
      sfdId = body.sfd_id;
    }
    if (sfdId === null) throw notFound();
    const sfd = await this.accounts.sfd(sfdId);
    if (!sfd) throw validationFailed({ sfd_id: ['not_found'] });
    const now = this.deps.clock.now();
    return this.deps.db.transaction(async (manager) => {
      const tontine = await manager.save(
        manager.create(Tontine, {
          sfdId: sfd.id,
          name: body.name,
          status: 'active',
          stakeMin: body.stake_min,
          stakeMax: body.stake_max,
          joiningFee: body.joining_fee,
          minWithdrawal: body.min_withdrawal,
          withdrawalNoticeDays: body.withdrawal_notice_days,
          createdBy: p.userId,
          createdAt: now,
          updatedAt: now,
        }),
      );
      await recordAudit(
        manager,
        {
          actor: p,
          sfdId: tontine.sfdId,
          action: 'tontine.create',
          targetType: 'tontine',
          targetId: tontine.id,
          after: auditView(tontine),
        },
        now,
      );
      return tontine;
    });
  }

  /**
   * An SFD admin changes their SFD's tontine (the platform admin: any). The stake bounds apply to new
   * adhesions; a participant's stake is theirs. Audited with before and after.
   */
  async update(p: Principal, id: number, body: UpdateTontineBody): Promise<Tontine> {
    const now = this.deps.clock.now();
    return this.deps.db.transaction(async (manager) => {
      const before = withinScope(p, await this.byId(id, manager));
      const changes: Partial<Tontine> = {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.status !== undefined ? { status: body.status } : {}),
        ...(body.stake_min !== undefined ? { stakeMin: body.stake_min } : {}),
        ...(body.stake_max !== undefined ? { stakeMax: body.stake_max } : {}),
        ...(body.joining_fee !== undefined ? { joiningFee: body.joining_fee } : {}),
        ...(body.min_withdrawal !== undefined ? { minWithdrawal: body.min_withdrawal } : {}),
        ...(body.withdrawal_notice_days !== undefined
          ? { withdrawalNoticeDays: body.withdrawal_notice_days }
          : {}),
      };
      const after = { ...before, ...changes };
      if (after.stakeMin > after.stakeMax) throw validationFailed({ stake_max: ['stake_range'] });
      await manager.update(Tontine, { id }, { ...changes, updatedAt: now });
      const saved = (await this.byId(id, manager)) as Tontine;
      await recordAudit(
        manager,
        {
          actor: p,
          sfdId: saved.sfdId,
          action: 'tontine.update',
          targetType: 'tontine',
          targetId: id,
          before: auditView(before),
          after: auditView(saved),
        },
        now,
      );
      return saved;
    });
  }

  /** A tontine's participants, for its SFD's staff (the tontine out of reach: 404). */
  async participants(p: Principal, tontineId: number, status: ParticipantStatus | undefined, page: Page) {
    const tontine = withinScope(p, await this.byId(tontineId));
    const [rows, count] = await this.deps.db.manager.findAndCount(TontineParticipant, {
      where: { tontineId: tontine.id, ...(status ? { status } : {}) },
      order: { id: 'ASC' },
      skip: page.skip,
      take: page.take,
    });
    return { rows, count };
  }
}
