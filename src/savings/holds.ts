import { IsNull, Not, type EntityManager } from 'typeorm';
import { Problem, conflict, notFound } from '../http/errors';
import { lockSavingsAccount, savingsBalance } from './balance';
import { SavingsAccount, SavingsHold } from './entities';

export interface HoldRequest {
  accountId: number;
  amount: number;
  /** e.g. `loan_guarantee`. */
  reason: string;
  /** What the hold guarantees (a loan…): release by it. */
  ref?: { type: string; id: string | number } | null;
  createdBy?: number | null;
  at: Date;
}

export interface SavingsAccountFacts {
  id: number;
  sfdId: number;
  openedAt: Date;
  /** The ledger balance. */
  balance: number;
  held: number;
  /** balance − holds − pending withdrawals. */
  available: number;
}

/** Which holds to release: one by id, or every open one of a reference. */
export type HoldTarget = { holdId: number } | { ref: { type: string; id: string | number } };

/**
 * Holds on savings (a loan's guarantee): money that stays on the account but cannot be withdrawn
 * until released. For the Loans module, in its own transactions: every call takes the account's lock
 * first, like every other write about the account, so a hold and a withdrawal never promise the same
 * money.
 */
export class HoldsService {
  /**
   * Holds `amount` on an active account (409 otherwise), at most its available balance (balance −
   * holds − pending withdrawals: 409 `insufficient_funds`).
   */
  async hold(manager: EntityManager, req: HoldRequest): Promise<SavingsHold> {
    if (!Number.isSafeInteger(req.amount) || req.amount <= 0) throw new Error('a hold is a positive amount');
    const account = await lockSavingsAccount(manager, req.accountId);
    if (!account) throw notFound();
    if (account.status !== 'actif') throw conflict(`the savings account is ${account.status}, not actif`);
    const { available } = await savingsBalance(manager, account);
    if (req.amount > available) {
      throw new Problem(409, 'insufficient_funds', `at most ${Math.max(0, available)} XOF may be held`);
    }
    return manager.save(
      manager.create(SavingsHold, {
        sfdId: account.sfdId,
        accountId: account.id,
        amount: req.amount,
        reason: req.reason,
        refType: req.ref?.type ?? null,
        refId: req.ref ? String(req.ref.id) : null,
        createdBy: req.createdBy ?? null,
        createdAt: req.at,
        releasedAt: null,
      }),
    );
  }

  /** Releases a hold (or every open hold of a reference), under the account's lock. Returns how many. */
  async release(manager: EntityManager, target: HoldTarget, at: Date): Promise<number> {
    const where =
      'holdId' in target
        ? { id: target.holdId, releasedAt: IsNull() }
        : { refType: target.ref.type, refId: String(target.ref.id), releasedAt: IsNull() };
    const holds = await manager.find(SavingsHold, { where, order: { id: 'ASC' } });
    let released = 0;
    for (const accountId of [...new Set(holds.map((h) => h.accountId))].sort((a, b) => a - b)) {
      await lockSavingsAccount(manager, accountId);
      const result = await manager.update(SavingsHold, { ...where, accountId }, { releasedAt: at });
      released += result.affected ?? 0;
    }
    return released;
  }

  /**
   * The client's active savings account as the Loans module sees it (eligibility, the analysis report,
   * the guarantee), or null: its id, when it opened, its balance and what may still be held.
   */
  async activeAccountOf(manager: EntityManager, clientId: number): Promise<SavingsAccountFacts | null> {
    const account = await manager.findOne(SavingsAccount, {
      where: { clientId, status: 'actif', openedAt: Not(IsNull()) },
      order: { id: 'DESC' },
    });
    if (!account?.openedAt) return null;
    const { balance, held, available } = await savingsBalance(manager, account);
    return { id: account.id, sfdId: account.sfdId, openedAt: account.openedAt, balance, held, available };
  }

  /** The account's open holds, oldest first. */
  open(manager: EntityManager, accountId: number): Promise<SavingsHold[]> {
    return manager.find(SavingsHold, { where: { accountId, releasedAt: IsNull() }, order: { id: 'ASC' } });
  }
}
