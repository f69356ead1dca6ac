import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Page } from '../http/pagination';
import { balancesOfKind } from '../ledger/balances';
import {
  addDays,
  DEFAULT_TIME_ZONE,
  localDateOf,
  startOfLocalDay,
  type LocalDate,
} from '../shared/sfd-calendar';
import { savingsLedgerAccount } from './balance';
import {
  SavingsAccount,
  SavingsTransaction,
  type SavingsMethod,
  type SavingsTransactionStatus,
  type SavingsTransactionType,
} from './entities';

export interface SavingsTransactionFilter {
  accountId?: number;
  clientId?: number;
  type?: SavingsTransactionType;
  status?: SavingsTransactionStatus;
  method?: SavingsMethod;
  /** Local dates (the SFD's zone), both included. */
  from?: LocalDate;
  to?: LocalDate;
}

export type SavingsReadScope = { clientId: number } | { sfdId: number | null };

export interface MonthFigures {
  /** YYYY-MM, in the SFD's time zone. */
  month: string;
  depositsCount: number;
  depositsAmount: number;
  withdrawalsCount: number;
  withdrawalsAmount: number;
}

export interface SavingsStatistics extends Omit<MonthFigures, 'month'> {
  sfdId: number;
  activeAccounts: number;
  /** The active accounts' average ledger balance, rounded to the XOF. */
  averageBalance: number;
  months: MonthFigures[];
}

const emptyFigures = () => ({
  depositsCount: 0,
  depositsAmount: 0,
  withdrawalsCount: 0,
  withdrawalsAmount: 0,
});

/** The read side of savings transactions: lists and the per-SFD statistics. */
export class SavingsTransactionReads {
  constructor(
    private readonly deps: Pick<Deps, 'db'>,
    private readonly accounts: AccountsDirectory,
  ) {}

  private async zoneOf(sfdId: number | null): Promise<string> {
    if (sfdId === null) return DEFAULT_TIME_ZONE;
    return (await this.accounts.sfd(sfdId))?.timeZone ?? DEFAULT_TIME_ZONE;
  }

  account(id: number): Promise<SavingsAccount | null> {
    return this.deps.db.manager.findOne(SavingsAccount, { where: { id } });
  }

  transaction(id: number): Promise<SavingsTransaction | null> {
    return this.deps.db.manager.findOne(SavingsTransaction, { where: { id } });
  }

  /** Deposits and withdrawals, newest first; dates in the scope's SFD zone (the default for all SFDs). */
  async list(
    scope: SavingsReadScope,
    filter: SavingsTransactionFilter,
    page: Page,
    /** The SFD whose time zone the dates are in (default: the scope's). */
    zoneSfd?: number | null,
  ): Promise<{ rows: SavingsTransaction[]; count: number }> {
    const qb = this.deps.db.manager.getRepository(SavingsTransaction).createQueryBuilder('t');
    if ('clientId' in scope) qb.where('t.client_id = :me', { me: scope.clientId });
    else if (scope.sfdId !== null) qb.where('t.sfd_id = :sfd', { sfd: scope.sfdId });
    if (filter.accountId) qb.andWhere('t.account_id = :account', { account: filter.accountId });
    if (filter.clientId) qb.andWhere('t.client_id = :client', { client: filter.clientId });
    if (filter.type) qb.andWhere('t.type = :type', { type: filter.type });
    if (filter.status) qb.andWhere('t.status = :status', { status: filter.status });
    if (filter.method) qb.andWhere('t.method = :method', { method: filter.method });
    if (filter.from || filter.to) {
      const zone = await this.zoneOf(zoneSfd !== undefined ? zoneSfd : 'sfdId' in scope ? scope.sfdId : null);
      if (filter.from) qb.andWhere('t.created_at >= :from', { from: startOfLocalDay(filter.from, zone) });
      if (filter.to) qb.andWhere('t.created_at < :to', { to: startOfLocalDay(addDays(filter.to, 1), zone) });
    }
    const [rows, count] = await qb.orderBy('t.id', 'DESC').skip(page.skip).take(page.take).getManyAndCount();
    return { rows, count };
  }

  /**
   * Per SFD (one, or every SFD for the platform admin): the confirmed deposits and withdrawals (count,
   * amount) in all and month by month (the SFD's local months, oldest first), and the active accounts'
   * count and average balance (ledger). Months are worked out here from the confirmation instants: the
   * SFD's zone is not something every database can convert to.
   */
  async statistics(sfdId: number | null): Promise<SavingsStatistics[]> {
    const m = this.deps.db.manager;
    const confirmed = await m
      .createQueryBuilder(SavingsTransaction, 't')
      .select(['t.sfdId', 't.type', 't.amount', 't.confirmedAt'])
      .where("t.status = 'confirmee'")
      .andWhere(sfdId === null ? '1=1' : 't.sfd_id = :sfd', { sfd: sfdId })
      .orderBy('t.confirmed_at', 'ASC')
      .getMany();
    const active = await m.find(SavingsAccount, {
      where: { status: 'actif', ...(sfdId === null ? {} : { sfdId }) },
      select: { id: true, sfdId: true },
    });
    // Every savings ledger account of the SFD(s) in one read; the active accounts' are summed below.
    const balances = await balancesOfKind(m, 'savings', sfdId);

    const sfds = new Set<number>([...confirmed.map((t) => t.sfdId), ...active.map((a) => a.sfdId)]);
    if (sfdId !== null) sfds.add(sfdId);
    const out: SavingsStatistics[] = [];
    for (const sfd of [...sfds].sort((a, b) => a - b)) {
      const zone = await this.zoneOf(sfd);
      const totals = emptyFigures();
      const months = new Map<string, MonthFigures>();
      for (const t of confirmed) {
        if (t.sfdId !== sfd) continue;
        const month = localDateOf(t.confirmedAt ?? new Date(0), zone).slice(0, 7);
        const row = months.get(month) ?? { month, ...emptyFigures() };
        for (const figures of [totals, row]) {
          if (t.type === 'depot') {
            figures.depositsCount += 1;
            figures.depositsAmount += t.amount;
          } else {
            figures.withdrawalsCount += 1;
            figures.withdrawalsAmount += t.amount;
          }
        }
        months.set(month, row);
      }
      const mine = active.filter((a) => a.sfdId === sfd);
      const held = mine.reduce((sum, a) => sum + (balances.get(savingsLedgerAccount(a.id)) ?? 0), 0);
      out.push({
        sfdId: sfd,
        ...totals,
        activeAccounts: mine.length,
        averageBalance: mine.length === 0 ? 0 : Math.round(held / mine.length),
        months: [...months.values()].sort((a, b) => a.month.localeCompare(b.month)),
      });
    }
    return out;
  }
}
