import { savingsFlow } from '../../menus';
import type { AccountsDirectory } from '../accounts/directory';
import type { KycService } from '../accounts/kyc';
import type { Module } from '../contract';
import type { Deps } from '../deps';
import type { PaymentsService } from '../payments/service';
import { DEPOSIT_PURPOSE, DepositsService } from './deposits';
import { savingsEntities } from './entities';
import { HoldsService } from './holds';
import { savingsMenuServices } from './menu-services';
import { SAVINGS_WITHDRAWAL_PENDING } from './money-notices';
import { SAVINGS_OPENING_PENDING } from './notices';
import { OPENING_FEE_PURPOSE, SavingsOpeningService } from './opening';
import { openingRoutes } from './routes-accounts';
import { SavingsSettingsService } from './settings';
import { statementKeyword } from './statement-keyword';
import { StatementsService } from './statements';
import { statementRoutes } from './routes-statements';
import { savingsTransactionRoutes } from './routes-transactions';
import { SavingsTransactionReads } from './transaction-reads';
import {
  SAVINGS_PAYOUT_SWEEP_EVERY_MS,
  SAVINGS_WITHDRAWAL_PURPOSE,
  SavingsWithdrawalsService,
} from './withdrawals';

/**
 * Savings accounts: the opening request with identity documents, the agent's validation, the opening fee,
 * deposits, validated withdrawals, holds (loan guarantees) and statements.
 */
export function createSavings(
  deps: Deps,
  needs: { accounts: AccountsDirectory; kyc: KycService; payments: PaymentsService },
) {
  const opening = new SavingsOpeningService(deps, needs);
  const deposits = new DepositsService(deps, needs.accounts, needs.payments);
  const withdrawals = new SavingsWithdrawalsService(deps, needs.accounts, needs.payments, deposits);
  const holds = new HoldsService();
  const statements = new StatementsService(deps, needs.accounts);
  return {
    name: 'savings',
    entities: savingsEntities,
    routes: [
      ...openingRoutes(deps, opening, new SavingsSettingsService(deps)),
      ...savingsTransactionRoutes(deposits, withdrawals, new SavingsTransactionReads(deps, needs.accounts)),
      ...statementRoutes(statements),
    ],
    smsKeywords: [statementKeyword(statements, deps.config.USSD_SERVICE_CODE)],
    purposes: {
      [OPENING_FEE_PURPOSE]: opening.purposeHandler(),
      [DEPOSIT_PURPOSE]: deposits.purposeHandler(),
      [SAVINGS_WITHDRAWAL_PURPOSE]: withdrawals.purposeHandler(),
    },
    jobs: {
      periodic: [
        {
          name: 'savings-payout-sweep',
          everyMs: SAVINGS_PAYOUT_SWEEP_EVERY_MS,
          run: () => withdrawals.resumePayouts(),
        },
      ],
    },
    inAppKinds: [SAVINGS_WITHDRAWAL_PENDING, SAVINGS_OPENING_PENDING],
    ussd: {
      flows: { savings: savingsFlow },
      services: savingsMenuServices({
        deps,
        accounts: needs.accounts,
        opening,
        deposits,
        withdrawals,
        statements,
        logger: deps.logger,
      }),
    },
    holds,
    opening,
    /** The mini statement (USSD `4. Mini releve`): statements.miniStatement(clientId, page). */
    statements,
  } satisfies Module & Record<string, unknown>;
}

export type Savings = ReturnType<typeof createSavings>;
