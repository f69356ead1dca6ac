import { In, type EntityManager } from 'typeorm';
import { LedgerAccount } from './entities';

/**
 * Bind parameters per query: SQLite allows 32 766 (older builds 999), MySQL 65 535; 500 keeps every
 * statement small and the unique index on `code` answers each one.
 */
const CHUNK = 500;

/**
 * The balances of the accounts named by `codes`, in as few queries as the list allows (one per 500
 * codes), for lists and totals that would otherwise read one account per row. A code with no account
 * is absent from the map (a caller shows 0).
 */
export async function balancesByCode(manager: EntityManager, codes: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const unique = [...new Set(codes)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const rows = await manager.find(LedgerAccount, {
      where: { code: In(unique.slice(i, i + CHUNK)) },
      select: { id: true, code: true, balance: true },
    });
    for (const r of rows) out.set(r.code, r.balance);
  }
  return out;
}

/**
 * Every account of `kind` of one SFD (null: of every SFD) with its balance, in one read on the
 * (sfd_id, kind) index: what a total over a whole SFD (a stats page) sums, without one query per
 * account nor an IN list of thousands.
 */
export async function balancesOfKind(
  manager: EntityManager,
  kind: string,
  sfdId: number | null,
): Promise<Map<string, number>> {
  const rows = await manager.find(LedgerAccount, {
    where: sfdId === null ? { kind } : { kind, sfdId },
    select: { id: true, code: true, balance: true },
  });
  return new Map(rows.map((r) => [r.code, r.balance]));
}
