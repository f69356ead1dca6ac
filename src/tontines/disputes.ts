import type { EntityManager } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { forbidden, validationFailed } from '../http/errors';
import { withinScope } from '../http/scope';
import type { Reply, SmsKeyword } from '../notifications/inbound';
import { closeNotifications } from '../notifications/inapp';
import { DEFAULT_TIME_ZONE } from '../shared/sfd-calendar';
import { decide, type Decision } from '../workflow/decide';
import type { ContributionsService } from './contributions';
import {
  DISPUTE_DECIDERS,
  DISPUTE_PENDING,
  disputeAwaitsDecision,
  disputePendingData,
  decisionSms,
  openedReply,
  openedSms,
  refusedReply,
  type DisputeRefusal,
} from './dispute-notices';
import { Contestation, Cotisation, TontineParticipant, type ContestationChannel } from './entities';

/**
 * Disputes of cash receipts. A field agent's cash contribution sends the client a receipt with a code
 * (contribution-receipts.ts); within 48 h the client answers `NON <code>` by SMS (or on USSD, or through
 * the API) and the dispute waits for the agent's superviseur (or the SFD's admin). Upheld, the days the
 * collector took and did not record are recorded as a cash contribution collected by that agent, so
 * their cash account shows the cash they owe; rejected, the client is told why.
 */

/** How long after the contribution its receipt may be disputed. */
export const DISPUTE_WINDOW_MS = 48 * 3600_000;
/** The days an upheld dispute may record at once. */
export const MAX_DAYS_MISSING = 31;

/** The idempotency key of an upheld dispute's correction, among the disputed agent's cash contributions. */
export const correctionKey = (contestationId: number) => `contestation:${contestationId}`;

/** A receipt code as the client typed it: letters and digits only, upper-cased ("k7m2-qx." → "K7M2QX"). */
export function cleanCode(typed: string): string {
  return typed
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, 16);
}

export interface OpenRequest {
  clientId: number;
  code: string;
  channel: ContestationChannel;
  at: Date;
}

export type Lookup =
  { outcome: 'found'; cotisation: Cotisation } | { outcome: DisputeRefusal; contestation?: Contestation };

export type OpenResult =
  | { outcome: 'opened'; contestation: Contestation; cotisation: Cotisation; reply: Reply }
  | { outcome: DisputeRefusal; contestation?: Contestation; reply: Reply };

export interface DisputeDecision extends Decision {
  /** Approve: the days the collector took and did not record (1 to 31). */
  days_missing?: number;
}

