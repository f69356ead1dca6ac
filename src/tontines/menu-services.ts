import type { BalanceLine, FeeDue, ParticipationOption, TontineMenuServices } from '../../menus';
import { fcfa } from '../../menus';
import type { AccountsDirectory } from '../accounts/directory';
import type { Principal } from '../http/auth';
import { notFound, Problem } from '../http/errors';
import type { Page } from '../http/pagination';
import { t } from '../infra/i18n';
import type { Logger } from '../infra/logger';
import type { AdhesionsService } from './adhesions';
import { BOXES_PER_CARNET } from './carnet';
import type { ContributionReads } from './contribution-reads';
import type { ContributionsService } from './contributions';
import type { Tontine } from './entities';
import type { TontinesService } from './tontines-service';
import type { WithdrawalsService } from './withdrawals';

/** A client has a handful of tontines: one page holds them all (the engine pages the screen itself). */
const ALL: Page = { page: 1, pageSize: 100, skip: 0, take: 100 };

export interface TontineMenuNeeds {
  accounts: Pick<AccountsDirectory, 'client'>;
  tontines: Pick<TontinesService, 'list' | 'byId'>;
  adhesions: Pick<AdhesionsService, 'submit' | 'feeDue' | 'awaitingFee' | 'pay'>;
  contributions: Pick<ContributionsService, 'quote' | 'startMobileMoney'>;
  reads: Pick<ContributionReads, 'participant' | 'soldes'>;
  withdrawals: Pick<WithdrawalsService, 'request' | 'available'>;
  logger: Logger;
}

/**
 * The tontine menus' invoked actors, on the tontines module's services. The caller is the client the
 * engine identified by their phone (an active client, or the engine answered before any flow): they act
 * as that client, with the same checks as the client's own API calls.
 */
export function tontineMenuServices(needs: TontineMenuNeeds): TontineMenuServices {
  const { accounts, tontines, adhesions, contributions, reads, withdrawals } = needs;

  /** The caller as the services' checks know a client (no token: the USSD session stands for it). */
  async function principalOf(userId: number): Promise<Principal> {
    const client = await accounts.client(userId);
    if (!client) throw notFound();
    return { userId, role: 'client', sfdId: client.sfdId, jti: 'ussd', familyId: 'ussd', expiresAt: 0 };
  }

  /** The caller's own participation, else 404. */
  async function ownParticipant(userId: number, participantId: number) {
    const participant = await reads.participant(participantId);
    if (!participant || participant.clientId !== userId) throw notFound();
    return participant;
  }

  async function tontinesById(ids: number[]): Promise<Map<number, Tontine>> {
    const found = await Promise.all([...new Set(ids)].map((id) => tontines.byId(id)));
    return new Map(found.flatMap((t) => (t ? [[t.id, t] as const] : [])));
  }

  const services: TontineMenuServices = {
    listTontines: async ({ userId }) => {
      const { rows } = await tontines.list(await principalOf(userId), { page: 1, page_size: ALL.take }, ALL);
      return rows.map((t) => ({
        id: t.id,
        name: t.name,
        stakeMin: t.stakeMin,
        stakeMax: t.stakeMax,
        joiningFee: t.joiningFee,
      }));
    },

    submitAdhesion: async ({ userId, tontineId, stake }) => {
      try {
        await adhesions.submit(await principalOf(userId), { tontine_id: tontineId, stake });
        return 'sent';
      } catch (err) {
        if (err instanceof Problem && err.status === 409) return 'already';
        // Closed, suspended or its bounds changed since the list was shown.
        if (err instanceof Problem && err.status === 400 && (err.errors?.tontine_id || err.errors?.stake)) {
          return 'closed';
        }
        throw err;
      }
    },

    listParticipations: async ({ userId }) => {
      const { rows } = await reads.soldes({ clientId: userId }, {}, ALL);
      const active = rows.filter((r) => r.participant.status === 'actif');
      const byId = await tontinesById(active.map((r) => r.participant.tontineId));
      return active.flatMap(({ participant, carnet }): ParticipationOption[] => {
        const tontine = byId.get(participant.tontineId);
        if (!tontine || tontine.status !== 'active') return [];
        // The stake of the current carnet (a changed stake applies from the next one).
        return [
          { participantId: participant.id, name: tontine.name, stake: carnet?.stake ?? participant.stake },
        ];
      });
    },

    quoteContribution: async ({ userId, participantId, days }) => {
      await ownParticipant(userId, participantId);
      const allocation = await contributions.quote(participantId, days);
      return {
        amount: allocation.amount,
        commission: allocation.commission,
        cycle: allocation.after.cycle,
        boxesPaid: allocation.after.boxesPaid,
      };
    },

    startContribution: async ({ userId, participantId, days }) => {
      await ownParticipant(userId, participantId);
      // Priced now (the carnet may have moved since the summary), pushed to the client's own phone.
      await contributions.startMobileMoney({ participantId, days, initiatedBy: userId });
    },

    loadBalances: async ({ userId, lang }) => {
      const { rows } = await reads.soldes({ clientId: userId }, {}, ALL);
      const byId = await tontinesById(rows.map((r) => r.participant.tontineId));
      const tr = t(lang, 'ussd');
      const lines: BalanceLine[] = [];
      // One participation at a time: a client has a handful, and each reads its pending withdrawals.
      for (const { participant, balance, carnet } of rows) {
        const tontine = byId.get(participant.tontineId);
        const name = tontine?.name ?? '';
        const cycle = carnet?.cycle ?? 1;
        const boxesPaid = carnet?.boxesPaid ?? 0;
        lines.push({
          label: tr('tontine_balances.line', {
            name,
            balance: fcfa(balance),
            cycle,
            boxesPaid,
            boxes: BOXES_PER_CARNET,
          }),
          participantId: participant.id,
          name,
          balance,
          cycle,
          boxesPaid,
          available: await withdrawals.available(participant),
          minWithdrawal: tontine?.minWithdrawal ?? 0,
        });
      }
      return lines;
    },

    requestWithdrawal: async ({ userId, participantId, amount }) => {
      try {
        // As the client (another's participation: 404). The service SMSes the client and tells the SFD's agents.
        await withdrawals.request(await principalOf(userId), { participantId, amount });
        return 'sent';
      } catch (err) {
        // The balance moved since the screen (another request, a payout): re-checked under the lock.
        if (err instanceof Problem && err.status === 409) return 'insufficient';
        if (err instanceof Problem && err.status === 400 && err.errors?.amount) return 'below_min';
        throw err;
      }
    },

    feeDue: ({ userId }) => adhesions.feeDue(userId),

    listFeesDue: async ({ userId }) =>
      (await adhesions.awaitingFee(userId)).map(({ adhesion, tontine }): FeeDue => ({
        adhesionId: adhesion.id,
        name: tontine.name,
        fee: tontine.joiningFee,
      })),

    startFeePayment: async ({ userId, adhesionId }) => {
      try {
        // Pushed to the client's own phone; a free tontine makes the participant at once.
        const adhesion = await adhesions.pay(await principalOf(userId), adhesionId);
        return adhesion.status === 'adherent' ? 'joined' : 'started';
      } catch (err) {
        // A fee payment still pending (or the fee paid meanwhile): nothing new to start.
        if (err instanceof Problem && err.status === 409) return 'pending';
        throw err;
      }
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
  ) as unknown as TontineMenuServices;
}
