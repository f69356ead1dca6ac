import type { EntityManager } from 'typeorm';
import { ensureAccount } from '../ledger/service';
import { SavingsAccount, SavingsHold, SavingsTransaction } from './entities';

/** The ledger account of a savings account (owner: the client; never negative). */
export const savingsLedgerAccount = (accountId: number) => `savings:${accountId}`;

/**
 * The savings account's row, locked (MySQL; SQLite runs one transaction at a time). Every write about one
 * account (a deposit, a withdrawal request or decision, a hold) takes this lock first, so they take turns:
 * the available balance a withdrawal is checked against cannot move under it. Reads after the lock must be
 * locking reads or in the same transaction.
 */
export function lockSavingsAccount(manager: EntityManager, id: number): Promise<SavingsAccount | null> {
  const mysql = manager.connection.options.type === 'mysql';
  return manager.findOne(SavingsAccount, {
    where: { id },
    ...(mysql ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
}

export interface SavingsBalance {
  /** The ledger balance. */
  balance: number;
  /** Money held (loan guarantees) not yet released. */
  held: number;
  /** Withdrawals asked and not yet decided (en_cours). */
  pendingWithdrawals: number;
  /** balance − held − pendingWithdrawals: what a new withdrawal may take. */
  available: number;
}

/** The account's balance and what of it may be withdrawn, read through the caller's manager. */
export async function savingsBalance(
  manager: EntityManager,
  account: SavingsAccount,
): Promise<SavingsBalance> {
  const ledger = await ensureAccount(manager, {
    code: savingsLedgerAccount(account.id),
    kind: 'savings',
    sfdId: account.sfdId,
    ownerId: account.clientId,
    mayGoNegative: false,
    at: account.updatedAt,
  });
  const sum = async (query: Promise<{ total: string | number | null } | undefined>) =>
    Number((await query)?.total ?? 0);
  const held = await sum(
    manager
      .createQueryBuilder(SavingsHold, 'h')
      .select('COALESCE(SUM(h.amount), 0)', 'total')
      .where('h.accountId = :id AND h.releasedAt IS NULL', { id: account.id })
      .getRawOne(),
  );
  const pendingWithdrawals = await sum(
    manager
      .createQueryBuilder(SavingsTransaction, 't')
      .select('COALESCE(SUM(t.amount), 0)', 'total')
      .where("t.accountId = :id AND t.type = 'retrait' AND t.status = 'en_cours' AND t.decidedAt IS NULL", {
        id: account.id,
      })
      .getRawOne(),
  );
  return {
    balance: ledger.balance,
    held,
    pendingWithdrawals,
    available: ledger.balance - held - pendingWithdrawals,
  };
}