export class DisputesService {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock' | 'outbox'>,
    private readonly accounts: AccountsDirectory,
    private readonly contributions: Pick<ContributionsService, 'record'>,
  ) {}

  /**
   * The client's own confirmed cash contribution with this receipt code, if it may still be disputed.
   * Another client's code is `unknown` like a code that does not exist. Locking reads when `lock` (the
   * cotisation, then its dispute): two NON for one receipt take turns, the second finds the first's.
   */
  async lookup(
    manager: EntityManager,
    clientId: number,
    typed: string,
    at: Date,
    lock = false,
  ): Promise<Lookup> {
    const code = cleanCode(typed);
    if (code.length === 0) return { outcome: 'unknown' };
    const locking = lock && manager.connection.options.type === 'mysql';
    const cotisation = await manager.findOne(Cotisation, {
      where: { clientId, receiptCode: code, method: 'cash', status: 'confirmee' },
      order: { id: 'DESC' },
      ...(locking ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!cotisation) return { outcome: 'unknown' };
    const contestation = await manager.findOne(Contestation, {
      where: { cotisationId: cotisation.id },
      ...(locking ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (contestation) return { outcome: 'already', contestation };
    const recorded = cotisation.confirmedAt ?? cotisation.createdAt;
    if (at.getTime() - recorded.getTime() > DISPUTE_WINDOW_MS) return { outcome: 'late' };
    return { outcome: 'found', cotisation };
  }

  /**
   * Opens a dispute in the caller's transaction (the inbound SMS's, whose reply is `reply`): the
   * contestation (`ouverte`), its audit row and the superviseurs' in-app notice. A refusal changes
   * nothing and says why in `reply`; a second NON for the same receipt is `already`.
   */
  async open(manager: EntityManager, req: OpenRequest): Promise<OpenResult> {
    const found = await this.lookup(manager, req.clientId, req.code, req.at, true);
    if (found.outcome !== 'found') {
      return { ...found, reply: refusedReply(found.outcome, cleanCode(req.code)) };
    }
    const { cotisation } = found;
    const { at } = req;
    const contestation = await manager.save(
      manager.create(Contestation, {
        sfdId: cotisation.sfdId,
        cotisationId: cotisation.id,
        participantId: cotisation.participantId,
        clientId: cotisation.clientId,
        agentId: cotisation.collectedBy as number,
        status: 'ouverte',
        channel: req.channel,
        reason: null,
        daysMissing: null,
        correctionCotisationId: null,
        decidedBy: null,
        decidedAt: null,
        createdAt: at,
        updatedAt: at,
      }),
    );
    await recordAudit(
      manager,
      {
        actor: { userId: req.clientId, role: 'client' },
        sfdId: contestation.sfdId,
        action: 'tontine.contestation.open',
        targetType: 'contestation',
        targetId: contestation.id,
        after: {
          status: 'ouverte',
          channel: req.channel,
          cotisation_id: cotisation.id,
          agent_id: contestation.agentId,
          amount: cotisation.amount,
        },
      },
      at,
    );
    const [client, agent, sfd] = [
      await this.accounts.contact(cotisation.clientId, manager),
      await this.accounts.contact(contestation.agentId, manager),
      await this.accounts.sfd(cotisation.sfdId, manager),
    ];
    await disputeAwaitsDecision(
      manager,
      this.accounts,
      { contestation, cotisation, client, agent, timeZone: sfd?.timeZone ?? DEFAULT_TIME_ZONE },
      at,
    );
    return { outcome: 'opened', contestation, cotisation, reply: openedReply(cotisation, agent) };
  }

  /** A dispute opened on USSD or through the API: `open` in its own transaction, with the client's SMS. */
  async openAsClient(clientId: number, code: string, channel: ContestationChannel): Promise<OpenResult> {
    return this.deps.db.transaction(async (manager) => {
      const result = await this.open(manager, { clientId, code, channel, at: this.deps.clock.now() });
      if (result.outcome === 'opened') {
        const client = await this.accounts.contact(clientId, manager);
        await openedSms(this.deps.outbox, manager, client, result.contestation, result.reply);
      }
      return result;
    });
  }

  /** `NON <code>`, answered by the inbound SMS service (notifications/inbound.ts). */
  smsKeyword(): SmsKeyword {
    return {
      name: 'dispute',
      words: { NON: 'fr' },
      answer: async (manager, caller, args, _lang, at) => {
        const code = cleanCode(args.join(''));
        if (code.length === 0) return refusedReply('usage', '');
        return (await this.open(manager, { clientId: caller.id, code, channel: 'sms', at })).reply;
      },
    };
  }

  /**
   * The decision of a superviseur or admin of the dispute's SFD (another SFD's: 404; an agent, the
   * platform admin: 403; no longer `ouverte`: 409). Approve (→ fondee): the `days_missing` the collector
   * did not record become a cash contribution collected by them (carnets, ledger, the client's
   * receipt), in the same transaction; reject (→ rejetee) with the reason. The superviseurs' notice is
   * closed; the client gets an SMS of the outcome.
   */
  async decide(actor: Principal, id: number, decision: DisputeDecision): Promise<Contestation> {
    return this.deps.db.transaction(async (manager) => {
      const at = this.deps.clock.now();
      const found = withinScope(actor, await manager.findOne(Contestation, { where: { id } }));
      if (!(DISPUTE_DECIDERS as readonly string[]).includes(actor.role)) throw forbidden();
      const approve = decision.decision === 'approve';
      const days = decision.days_missing;
      if (
        approve &&
        (!Number.isInteger(days) || (days as number) < 1 || (days as number) > MAX_DAYS_MISSING)
      ) {
        throw validationFailed({ days_missing: ['required'] });
      }
      // The participant first, like every write about them (contributions.ts, withdrawals.ts).
      await this.lockParticipant(manager, found.participantId);
      let record = await decide(manager, {
        entity: Contestation,
        id,
        from: ['ouverte'],
        to: { approve: 'fondee', reject: 'rejetee' },
        set: {
          decidedBy: actor.userId,
          decidedAt: at,
          reason: decision.reason ?? null,
          daysMissing: approve ? (decision.days_missing ?? null) : null,
          updatedAt: at,
        },
        actor,
        action: 'tontine.contestation',
        targetType: 'contestation',
        at,
        decision,
        view: (c) => ({
          status: c.status,
          ...(c.daysMissing !== null ? { days_missing: c.daysMissing } : {}),
          ...(c.reason ? { reason: c.reason } : {}),
        }),
      });
      let correction: { amount: number; balance: number } | null = null;
      if (approve) {
        const r = await this.contributions.record(manager, {
          participantId: record.participantId,
          days: decision.days_missing as number,
          method: 'cash',
          at,
          collectedBy: record.agentId,
          idempotencyKey: correctionKey(record.id),
        });
        await manager.update(
          Contestation,
          { id: record.id },
          { correctionCotisationId: r.cotisation.id, updatedAt: at },
        );
        await recordAudit(
          manager,
          {
            actor,
            sfdId: record.sfdId,
            action: 'tontine.cotisation.correction',
            targetType: 'cotisation',
            targetId: r.cotisation.id,
            after: {
              contestation_id: record.id,
              collected_by: record.agentId,
              amount: r.cotisation.amount,
              days: r.cotisation.days,
              commission: r.cotisation.commission,
            },
          },
          at,
        );
        record = { ...record, correctionCotisationId: r.cotisation.id };
        correction = { amount: r.cotisation.amount, balance: r.balance };
      }
      await closeNotifications(manager, { type: DISPUTE_PENDING, data: disputePendingData(record.id) }, at);
      const cotisation = await manager.findOneOrFail(Cotisation, { where: { id: record.cotisationId } });
      const client = await this.accounts.contact(record.clientId, manager);
      await decisionSms(this.deps.outbox, manager, client, { contestation: record, cotisation, correction });
      return record;
    });
  }

  private async lockParticipant(manager: EntityManager, participantId: number): Promise<void> {
    const mysql = manager.connection.options.type === 'mysql';
    await manager.findOne(TontineParticipant, {
      where: { id: participantId },
      ...(mysql ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }
}
