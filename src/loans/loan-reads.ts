import { In, type SelectQueryBuilder } from 'typeorm';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Page } from '../http/pagination';
import { balancesByCode } from '../ledger/balances';
import { addDays, DEFAULT_TIME_ZONE, localDateOf, type LocalDate } from '../shared/sfd-calendar';
import { Loan, LoanGuarantee, LoanInstalment, type LoanStatus } from './entities';
import { daysLate, dueOf, instalmentsOf, type InstalmentDue } from './instalments';
import { loanPrincipalAccount } from './ledger-accounts';

/** A schedule row's status as shown: paid, to pay, or late (unpaid and its due date passed). */
export type RowStatus = 'paye' | 'a_payer' | 'en_retard';

/** One instalment as read: its row, what is still due on it, its status and lateness on `today`. */
export interface InstalmentView {
  row: LoanInstalment;
  due: InstalmentDue;
  status: RowStatus;
  daysLate: number;
  clientId: number;
}

/** Whose records a list reads: a client's own, or an SFD's (null: every SFD, the platform admin). */
export type LoanReadScope = { clientId: number; sfdId: number | null } | { sfdId: number | null };

export interface InstalmentFilter {
  loanId?: number;
  status?: RowStatus;
  /** Due dates from / to (local dates, both included). */
  from?: LocalDate;
  to?: LocalDate;
}

/** `today` in each SFD's zone: one date for most, others for the SFDs whose zone is on another day. */
interface Todays {
  base: LocalDate;
  others: Map<LocalDate, number[]>;
}

export function rowStatus(i: Pick<LoanInstalment, 'status' | 'dueDate'>, today: LocalDate): RowStatus {
  if (i.status === 'paye') return 'paye';
  return i.dueDate < today ? 'en_retard' : 'a_payer';
}

