import { In, type EntityManager } from 'typeorm';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Page } from '../http/pagination';
import { LedgerReads } from '../ledger/reads';
import {
  DEFAULT_TIME_ZONE,
  addDays,
  localDateOf,
  startOfLocalDay,
  type LocalDate,
} from '../shared/sfd-calendar';
import { BOXES_PER_CARNET, COMMISSION_BOX } from './carnet';
import { tontineAccount } from './contributions';
import { Carnet, Cotisation, TontineParticipant, type CotisationStatus } from './entities';

/** Whose records a list shows: a client's own, or an SFD's (null: every SFD, the platform admin). */
export type ReadScope = { clientId: number } | { sfdId: number | null };

export interface CotisationFilter {
  tontineId?: number;
  clientId?: number;
  participantId?: number;
  status?: CotisationStatus;
  /** Local dates (the SFD's zone), both included. */
  from?: LocalDate;
  to?: LocalDate;
}

export interface CarnetView {
  carnet: Carnet;
  boxes: { box: number; paidOn: LocalDate | null; commission: boolean; cotisationId: number | null }[];
}

export interface Solde {
  participant: TontineParticipant;
  balance: number;
  carnet: Carnet | null;
}

/** The read side of contributions: lists, carnets box by box, balances (from the ledger). */
export class ContributionReads {
  private readonly ledger: LedgerReads;

  constructor(
    private readonly deps: Pick<Deps, 'db'>,
    private readonly accounts: AccountsDirectory,
  ) {
    this.ledger = new LedgerReads(deps);
  }

  private get m(): EntityManager {
    return this.deps.db.manager;
  }

  participant(id: number): Promise<TontineParticipant | null> {
    return this.m.findOne(TontineParticipant, { where: { id } });
  }

  cotisation(id: number): Promise<Cotisation | null> {
    return this.m.findOne(Cotisation, { where: { id } });
  }

  async zoneOf(sfdId: number | null): Promise<string> {
    if (sfdId === null) return DEFAULT_TIME_ZONE;
    return (await this.accounts.sfd(sfdId))?.timeZone ?? DEFAULT_TIME_ZONE;
  }

  /** Contributions, newest first. Dates are read in the scope's SFD zone (the default for all SFDs). */
  async list(scope: ReadScope, filter: CotisationFilter, page: Page) {
    const qb = this.m.getRepository(Cotisation).createQueryBuilder('c');
    if ('clientId' in scope) qb.where('c.client_id = :me', { me: scope.clientId });
    else if (scope.sfdId !== null) qb.where('c.sfd_id = :sfd', { sfd: scope.sfdId });
    if (filter.tontineId) qb.andWhere('c.tontine_id = :tontine', { tontine: filter.tontineId });
    if (filter.clientId) qb.andWhere('c.client_id = :client', { client: filter.clientId });
    if (filter.participantId) qb.andWhere('c.participant_id = :p', { p: filter.participantId });
    if (filter.status) qb.andWhere('c.status = :status', { status: filter.status });
    if (filter.from || filter.to) {
      const zone = await this.zoneOf('sfdId' in scope ? scope.sfdId : null);
      if (filter.from) qb.andWhere('c.created_at >= :from', { from: startOfLocalDay(filter.from, zone) });
      if (filter.to) qb.andWhere('c.created_at < :to', { to: startOfLocalDay(addDays(filter.to, 1), zone) });
    }
    const [rows, count] = await qb.orderBy('c.id', 'DESC').skip(page.skip).take(page.take).getManyAndCount();
    return { rows, count };
  }

  /**
   * A participant's carnets, newest first, each with its 31 boxes. Which contribution paid which box
   * follows from the confirmed contributions in order: each covers the next `days` boxes.
   */
  async carnets(participant: TontineParticipant, page: Page): Promise<{ rows: CarnetView[]; count: number }> {
    const [carnets, count] = await this.m.findAndCount(Carnet, {
      where: { participantId: participant.id },
      order: { cycle: 'DESC' },
      skip: page.skip,
      take: page.take,
    });
    const paid = await this.m.find(Cotisation, {
      where: { participantId: participant.id, status: 'confirmee' },
      order: { id: 'ASC' },
      select: { id: true, days: true, confirmedAt: true, createdAt: true },
    });
    const zone = await this.zoneOf(participant.sfdId);
    // Box n (from 0, across cycles) → the contribution that paid it.
    const payer: { id: number; on: LocalDate }[] = [];
    for (const c of paid) {
      const on = localDateOf(c.confirmedAt ?? c.createdAt, zone);
      for (let i = 0; i < c.days; i++) payer.push({ id: c.id, on });
    }
    const rows = carnets.map((carnet) => ({
      carnet,
      boxes: Array.from({ length: BOXES_PER_CARNET }, (_, i) => {
        const box = i + 1;
        const by = box <= carnet.boxesPaid ? payer[(carnet.cycle - 1) * BOXES_PER_CARNET + i] : undefined;
        return {
          box,
          paidOn: by?.on ?? null,
          commission: box === COMMISSION_BOX,
          cotisationId: by?.id ?? null,
        };
      }),
    }));
    return { rows, count };
  }

  /** Each participation's balance (its ledger account) and current carnet. */
  async soldes(
    scope: ReadScope,
    filter: { tontineId?: number; clientId?: number },
    page: Page,
  ): Promise<{ rows: Solde[]; count: number }> {
    const qb = this.m.getRepository(TontineParticipant).createQueryBuilder('p');
    if ('clientId' in scope) qb.where('p.client_id = :me', { me: scope.clientId });
    else if (scope.sfdId !== null) qb.where('p.sfd_id = :sfd', { sfd: scope.sfdId });
    if (filter.tontineId) qb.andWhere('p.tontine_id = :tontine', { tontine: filter.tontineId });
    if (filter.clientId) qb.andWhere('p.client_id = :client', { client: filter.clientId });
    const [participants, count] = await qb
      .orderBy('p.id', 'ASC')
      .skip(page.skip)
      .take(page.take)
      .getManyAndCount();
    const ids = participants.map((p) => p.id);
    const carnets = ids.length
      ? await this.m.find(Carnet, { where: { participantId: In(ids) }, order: { cycle: 'ASC' } })
      : [];
    const latest = new Map(carnets.map((c) => [c.participantId, c])); // the last cycle wins
    const rows = await Promise.all(
      participants.map(async (participant) => ({
        participant,
        balance: (await this.ledger.account(tontineAccount(participant.id)))?.balance ?? 0,
        carnet: latest.get(participant.id) ?? null,
      })),
    );
    return { rows, count };
  }
}
