import { tontineBalancesFlow, tontineContributeFlow, tontineJoinFlow } from '../../menus';
import type { AccountsDirectory } from '../accounts/directory';
import type { KycService } from '../accounts/kyc';
import type { Module } from '../contract';
import type { Deps } from '../deps';
import type { PaymentsService } from '../payments/service';
import { ADHESION_PURPOSE, AdhesionsService } from './adhesions';
import { tontinesEntities } from './entities';
import { feeUnpaidReminder } from './fee-reminder';
import { ContributionReads } from './contribution-reads';
import { CONTRIBUTION_PURPOSE, ContributionsService } from './contributions';
import { tontineMenuServices } from './menu-services';
import { ADHESION_PENDING } from './notices';
import { adhesionRoutes } from './routes-adhesions';
import { contributionRoutes } from './routes-contributions';
import { tontineCollectionRoutes, tontineItemRoutes } from './routes-tontines';
import { TontinesService } from './tontines-service';

/** The collector tontine: tontines, adhesions and their fee, participants and carnets. */
export function createTontines(
  deps: Deps,
  needs: { accounts: AccountsDirectory; kyc: KycService; payments: PaymentsService },
) {
  const tontines = new TontinesService(deps, needs.accounts);
  const adhesions = new AdhesionsService(deps, needs);
  const contributions = new ContributionsService(deps, needs.accounts, needs.payments);

  return {
    name: 'tontines',
    entities: tontinesEntities,
    routes: [
      ...tontineCollectionRoutes(tontines),
      ...adhesionRoutes(adhesions),
      ...contributionRoutes(contributions, new ContributionReads(deps, needs.accounts)),
      // Last: /api/tontines/:id would catch every literal path under /api/tontines/ listed after it.
      ...tontineItemRoutes(tontines),
    ],
    purposes: {
      [ADHESION_PURPOSE]: adhesions.purposeHandler(),
      [CONTRIBUTION_PURPOSE]: contributions.purposeHandler(),
    },
    reminders: [feeUnpaidReminder(needs.accounts)],
    inAppKinds: [ADHESION_PENDING],
    ussd: {
      flows: {
        tontineJoin: tontineJoinFlow,
        tontineContribute: tontineContributeFlow,
        tontineBalances: tontineBalancesFlow,
      },
      services: tontineMenuServices({
        accounts: needs.accounts,
        tontines,
        adhesions,
        contributions,
        reads: new ContributionReads(deps, needs.accounts),
        logger: deps.logger,
      }),
    },
    service: { tontines, adhesions },
  } satisfies Module & Record<string, unknown>;
}

export type Tontines = ReturnType<typeof createTontines>;
