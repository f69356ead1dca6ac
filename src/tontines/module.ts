import {
  tontineBalancesFlow,
  tontineContributeFlow,
  tontineDisputeFlow,
  tontineFeeFlow,
  tontineJoinFlow,
} from '../../menus';
import type { AccountsDirectory } from '../accounts/directory';
import type { KycService } from '../accounts/kyc';
import type { Module } from '../contract';
import type { Deps } from '../deps';
import type { PaymentsService } from '../payments/service';
import { ADHESION_PURPOSE, AdhesionsService } from './adhesions';
import { CashDeskService } from './cash-desk';
import { tontinesEntities } from './entities';
import { feeUnpaidReminder } from './fee-reminder';
import { noContributionReminder } from './no-contribution-reminder';
import { ParticipantReads } from './participant-reads';
import { ContributionReads } from './contribution-reads';
import { CONTRIBUTION_PURPOSE, ContributionsService } from './contributions';
import { tontineMenuServices } from './menu-services';
import { ADHESION_PENDING } from './notices';
import { adhesionRoutes } from './routes-adhesions';
import { cashDeskRoutes } from './routes-cash-desk';
import { participantRoutes } from './routes-participants';
import { contributionRoutes } from './routes-contributions';
import { tontineCollectionRoutes, tontineItemRoutes } from './routes-tontines';
import { withdrawalRoutes } from './routes-withdrawals';
import { TontinesService } from './tontines-service';
import { WithdrawalReads } from './withdrawal-reads';
import { WITHDRAWAL_PENDING, WITHDRAWAL_PURPOSE, WithdrawalsService } from './withdrawals';

/** The collector tontine: tontines, adhesions and their fee, participants and carnets. */
export function createTontines(
  deps: Deps,
  needs: { accounts: AccountsDirectory; kyc: KycService; payments: PaymentsService },
) {
  const tontines = new TontinesService(deps, needs.accounts);
  const adhesions = new AdhesionsService(deps, needs);
  const contributions = new ContributionsService(deps, needs.accounts, needs.payments);
  const withdrawals = new WithdrawalsService(deps, needs.accounts, needs.payments);

  return {
    name: 'tontines',
    entities: tontinesEntities,
    routes: [
      ...tontineCollectionRoutes(tontines),
      ...adhesionRoutes(adhesions),
      ...contributionRoutes(contributions, new ContributionReads(deps, needs.accounts)),
      ...participantRoutes(adhesions, new ParticipantReads(deps, needs.accounts)),
      ...withdrawalRoutes(withdrawals, new WithdrawalReads(deps, needs.accounts)),
      ...cashDeskRoutes(new CashDeskService(deps, needs.accounts), needs.accounts),
      // Last: /api/tontines/:id would catch every literal path under /api/tontines/ listed after it.
      ...tontineItemRoutes(tontines),
    ],
    purposes: {
      [ADHESION_PURPOSE]: adhesions.purposeHandler(),
      [CONTRIBUTION_PURPOSE]: contributions.purposeHandler(),
      [WITHDRAWAL_PURPOSE]: withdrawals.purposeHandler(),
    },
    reminders: [feeUnpaidReminder(needs.accounts), noContributionReminder(needs.accounts)],
    inAppKinds: [ADHESION_PENDING, WITHDRAWAL_PENDING],
    ussd: {
      flows: {
        tontineJoin: tontineJoinFlow,
        tontineContribute: tontineContributeFlow,
        tontineBalances: tontineBalancesFlow,
        tontineDispute: tontineDisputeFlow,
        tontineFee: tontineFeeFlow,
      },
      services: tontineMenuServices({
        accounts: needs.accounts,
        tontines,
        adhesions,
        contributions,
        reads: new ContributionReads(deps, needs.accounts),
        withdrawals,
        logger: deps.logger,
      }),
    },
    service: { tontines, adhesions },
  } satisfies Module & Record<string, unknown>;
}

export type Tontines = ReturnType<typeof createTontines>;
