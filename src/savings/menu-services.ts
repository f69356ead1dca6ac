import type { SavingsMenuServices, SavingsSummary } from '../../menus';
import { fcfa } from '../../menus';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { conflict, notFound, Problem } from '../http/errors';
import { t } from '../infra/i18n';
import type { Logger } from '../infra/logger';
import { formatAccountNumber } from './account-number';
import { savingsBalance } from './balance';
import type { DepositsService } from './deposits';
import { MIN_DEPOSIT, MIN_WITHDRAWAL, SavingsAccount } from './entities';
import type { SavingsOpeningService } from './opening';
import { openingFeeOf } from './settings';
import type { StatementsService } from './statements';
import type { SavingsWithdrawalsService } from './withdrawals';

export interface SavingsMenuNeeds {
  deps: Pick<Deps, 'db'>;
  accounts: Pick<AccountsDirectory, 'client'>;
  opening: Pick<SavingsOpeningService, 'requestFromPhone' | 'payFees'>;
  deposits: Pick<DepositsService, 'startMobileMoney'>;
  withdrawals: Pick<SavingsWithdrawalsService, 'request'>;
  statements: Pick<StatementsService, 'miniStatement'>;
  logger: Logger;
}

/** The statuses an account has money in (its balance is shown; "Mes soldes" lists it). */
const OPEN: readonly SavingsAccount['status'][] = ['actif', 'suspendu'];

/**
 * "4. Epargne"'s invoked actors and the savings line of "2. Mes soldes", on the savings module's
 * services. The caller is the client the engine identified by their phone: they act as that client,
 * with the same checks as the client's own API calls.
 */
export function savingsMenuServices(needs: SavingsMenuNeeds): SavingsMenuServices {
  const { deps, accounts, opening, deposits, withdrawals, statements } = needs;

  async function principalOf(userId: number): Promise<Principal> {
    const client = await accounts.client(userId);
    if (!client || client.sfdId === null) throw notFound();
    return { userId, role: 'client', sfdId: client.sfdId, jti: 'ussd', familyId: 'ussd', expiresAt: 0 };
  }

  /** The client's request in progress or account, else their latest one (rejected, closed), else null. */
  async function accountOf(userId: number): Promise<SavingsAccount | null> {
    const m = deps.db.manager;
    return (
      (await m.findOne(SavingsAccount, { where: { openClientId: userId } })) ??
      (await m.findOne(SavingsAccount, { where: { clientId: userId }, order: { id: 'DESC' } }))
    );
  }

  /** The client's open account (actif or suspendu), else 404. */
  async function openAccountOf(userId: number): Promise<SavingsAccount> {
    const account = await accountOf(userId);
    if (!account || !OPEN.includes(account.status)) throw notFound();
    return account;
  }

  const services: SavingsMenuServices = {
    loadSavings: async ({ userId }) => {
      const account = await accountOf(userId);
      if (!account || account.status === 'ferme') {
        // A new request would be charged the SFD's fee of today.
        const { sfdId } = await principalOf(userId);
        return {
          status: 'none',
          accountNumber: '',
          fee: await openingFeeOf(deps.db.manager, sfdId as number),
          reason: null,
        };
      }
      const rejected = account.status === 'rejete';
      return {
        status: account.status as SavingsSummary['status'],
        accountNumber: formatAccountNumber(account.id),
        fee: rejected ? await openingFeeOf(deps.db.manager, account.sfdId) : account.openingFee,
        reason: rejected ? account.reason : null,
      };
    },

    requestSavingsOpening: async ({ userId }) => {
      try {
        await opening.requestFromPhone(userId);
        return 'sent';
      } catch (err) {
        // A request made meanwhile (at the branch, another session): the unique index said so.
        if (err instanceof Problem && err.status === 409) return 'already';
        throw err;
      }
    },

    startSavingsFee: async ({ userId }) => {
      const account = await accountOf(userId);
      if (!account) throw notFound();
      try {
        // Pushed to the client's own phone; the account opens when the payment succeeds.
        await opening.payFees(await principalOf(userId), account.id);
        return 'started';
      } catch (err) {
        // A fee payment still pending (or just paid): nothing new to start.
        if (err instanceof Problem && err.status === 409) return 'pending';
        throw err;
      }
    },

    loadSavingsFigures: async ({ userId }) => {
      const account = await openAccountOf(userId);
      const figures = await savingsBalance(deps.db.manager, account);
      return {
        accountNumber: formatAccountNumber(account.id),
        balance: figures.balance,
        held: figures.held,
        available: figures.available,
      };
    },

    startSavingsDeposit: async ({ userId, amount }) => {
      if (!Number.isInteger(amount) || amount < MIN_DEPOSIT) {
        throw conflict(`a deposit is at least ${MIN_DEPOSIT} XOF`);
      }
      const account = await openAccountOf(userId);
      // As the client, to their own phone; the deposit is credited when the payment succeeds.
      await deposits.startMobileMoney(await principalOf(userId), { accountId: account.id, amount });
      return 'started';
    },

    requestSavingsWithdrawal: async ({ userId, amount }) => {
      if (!Number.isInteger(amount) || amount < MIN_WITHDRAWAL) return 'below_min';
      const account = await openAccountOf(userId);
      try {
        // Checked against the available balance under the account's lock; the service SMSes the
        // client and tells the SFD's agents.
        await withdrawals.request(await principalOf(userId), { accountId: account.id, amount });
        return 'sent';
      } catch (err) {
        // The balance moved since the screen (another request, a hold, a payout).
        if (err instanceof Problem && err.code === 'insufficient_funds') return 'insufficient';
        throw err;
      }
    },

    savingsMiniStatement: async ({ userId, lang, page }) => {
      const mini = await statements.miniStatement(userId, page, lang);
      if (mini.status !== 'ok') return { page: 1, pages: 1, lines: [] };
      return { page: mini.page, pages: mini.pages, lines: mini.lines.map((l) => ({ label: l.text })) };
    },

    loadSavingsLine: async ({ userId, lang }) => {
      const account = await accountOf(userId);
      if (!account || !OPEN.includes(account.status)) return null;
      const { balance } = await savingsBalance(deps.db.manager, account);
      return t(lang, 'ussd')('savings.line', {
        accountNumber: formatAccountNumber(account.id),
        balance: fcfa(balance),
      });
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
  ) as unknown as SavingsMenuServices;
}
