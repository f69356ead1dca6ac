import { In } from 'typeorm';
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
