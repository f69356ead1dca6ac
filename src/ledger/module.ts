import type { Module } from '../contract';
import type { Deps } from '../deps';
import type { AccountsDirectory } from '../accounts/directory';
import { ledgerEntities } from './entities';
import { LedgerReads } from './reads';
import { ledgerRoutes } from './routes';

/**
 * The double-entry ledger. Its writes (`post`, `reverse`, service.ts) are plain functions every money
 * module calls inside its own transaction; its module brings the back office's read-only views.
 */
export function createLedger(deps: Deps, _needs: { accounts: AccountsDirectory }) {
  const reads = new LedgerReads(deps);
  return {
    name: 'ledger',
    entities: ledgerEntities,
    routes: ledgerRoutes(reads),
    service: reads,
  } satisfies Module & Record<string, unknown>;
}

export type Ledger = ReturnType<typeof createLedger>;
