import type { AccountsDirectory } from '../accounts/directory';
import type { Module } from '../contract';
import type { Deps } from '../deps';
import type { PaymentsService } from '../payments/service';
import { savingsEntities } from './entities';

/**
 * Savings accounts: the opening request with identity documents, the agent's validation, the opening fee,
 * deposits, validated withdrawals, holds (loan guarantees) and statements.
 */
export function createSavings(deps: Deps, needs: { accounts: AccountsDirectory; payments: PaymentsService }) {
  void deps;
  void needs;
  return {
    name: 'savings',
    entities: savingsEntities,
    routes: [],
  } satisfies Module & Record<string, unknown>;
}

export type Savings = ReturnType<typeof createSavings>;
