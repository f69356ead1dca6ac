import { In, type EntityManager } from 'typeorm';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import type { Page } from '../http/pagination';
import { scopedSfdFilter } from '../http/scope';
import { balancesByCode, balancesOfKind } from '../ledger/balances';
import {
  DEFAULT_TIME_ZONE,
  addDays,
  localDateOf,
  startOfLocalDay,
  type LocalDate,
} from '../shared/sfd-calendar';
import { tontineAccount } from './contributions';
import { Carnet, Cotisation, Tontine, TontineParticipant } from './entities';
import type { ListParticipantsFilter } from './participant-schemas';

/** A participation with its balance (its ledger account) and its current carnet (null: none yet). */
export interface ParticipantView {
  participant: TontineParticipant;
  balance: number;
  carnet: Pick<Carnet, 'cycle' | 'boxesPaid'> | null;
}

/** One tontine's figures: its SFD's current local month for the contributions. */
export interface TontineStats {
  tontine: Tontine;
  month: string;
  participantsActive: number;
  contributionsCount: number;
  contributionsAmount: number;
  commission: number;
  balancesHeld: number;
}

/** `YYYY-MM-01` of the month after `date`'s. */
function nextMonth(date: LocalDate): LocalDate {
  const [y, m] = date.split('-').map(Number);
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/** mysql2 answers COUNT and SUM as strings (BIGINT, DECIMAL), SQLite as numbers; NULL for no row. */
const int = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/** The read side of participations: the back office's list and the per-tontine stats. */
export class ParticipantReads {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock'>,
    private readonly accounts: AccountsDirectory,
  ) {}

  private get m(): EntityManager {
    return this.deps.db.manager;
  }

  private async zoneOf(sfdId: number | null): Promise<string> {
    if (sfdId === null) return DEFAULT_TIME_ZONE;
    return (await this.accounts.sfd(sfdId))?.timeZone ?? DEFAULT_TIME_ZONE;
  }

  /**
   * A client's own participations; staff their SFD's (the platform admin every SFD's, or `sfd_id`'s).
   * Filters: tontine, client (staff), status, the local days joined. Oldest first. Three queries for a
   * page whatever its size: the participants, their latest carnets, their balances.
   */
  async list(p: Principal, filter: ListParticipantsFilter, page: Page) {
    const qb = this.m.getRepository(TontineParticipant).createQueryBuilder('p');
    let zoneSfd: number | null;
    if (p.role === 'client') {
      qb.where('p.client_id = :me', { me: p.userId });
      zoneSfd = p.sfdId;
    } else {
      zoneSfd = scopedSfdFilter(p, filter.sfd_id);
      if (zoneSfd !== null) qb.where('p.sfd_id = :sfd', { sfd: zoneSfd });
      if (filter.client_id) qb.andWhere('p.client_id = :client', { client: filter.client_id });
    }
    if (filter.tontine_id) qb.andWhere('p.tontine_id = :tontine', { tontine: filter.tontine_id });
    if (filter.status) qb.andWhere('p.status = :status', { status: filter.status });
    if (filter.date_from || filter.date_to) {
      const zone = await this.zoneOf(zoneSfd);
      if (filter.date_from) {
        qb.andWhere('p.joined_at >= :from', { from: startOfLocalDay(filter.date_from, zone) });
      }
      if (filter.date_to) {
        qb.andWhere('p.joined_at < :to', { to: startOfLocalDay(addDays(filter.date_to, 1), zone) });
      }
    }
    const [participants, count] = await qb
      .orderBy('p.id', 'ASC')
      .skip(page.skip)
      .take(page.take)
      .getManyAndCount();
    return { rows: await this.withBalances(participants), count };
  }

  /** One participation with its balance and carnet, or null. */
  async view(id: number): Promise<ParticipantView | null> {
    const participant = await this.m.findOne(TontineParticipant, { where: { id } });
    return participant ? (await this.withBalances([participant]))[0] : null;
  }

  private async withBalances(participants: TontineParticipant[]): Promise<ParticipantView[]> {
    if (participants.length === 0) return [];
    const ids = participants.map((x) => x.id);
    // Each participant's latest carnet: ascending cycles, so the last one seen wins.
    const carnets = await this.m.find(Carnet, {
      where: { participantId: In(ids) },
      select: { id: true, participantId: true, cycle: true, boxesPaid: true },
      order: { participantId: 'ASC', cycle: 'ASC' },
    });
    const latest = new Map(carnets.map((c) => [c.participantId, c]));
    const balances = await balancesByCode(this.m, ids.map(tontineAccount));
    return participants.map((participant) => ({
      participant,
      balance: balances.get(tontineAccount(participant.id)) ?? 0,
      carnet: latest.get(participant.id) ?? null,
    }));
  }

  /**
   * Per tontine of the scope (staff: their SFD; the platform admin: every SFD, or `sfd_id`'s): active
   * participants, the contributions confirmed this month and their commission (the month of each
   * SFD's own time zone), and the balances its participants hold (their ledger accounts). A fixed
   * number of queries: one per distinct month range for the contributions (one per time zone in use).
   */
  async stats(p: Principal, asked?: number): Promise<TontineStats[]> {
    const sfdId = scopedSfdFilter(p, asked);
    const tontines = await this.m.find(Tontine, {
      where: sfdId === null ? {} : { sfdId },
      order: { id: 'ASC' },
    });
    if (tontines.length === 0) return [];
    const now = this.deps.clock.now();

    // The SFD-local month of each SFD, grouped by the UTC range it makes.
    const months = new Map<number, string>();
    const ranges = new Map<string, { from: Date; to: Date; tontineIds: number[] }>();
    for (const sfd of new Set(tontines.map((t) => t.sfdId))) {
      const zone = await this.zoneOf(sfd);
      const first = `${localDateOf(now, zone).slice(0, 7)}-01`;
      months.set(sfd, first.slice(0, 7));
      const from = startOfLocalDay(first, zone);
      const to = startOfLocalDay(nextMonth(first), zone);
      const key = `${from.toISOString()}/${to.toISOString()}`;
      const range = ranges.get(key) ?? { from, to, tontineIds: [] };
      range.tontineIds.push(...tontines.filter((t) => t.sfdId === sfd).map((t) => t.id));
      ranges.set(key, range);
    }
    const paid = new Map<number, { count: number; amount: number; commission: number }>();
    for (const { from, to, tontineIds } of ranges.values()) {
      const rows = await this.m
        .createQueryBuilder(Cotisation, 'c')
        .select('c.tontineId', 'tontineId')
        .addSelect('COUNT(*)', 'count')
        .addSelect('SUM(c.amount)', 'amount')
        .addSelect('SUM(c.commission)', 'commission')
        .where('c.tontineId IN (:...ids)', { ids: tontineIds })
        .andWhere("c.status = 'confirmee'")
        .andWhere('c.createdAt >= :from AND c.createdAt < :to', { from, to })
        .groupBy('c.tontineId')
        .getRawMany<Record<string, unknown>>();
      for (const r of rows) {
        paid.set(int(r.tontineId), {
          count: int(r.count),
          amount: int(r.amount),
          commission: int(r.commission),
        });
      }
    }

    const participantsQb = this.m
      .createQueryBuilder(TontineParticipant, 'p')
      .select('p.id', 'id')
      .addSelect('p.tontineId', 'tontineId')
      .addSelect('p.status', 'status');
    if (sfdId !== null) participantsQb.where('p.sfdId = :sfd', { sfd: sfdId });
    const participants = await participantsQb.getRawMany<Record<string, unknown>>();
    // Every tontine account of the scope in one read, summed by the tontine its participant is in.
    const balances = await balancesOfKind(this.m, 'tontine', sfdId);
    const active = new Map<number, number>();
    const held = new Map<number, number>();
    for (const r of participants) {
      const tontineId = int(r.tontineId);
      if (r.status === 'actif') active.set(tontineId, (active.get(tontineId) ?? 0) + 1);
      const balance = balances.get(tontineAccount(int(r.id))) ?? 0;
      held.set(tontineId, (held.get(tontineId) ?? 0) + balance);
    }

    return tontines.map((tontine) => ({
      tontine,
      month: months.get(tontine.sfdId) as string,
      participantsActive: active.get(tontine.id) ?? 0,
      contributionsCount: paid.get(tontine.id)?.count ?? 0,
      contributionsAmount: paid.get(tontine.id)?.amount ?? 0,
      commission: paid.get(tontine.id)?.commission ?? 0,
      balancesHeld: held.get(tontine.id) ?? 0,
    }));
  }
}
