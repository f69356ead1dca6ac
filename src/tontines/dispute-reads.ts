import { In } from 'typeorm';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { forbidden } from '../http/errors';
import type { Page } from '../http/pagination';
import { withinScope } from '../http/scope';
import { addDays, DEFAULT_TIME_ZONE, startOfLocalDay, type LocalDate } from '../shared/sfd-calendar';
import { DISPUTE_DECIDERS } from './dispute-notices';
import { Contestation, Cotisation, type ContestationStatus } from './entities';

export interface DisputeFilter {
  status?: ContestationStatus;
  agentId?: number;
  participantId?: number;
  /** Local dates (the SFD's zone), both included: when the dispute was opened. */
  from?: LocalDate;
  to?: LocalDate;
}

/** A dispute with the receipt it disputes. */
export interface DisputeView {
  contestation: Contestation;
  cotisation: Cotisation;
}

/**
 * The disputes' read side: the superviseurs and admins of the SFD (they decide), the platform admin
 * every SFD's. An agent does not read the disputes of receipts, theirs included: 403.
 */
export class DisputeReads {
  constructor(
    private readonly deps: Pick<Deps, 'db'>,
    private readonly accounts: AccountsDirectory,
  ) {}

  /** Newest first; `sfdId` null: every SFD (dates then in the default zone). */
  async list(
    sfdId: number | null,
    filter: DisputeFilter,
    page: Page,
  ): Promise<{ rows: DisputeView[]; count: number }> {
    const qb = this.deps.db.manager.getRepository(Contestation).createQueryBuilder('c');
    if (sfdId !== null) qb.where('c.sfd_id = :sfd', { sfd: sfdId });
    if (filter.status) qb.andWhere('c.status = :status', { status: filter.status });
    if (filter.agentId) qb.andWhere('c.agent_id = :agent', { agent: filter.agentId });
    if (filter.participantId) qb.andWhere('c.participant_id = :p', { p: filter.participantId });
    if (filter.from || filter.to) {
      const zone =
        sfdId === null
          ? DEFAULT_TIME_ZONE
          : ((await this.accounts.sfd(sfdId))?.timeZone ?? DEFAULT_TIME_ZONE);
      if (filter.from) qb.andWhere('c.created_at >= :from', { from: startOfLocalDay(filter.from, zone) });
      if (filter.to) qb.andWhere('c.created_at < :to', { to: startOfLocalDay(addDays(filter.to, 1), zone) });
    }
    const [rows, count] = await qb.orderBy('c.id', 'DESC').skip(page.skip).take(page.take).getManyAndCount();
    return { rows: await this.withReceipts(rows), count };
  }

  /** One dispute, if the caller reads disputes (else 403) and it is of their SFD (else 404). */
  async get(actor: Principal, id: number): Promise<DisputeView> {
    if (!canRead(actor)) throw forbidden();
    const found = withinScope(actor, await this.deps.db.manager.findOne(Contestation, { where: { id } }));
    return (await this.withReceipts([found]))[0];
  }

  async withReceipts(rows: Contestation[]): Promise<DisputeView[]> {
    const ids = [...new Set(rows.map((c) => c.cotisationId))];
    const cotisations = ids.length
      ? await this.deps.db.manager.find(Cotisation, { where: { id: In(ids) } })
      : [];
    const byId = new Map(cotisations.map((c) => [c.id, c]));
    return rows.map((contestation) => ({
      contestation,
      cotisation: byId.get(contestation.cotisationId) as Cotisation,
    }));
  }
}

/** Who reads disputes: the deciders of an SFD and the platform admin. */
export function canRead(actor: Pick<Principal, 'role'>): boolean {
  return actor.role === 'admin_plateforme' || (DISPUTE_DECIDERS as readonly string[]).includes(actor.role);
}
