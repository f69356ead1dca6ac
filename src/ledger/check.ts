import type { DataSource } from 'typeorm';

export interface LedgerViolation {
  rule: 'entry_unbalanced' | 'entry_without_postings' | 'balance_mismatch' | 'negative_protected_balance';
  id: number;
  detail: string;
}

/**
 * Proves the ledger's invariants from the raw tables: every entry sums to zero (and has postings), every
 * balance equals the sum of its postings, no balance that must not go negative is negative.
 */
export async function checkLedger(db: DataSource): Promise<LedgerViolation[]> {
  const violations: LedgerViolation[] = [];
  const rows = async (sql: string) => (await db.query(sql)) as Record<string, string | number | null>[];

  for (const r of await rows(
    'SELECT entry_id AS id, SUM(amount) AS total FROM postings GROUP BY entry_id HAVING SUM(amount) <> 0',
  )) {
    violations.push({ rule: 'entry_unbalanced', id: Number(r.id), detail: `postings sum to ${r.total}` });
  }
  for (const r of await rows(
    'SELECT e.id AS id FROM journal_entries e LEFT JOIN postings p ON p.entry_id = e.id WHERE p.id IS NULL',
  )) {
    violations.push({ rule: 'entry_without_postings', id: Number(r.id), detail: 'no postings' });
  }
  for (const r of await rows(
    `SELECT a.id AS id, a.code AS code, a.balance AS balance, COALESCE(p.total, 0) AS total
       FROM ledger_accounts a
       LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM postings GROUP BY account_id) p ON p.account_id = a.id
      WHERE a.balance <> COALESCE(p.total, 0)`,
  )) {
    violations.push({
      rule: 'balance_mismatch',
      id: Number(r.id),
      detail: `${r.code}: balance ${r.balance}, postings ${r.total}`,
    });
  }
  for (const r of await rows(
    'SELECT id, code, balance FROM ledger_accounts WHERE may_go_negative = 0 AND balance < 0',
  )) {
    violations.push({
      rule: 'negative_protected_balance',
      id: Number(r.id),
      detail: `${r.code}: ${r.balance}`,
    });
  }
  return violations;
}
