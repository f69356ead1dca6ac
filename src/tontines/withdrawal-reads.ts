import { In } from 'typeorm';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Page } from '../http/pagination';
import { addDays, DEFAULT_TIME_ZONE, startOfLocalDay, type LocalDate } from '../shared/sfd-calendar';
import { Retrait, TontineParticipant, type RetraitStatus } from './entities';

export interface WithdrawalFilter {
  participantId?: number;
  tontineId?: number;
  clientId?: number;
  status?: RetraitStatus;
  /** Local dates (the SFD's zone), both included. */
  from?: LocalDate;
  to?: LocalDate;
}

export type WithdrawalScope = { clientId: number } | { sfdId: number | null };

/** The withdrawals' read side, for the back office's lists. */
export class WithdrawalReads {
  constructor(
    private readonly deps: Pick<Deps, 'db'>,
    private readonly accounts: AccountsDirectory,
  ) {}

  /** Withdrawals, newest first; dates in the scope's SFD zone (the default zone for all SFDs). */
  async list(
    scope: WithdrawalScope,
    filter: WithdrawalFilter,
    page: Page,
  ): Promise<{ rows: Retrait[]; count: number }> {
    const qb = this.deps.db.manager.getRepository(Retrait).createQueryBuilder('r');
    if ('clientId' in scope) qb.where('r.client_id = :me', { me: scope.clientId });
    else if (scope.sfdId !== null) qb.where('r.sfd_id = :sfd', { sfd: scope.sfdId });
    if (filter.participantId) qb.andWhere('r.participant_id = :p', { p: filter.participantId });
    if (filter.clientId) qb.andWhere('r.client_id = :client', { client: filter.clientId });
    if (filter.status) qb.andWhere('r.status = :status', { status: filter.status });
    if (filter.tontineId) {
      qb.andWhere(
        'r.participant_id IN (SELECT tp.id FROM tontine_participants tp WHERE tp.tontine_id = :tontine)',
        { tontine: filter.tontineId },
      );
    }
    if (filter.from || filter.to) {
      const sfdId = 'sfdId' in scope ? scope.sfdId : null;
      const zone =
        sfdId === null
          ? DEFAULT_TIME_ZONE
          : ((await this.accounts.sfd(sfdId))?.timeZone ?? DEFAULT_TIME_ZONE);
      if (filter.from) qb.andWhere('r.created_at >= :from', { from: startOfLocalDay(filter.from, zone) });
      if (filter.to) qb.andWhere('r.created_at < :to', { to: startOfLocalDay(addDays(filter.to, 1), zone) });
    }
    const [rows, count] = await qb.orderBy('r.id', 'DESC').skip(page.skip).take(page.take).getManyAndCount();
    return { rows, count };
  }

  /** The tontines of these withdrawals' participants, by participant id. */
  async tontineIds(rows: Retrait[]): Promise<Map<number, number>> {
    const ids = [...new Set(rows.map((r) => r.participantId))];
    if (ids.length === 0) return new Map();
    const participants = await this.deps.db.manager.find(TontineParticipant, {
      where: { id: In(ids) },
      select: { id: true, tontineId: true },
    });
    return new Map(participants.map((p) => [p.id, p.tontineId]));
  }
}
