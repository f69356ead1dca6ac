import { JournalEntry, LedgerAccount, Posting } from '../../src/ledger/entities';
import type { TestApp } from './app';

/** The lines of the ledger entry under `key`, by account code (the entry must exist). */
export async function entryLines(t: TestApp, key: string): Promise<Record<string, number>> {
  const m = t.deps.db.manager;
  const entry = await m.findOneByOrFail(JournalEntry, { key });
  const lines: Record<string, number> = {};
  for (const p of await m.findBy(Posting, { entryId: entry.id }))
    lines[(await m.findOneByOrFail(LedgerAccount, { id: p.accountId })).code] = p.amount;
  return lines;
}

/** An account's balance: the account must exist, unless `orZero` (an account never opened holds 0). */
export async function ledgerBalance(t: TestApp, code: string, orZero = false): Promise<number> {
  const m = t.deps.db.manager;
  if (orZero) return (await m.findOneBy(LedgerAccount, { code }))?.balance ?? 0;
  return (await m.findOneByOrFail(LedgerAccount, { code })).balance;
}
