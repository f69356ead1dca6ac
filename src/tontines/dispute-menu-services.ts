import type { DisputeMenuServices } from '../../menus';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Logger } from '../infra/logger';
import { DEFAULT_TIME_ZONE } from '../shared/sfd-calendar';
import { fullName, receiptTime } from './dispute-notices';
import type { DisputesService } from './disputes';

export interface DisputeMenuNeeds {
  deps: Pick<Deps, 'db' | 'clock'>;
  accounts: Pick<AccountsDirectory, 'contact' | 'sfd'>;
  disputes: Pick<DisputesService, 'lookup' | 'openAsClient'>;
  logger: Logger;
}

/**
 * The dispute menu's invoked actors (menus/tontine-dispute.ts). The caller is the client the engine
 * identified by their phone; only their own receipts are found, like `NON <code>` by SMS.
 */
export function disputeMenuServices(needs: DisputeMenuNeeds): DisputeMenuServices {
  const { deps, accounts, disputes } = needs;

  const services: DisputeMenuServices = {
    findDisputableReceipt: async ({ userId, code }) => {
      const found = await disputes.lookup(deps.db.manager, userId, code, deps.clock.now());
      if (found.outcome !== 'found') return { outcome: found.outcome };
      const { cotisation } = found;
      const agent = cotisation.collectedBy ? await accounts.contact(cotisation.collectedBy) : null;
      const zone = (await accounts.sfd(cotisation.sfdId))?.timeZone ?? DEFAULT_TIME_ZONE;
      return {
        outcome: 'found',
        receipt: {
          code: cotisation.receiptCode ?? '',
          amount: cotisation.amount,
          date: receiptTime(cotisation.confirmedAt ?? cotisation.createdAt, zone),
          agent: fullName(agent),
        },
      };
    },

    openDispute: async ({ userId, code }) => {
      const r = await disputes.openAsClient(userId, code, 'ussd');
      return r.outcome;
    },
  };

  // A failed service ends the session with a polite END (the machine's onError); the cause goes to the log.
  return Object.fromEntries(
    Object.entries(services).map(([name, fn]: [string, (input: never) => Promise<unknown>]) => [
      name,
      (input: never) =>
        fn(input).catch((err: unknown) => {
          needs.logger.error({ err, service: name }, 'ussd menu service failed');
          throw err;
        }),
    ]),
  ) as unknown as DisputeMenuServices;
}