/** The read side of loans: lists, one loan with its schedule, instalment lists (due soon, late). */
export class LoanReads {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock'>,
    private readonly accounts: AccountsDirectory,
  ) {}

  loan(id: number): Promise<Loan | null> {
    return this.deps.db.manager.findOne(Loan, { where: { id } });
  }

  /** The SFD's local date now (the default zone for an unknown SFD). */
  async today(sfdId: number | null): Promise<LocalDate> {
    const zone = (sfdId !== null && (await this.accounts.sfd(sfdId))?.timeZone) || DEFAULT_TIME_ZONE;
    return localDateOf(this.deps.clock.now(), zone);
  }

  /** Outstanding principal per loan: minus its principal account's ledger balance (0 before any). */
  async outstanding(loans: Loan[]): Promise<Map<number, number>> {
    const balances = await balancesByCode(
      this.deps.db.manager,
      loans.map((l) => loanPrincipalAccount(l.id)),
    );
    return new Map(loans.map((l) => [l.id, -(balances.get(loanPrincipalAccount(l.id)) ?? 0)]));
  }

  /** Loans, newest first, with their outstanding principal. */
  async list(
    scope: LoanReadScope,
    filter: { status?: LoanStatus; clientId?: number },
    page: Page,
  ): Promise<{ rows: Loan[]; count: number; outstanding: Map<number, number> }> {
    const qb = this.deps.db.manager.getRepository(Loan).createQueryBuilder('l').where('1=1');
    if ('clientId' in scope) qb.andWhere('l.client_id = :me', { me: scope.clientId });
    else if (scope.sfdId !== null) qb.andWhere('l.sfd_id = :sfd', { sfd: scope.sfdId });
    if (filter.status) qb.andWhere('l.status = :status', { status: filter.status });
    if (filter.clientId) qb.andWhere('l.client_id = :client', { client: filter.clientId });
    const [rows, count] = await qb.orderBy('l.id', 'DESC').skip(page.skip).take(page.take).getManyAndCount();
    return { rows, count, outstanding: await this.outstanding(rows) };
  }

  /** One loan's schedule rows as of today in its SFD, and its other guarantees. */
  async detail(loan: Loan) {
    const today = await this.today(loan.sfdId);
    const rows = await instalmentsOf(this.deps.db.manager, loan.id);
    const guarantees = await this.deps.db.manager.find(LoanGuarantee, {
      where: { applicationId: loan.applicationId },
      order: { id: 'ASC' },
    });
    const outstanding = (await this.outstanding([loan])).get(loan.id) ?? 0;
    return { today, rows: rows.map((r) => view(r, today, loan.clientId)), guarantees, outstanding };
  }

  /**
   * Instalments in scope, filtered (`status` as shown on each SFD's today; `withinDays`: unpaid and
   * due from today to today + N); `order` by due date (what is due) or by loan and number.
   */
  async instalments(
    scope: LoanReadScope,
    filter: InstalmentFilter & { withinDays?: number },
    page: Page,
    order: 'due' | 'loan' = 'loan',
  ): Promise<{ rows: InstalmentView[]; count: number }> {
    const todays = await this.todays(scope.sfdId);
    const qb = this.deps.db.manager
      .getRepository(LoanInstalment)
      .createQueryBuilder('i')
      .innerJoin(Loan, 'l', 'l.id = i.loan_id')
      .where('1=1');
    if ('clientId' in scope) qb.andWhere('l.client_id = :me', { me: scope.clientId });
    else if (scope.sfdId !== null) qb.andWhere('i.sfd_id = :sfd', { sfd: scope.sfdId });
    if (filter.loanId) qb.andWhere('i.loan_id = :loan', { loan: filter.loanId });
    if (filter.from) qb.andWhere('i.due_date >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('i.due_date <= :to', { to: filter.to });
    if (filter.status === 'paye') qb.andWhere("i.status = 'paye'");
    else if (filter.status) {
      qb.andWhere("i.status = 'a_payer'");
      byToday(qb, todays, filter.status === 'en_retard' ? 'i.due_date < :d' : 'i.due_date >= :d');
    }
    const days = filter.withinDays;
    if (days !== undefined) {
      qb.andWhere("i.status = 'a_payer'");
      byToday(qb, todays, 'i.due_date >= :d AND i.due_date <= :e', (d) => addDays(d, days));
    }
    if (order === 'due') qb.orderBy('i.due_date', 'ASC').addOrderBy('i.id', 'ASC');
    else qb.orderBy('i.loan_id', 'DESC').addOrderBy('i.n', 'ASC');
    const [rows, count] = await qb.skip(page.skip).take(page.take).getManyAndCount();
    const owners = await this.ownersOf(rows);
    const todayOf = (sfdId: number) =>
      [...todays.others].find(([, ids]) => ids.includes(sfdId))?.[0] ?? todays.base;
    return { rows: rows.map((r) => view(r, todayOf(r.sfdId), owners.get(r.loanId) ?? 0)), count };
  }

  private async ownersOf(rows: LoanInstalment[]): Promise<Map<number, number>> {
    const ids = [...new Set(rows.map((r) => r.loanId))];
    if (ids.length === 0) return new Map();
    const loans = await this.deps.db.manager.find(Loan, {
      where: { id: In(ids) },
      select: { id: true, clientId: true },
    });
    return new Map(loans.map((l) => [l.id, l.clientId]));
  }

  /**
   * Today in the scope's SFD, or for every SFD (the platform admin): the default zone's date, and the
   * SFDs whose zone is on another date right now (few, usually none), so one query serves them all.
   */
  private async todays(sfdId: number | null): Promise<Todays> {
    const now = this.deps.clock.now();
    if (sfdId !== null) return { base: await this.today(sfdId), others: new Map() };
    const base = localDateOf(now, DEFAULT_TIME_ZONE);
    const others = new Map<LocalDate, number[]>();
    for (const sfd of await this.accounts.activeSfds()) {
      const date = localDateOf(now, sfd.timeZone);
      if (date !== base) others.set(date, [...(others.get(date) ?? []), sfd.id]);
    }
    return { base, others };
  }
}

/**
 * A condition on `today` (`:d`, and `:e` = end(today) when given) in each SFD's zone: one clause for
 * the SFDs on the default zone's date, one per other date, their SFDs named.
 */
function byToday(
  qb: SelectQueryBuilder<LoanInstalment>,
  todays: Todays,
  condition: string,
  end?: (today: LocalDate) => LocalDate,
): void {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  const elsewhere = [...todays.others.values()].flat();
  const add = (today: LocalDate, sfdSql: string, k: number) => {
    clauses.push(`(${sfdSql}${condition.replace(/:d\b/g, `:d${k}`).replace(/:e\b/g, `:e${k}`)})`);
    params[`d${k}`] = today;
    if (end) params[`e${k}`] = end(today);
  };
  add(todays.base, elsewhere.length > 0 ? 'i.sfd_id NOT IN (:...elsewhere) AND ' : '', 0);
  if (elsewhere.length > 0) params.elsewhere = elsewhere;
  let k = 1;
  for (const [today, ids] of todays.others) {
    params[`s${k}`] = ids;
    add(today, `i.sfd_id IN (:...s${k}) AND `, k);
    k += 1;
  }
  qb.andWhere(`(${clauses.join(' OR ')})`, params);
}

function view(row: LoanInstalment, today: LocalDate, clientId: number): InstalmentView {
  const status = rowStatus(row, today);
  return {
    row,
    due: dueOf(row),
    status,
    daysLate: status === 'en_retard' ? daysLate(row.dueDate, today) : 0,
    clientId,
  };
}
