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
import { disputeMenuServices } from './dispute-menu-services';
import { DISPUTE_PENDING } from './dispute-notices';
import { DisputeReads } from './dispute-reads';
import { DisputesService } from './disputes';
import { tontineMenuServices } from './menu-services';
import { ADHESION_PENDING } from './notices';
import { adhesionRoutes } from './routes-adhesions';
import { cashDeskRoutes } from './routes-cash-desk';
import { disputeRoutes } from './routes-disputes';
import { participantRoutes } from './routes-participants';
import { RemittanceReads } from './remittance-reads';
import { REMITTANCE_PENDING, RemittancesService } from './remittances';
import { remittanceRoutes } from './routes-remittances';
import { contributionRoutes } from './routes-contributions';
import { tontineCollectionRoutes, tontineItemRoutes } from './routes-tontines';
import { withdrawalRoutes } from './routes-withdrawals';
import { TontinesService } from './tontines-service';
import { WithdrawalReads } from './withdrawal-reads';
import {
  PAYOUT_SWEEP_EVERY_MS,
  WITHDRAWAL_PENDING,
  WITHDRAWAL_PURPOSE,
  WithdrawalsService,
} from './withdrawals';

/** The collector tontine: tontines, adhesions and their fee, participants and carnets. */
export function createTontines(
  deps: Deps,
  needs: { accounts: AccountsDirectory; kyc: KycService; payments: PaymentsService },
) {
  const tontines = new TontinesService(deps, needs.accounts);
  const adhesions = new AdhesionsService(deps, needs);
  const contributions = new ContributionsService(deps, needs.accounts, needs.payments);
  const withdrawals = new WithdrawalsService(deps, needs.accounts, needs.payments);
  const disputes = new DisputesService(deps, needs.accounts, contributions);

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
      ...remittanceRoutes(
        new RemittancesService(deps, needs.accounts),
        new RemittanceReads(deps, needs.accounts),
      ),
      ...disputeRoutes(disputes, new DisputeReads(deps, needs.accounts)),
      // Last: /api/tontines/:id would catch every literal path under /api/tontines/ listed after it.
      ...tontineItemRoutes(tontines),
    ],
    purposes: {
      [ADHESION_PURPOSE]: adhesions.purposeHandler(),
      [CONTRIBUTION_PURPOSE]: contributions.purposeHandler(),
      [WITHDRAWAL_PURPOSE]: withdrawals.purposeHandler(),
    },
    reminders: [feeUnpaidReminder(needs.accounts), noContributionReminder(needs.accounts)],
    smsKeywords: [disputes.smsKeyword()],
    jobs: {
      periodic: [
        {
          name: 'tontine-payout-sweep',
          everyMs: PAYOUT_SWEEP_EVERY_MS,
          run: () => withdrawals.resumePayouts(),
        },
      ],
    },
    inAppKinds: [ADHESION_PENDING, WITHDRAWAL_PENDING, REMITTANCE_PENDING, DISPUTE_PENDING],
    ussd: {
      flows: {
        tontineJoin: tontineJoinFlow,
        tontineContribute: tontineContributeFlow,
        tontineBalances: tontineBalancesFlow,
        tontineDispute: tontineDisputeFlow,
        tontineFee: tontineFeeFlow,
      },
      services: {
        ...tontineMenuServices({
          accounts: needs.accounts,
          tontines,
          adhesions,
          contributions,
          reads: new ContributionReads(deps, needs.accounts),
          withdrawals,
          logger: deps.logger,
        }),
        ...disputeMenuServices({ deps, accounts: needs.accounts, disputes, logger: deps.logger }),
      },
    },
    service: { tontines, adhesions },
  } satisfies Module & Record<string, unknown>;
}

export type Tontines = ReturnType<typeof createTontines>;
