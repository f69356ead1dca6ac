import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { notFound } from '../http/errors';
import type { Page } from '../http/pagination';
import { hasRank } from '../http/roles';
import { scopedSfdFilter, withinScope } from '../http/scope';
import { addDays, DEFAULT_TIME_ZONE, startOfLocalDay, type LocalDate } from '../shared/sfd-calendar';
import { Versement, type VersementStatus } from './entities';

export interface RemittanceFilter {
  agentId?: number;
  status?: VersementStatus;
  /** Local dates (the SFD's zone), both included. */
  from?: LocalDate;
  to?: LocalDate;
}

/**
 * Whose remittances a caller reads: an agent their own (in their SFD); a superviseur or admin their
 * SFD's; the platform admin every SFD's (or the one asked for).
 */
export type RemittanceScope = { sfdId: number | null; agentId?: number };

export function remittanceScope(p: Principal, sfdId?: number): RemittanceScope {
  const scope = { sfdId: scopedSfdFilter(p, sfdId) };
  return hasRank(p.role, 'superviseur_sfd') ? scope : { ...scope, agentId: p.userId };
}

/** The remittances' read side, for the back office's lists. */
export class RemittanceReads {
  constructor(
    private readonly deps: Pick<Deps, 'db'>,
    private readonly accounts: AccountsDirectory,
  ) {}

  /** Remittances, newest first; dates in the scope's SFD zone (the default zone for all SFDs). */
  async list(
    scope: RemittanceScope,
    filter: RemittanceFilter,
    page: Page,
  ): Promise<{ rows: Versement[]; count: number }> {
    const qb = this.deps.db.manager.getRepository(Versement).createQueryBuilder('v').where('1 = 1');
    if (scope.sfdId !== null) qb.andWhere('v.sfd_id = :sfd', { sfd: scope.sfdId });
    if (scope.agentId !== undefined) qb.andWhere('v.agent_id = :me', { me: scope.agentId });
    if (filter.agentId) qb.andWhere('v.agent_id = :agent', { agent: filter.agentId });
    if (filter.status) qb.andWhere('v.status = :status', { status: filter.status });
    if (filter.from || filter.to) {
      const zone =
        scope.sfdId === null
          ? DEFAULT_TIME_ZONE
          : ((await this.accounts.sfd(scope.sfdId))?.timeZone ?? DEFAULT_TIME_ZONE);
      if (filter.from) qb.andWhere('v.created_at >= :from', { from: startOfLocalDay(filter.from, zone) });
      if (filter.to) qb.andWhere('v.created_at < :to', { to: startOfLocalDay(addDays(filter.to, 1), zone) });
    }
    const [rows, count] = await qb.orderBy('v.id', 'DESC').skip(page.skip).take(page.take).getManyAndCount();
    return { rows, count };
  }

  /** One remittance within the caller's reach (an agent: their own), else 404. */
  async get(p: Principal, id: number): Promise<Versement> {
    const row = withinScope(p, await this.deps.db.manager.findOne(Versement, { where: { id } }));
    const scope = remittanceScope(p);
    if (scope.agentId !== undefined && row.agentId !== scope.agentId) throw notFound();
    return row;
  }

  /** The agent's remittance awaiting its count, if any. */
  open(agentId: number): Promise<Versement | null> {
    return this.deps.db.manager.findOne(Versement, { where: { openAgentId: agentId } });
  }
}
