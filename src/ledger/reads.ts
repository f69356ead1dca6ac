import { In, type EntityManager } from 'typeorm';
import type { Deps } from '../deps';
import type { Page } from '../http/pagination';
import { JournalEntry, LedgerAccount, Posting } from './entities';

export interface AccountFilter {
  /** null: every SFD (the platform admin's unfiltered list). */
  sfdId: number | null;
  kind?: string;
  ownerId?: number;
}

export interface StatementLine {
  entry: JournalEntry;
  posting: Posting;
}

/** The ledger's read side: accounts and their postings, for the back office. */
export class LedgerReads {
  constructor(private readonly deps: Pick<Deps, 'db'>) {}

  async accounts(filter: AccountFilter, page: Page): Promise<{ rows: LedgerAccount[]; count: number }> {
    const qb = this.deps.db.getRepository(LedgerAccount).createQueryBuilder('a');
    if (filter.sfdId !== null) qb.where('a.sfd_id = :sfd', { sfd: filter.sfdId });
    if (filter.kind) qb.andWhere('a.kind = :kind', { kind: filter.kind });
    if (filter.ownerId) qb.andWhere('a.owner_id = :owner', { owner: filter.ownerId });
    const [rows, count] = await qb.orderBy('a.id', 'ASC').skip(page.skip).take(page.take).getManyAndCount();
    return { rows, count };
  }

  account(code: string): Promise<LedgerAccount | null> {
    return this.deps.db.manager.findOne(LedgerAccount, { where: { code } });
  }

  /** An account's postings, newest first, each with its journal entry. */
  async statement(account: LedgerAccount, page: Page): Promise<{ lines: StatementLine[]; count: number }> {
    const [postings, count] = await this.deps.db.manager.findAndCount(Posting, {
      where: { accountId: account.id },
      order: { id: 'DESC' },
      skip: page.skip,
      take: page.take,
    });
    const entryIds = [...new Set(postings.map((p) => p.entryId))];
    const entries = entryIds.length
      ? await this.deps.db.manager.findBy(JournalEntry, { id: In(entryIds) })
      : [];
    const byId = new Map(entries.map((e) => [e.id, e]));
    return {
      lines: postings.map((posting) => ({ posting, entry: byId.get(posting.entryId) as JournalEntry })),
      count,
    };
  }
}

/** One posting of an account with what its entry says of it: a line of a statement. */
export interface AccountMovement {
  postingId: number;
  amount: number;
  at: Date;
  entryKey: string;
  entryKind: string;
  refType: string | null;
  refId: string | null;
}

/**
 * The sum of the postings of account `code` before `at` (its balance at that instant, as the statement's
 * opening balance); an account not opened yet: 0.
 */
export async function balanceBefore(manager: EntityManager, code: string, at: Date): Promise<number> {
  const row = (await manager
    .createQueryBuilder(Posting, 'p')
    .innerJoin(LedgerAccount, 'a', 'a.id = p.account_id')
    .select('COALESCE(SUM(p.amount), 0)', 'total')
    .where('a.code = :code AND p.created_at < :at', { code, at })
    .getRawOne()) as { total: string | number | null } | undefined;
  return Number(row?.total ?? 0);
}

/**
 * The postings of account `code` from `from` (included) to `to` (excluded), in the order the ledger
 * applied them (time, then id), each with its entry's key, kind and reference.
 */
export async function movementsBetween(
  manager: EntityManager,
  code: string,
  from: Date,
  to: Date,
): Promise<AccountMovement[]> {
  const account = await manager.findOne(LedgerAccount, { where: { code }, select: { id: true } });
  if (!account) return [];
  const postings = await manager
    .createQueryBuilder(Posting, 'p')
    .where('p.account_id = :id AND p.created_at >= :from AND p.created_at < :to', {
      id: account.id,
      from,
      to,
    })
    .orderBy('p.created_at', 'ASC')
    .addOrderBy('p.id', 'ASC')
    .getMany();
  return withEntries(manager, postings);
}

/**
 * The `take` latest postings of account `code` after skipping `skip` (newest first), and how many it has
 * in all: a mini statement's page.
 */
export async function latestMovements(
  manager: EntityManager,
  code: string,
  skip: number,
  take: number,
): Promise<{ movements: AccountMovement[]; count: number }> {
  const account = await manager.findOne(LedgerAccount, { where: { code }, select: { id: true } });
  if (!account) return { movements: [], count: 0 };
  const [postings, count] = await manager
    .createQueryBuilder(Posting, 'p')
    .where('p.account_id = :id', { id: account.id })
    .orderBy('p.created_at', 'DESC')
    .addOrderBy('p.id', 'DESC')
    .skip(skip)
    .take(take)
    .getManyAndCount();
  return { movements: await withEntries(manager, postings), count };
}

async function withEntries(manager: EntityManager, postings: Posting[]): Promise<AccountMovement[]> {
  const ids = [...new Set(postings.map((p) => p.entryId))];
  const entries = ids.length ? await manager.findBy(JournalEntry, { id: In(ids) }) : [];
  const byId = new Map(entries.map((e) => [e.id, e]));
  return postings.map((p) => {
    const e = byId.get(p.entryId) as JournalEntry;
    return {
      postingId: p.id,
      amount: p.amount,
      at: p.createdAt,
      entryKey: e.key,
      entryKind: e.kind,
      refType: e.refType,
      refId: e.refId,
    };
  });
}
