import type { EntityManager } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { Problem, forbidden, validationFailed } from '../http/errors';
import { hasRank } from '../http/roles';
import { withinScope } from '../http/scope';
import { ensureAccount, post, sfdAccount } from '../ledger/service';
import { closeNotifications, notifyStaffAt } from '../notifications/inapp';
import type { PurposeHandler } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';
import { formatXof } from '../shared/money';
import { decide, transition, type Decision } from '../workflow/decide';
import { tontineAccount } from './contributions';
import { Retrait, Tontine, TontineParticipant } from './entities';
import { lockParticipant } from './participant-lock';
import { WithdrawalPayouts, withdrawalEntryKey } from './withdrawal-payouts';

export {
  PAYOUT_GRACE_MS,
  PAYOUT_SWEEP_EVERY_MS,
  WITHDRAWAL_PURPOSE,
  withdrawalEntryKey,
  withdrawalReversalKey,
} from './withdrawal-payouts';
import { withdrawalSms } from './withdrawal-notices';

/**
 * Withdrawals: a client (or an agent for them) asks for part of their tontine balance; an agent of the
 * client's SFD decides; an approval posts the withdrawal to the ledger in the same transaction and pays
 * it out, by mobile money (payments' payout, purpose `retrait_tontine`) or in cash at the branch.
 *
 * Every write about one participant (a request, a decision, a contribution) first locks the
 * participant's row (MySQL; SQLite runs one transaction at a time), so they take turns: the available
 * balance (ledger balance minus the pending withdrawals) a request is checked against cannot move under
 * it, and 20 parallel requests never promise more than the balance.
 */

/** The in-app type of a withdrawal awaiting an agent; its data is `{retrait_id}`. */
export const WITHDRAWAL_PENDING = 'tontine_retrait_pending';
export const WITHDRAWAL_DECIDERS = ['agent_sfd', 'superviseur_sfd'] as const;
const pendingData = (retraitId: number) => ({ retrait_id: retraitId });

export type PayoutMethod = 'mobile_money' | 'cash';

export interface WithdrawalDecision extends Decision {
  /** How an approved withdrawal is paid (default: mobile money when the provider pays out). */
  method?: PayoutMethod;
}

export class WithdrawalsService {
  private readonly payouts: WithdrawalPayouts;

  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock' | 'outbox' | 'logger'>,
    private readonly accounts: AccountsDirectory,
    private readonly payments: PaymentsService,
  ) {
    this.payouts = new WithdrawalPayouts(deps, payments);
  }

  /**
   * A withdrawal request → pending. The caller is the participant's client, or an agent (or higher) of
   * the participant's SFD; anyone else: 404 (out of reach) or 403 (the platform admin). The amount must
   * be at least the tontine's minimum (400) and at most the available balance (409 insufficient_funds).
   */
  async request(actor: Principal, input: { participantId: number; amount: number }): Promise<Retrait> {
    return this.deps.db.transaction(async (manager) => {
      const at = this.deps.clock.now();
      const participant = withinScope(
        actor,
        await lockParticipant(manager, input.participantId),
        (p) => p.clientId,
      );
      if (actor.role !== 'client' && !isAgentOf(actor, participant.sfdId)) throw forbidden();
      const tontine = await manager.findOneOrFail(Tontine, { where: { id: participant.tontineId } });
      if (input.amount < tontine.minWithdrawal) throw validationFailed({ amount: ['min_withdrawal'] });
      const available = await this.availableIn(manager, participant);
      if (input.amount > available) {
        throw new Problem(409, 'insufficient_funds', `at most ${available} XOF may be withdrawn`);
      }
      const retrait = await manager.save(
        manager.create(Retrait, {
          sfdId: participant.sfdId,
          participantId: participant.id,
          clientId: participant.clientId,
          amount: input.amount,
          status: 'pending',
          reason: null,
          decidedBy: null,
          decidedAt: null,
          paymentReference: null,
          createdAt: at,
          updatedAt: at,
        }),
      );
      await recordAudit(
        manager,
        {
          actor,
          sfdId: retrait.sfdId,
          action: 'tontine.retrait.request',
          targetType: 'retrait',
          targetId: retrait.id,
          after: { status: 'pending', amount: retrait.amount, participant_id: participant.id },
        },
        at,
      );
      const client = await this.accounts.contact(participant.clientId, manager);
      if (client) {
        await notifyStaffAt(
          manager,
          {
            sfdId: retrait.sfdId,
            roles: WITHDRAWAL_DECIDERS,
            type: WITHDRAWAL_PENDING,
            text: {
              key: WITHDRAWAL_PENDING,
              params: {
                firstName: client.firstName,
                lastName: client.lastName,
                amount: formatXof(retrait.amount),
                tontine: tontine.name,
              },
            },
            data: pendingData(retrait.id),
          },
          at,
          this.accounts,
        );
        await withdrawalSms(this.deps.outbox, manager, client, 'withdrawal_requested', retrait, tontine);
      }
      return retrait;
    });
  }

  /** The participant's balance (ledger) minus their pending withdrawals: what they may still ask for. */
  async available(participant: TontineParticipant): Promise<number> {
    return this.availableIn(this.deps.db.manager, participant);
  }

  private async availableIn(manager: EntityManager, participant: TontineParticipant): Promise<number> {
    const participantId = participant.id;
    // Read through the caller's manager (inside its transaction); created empty if it never was.
    const account = await ensureAccount(manager, {
      code: tontineAccount(participantId),
      kind: 'tontine',
      sfdId: participant.sfdId,
      ownerId: participant.clientId,
      mayGoNegative: false,
      at: this.deps.clock.now(),
    });
    const pending = await manager.find(Retrait, {
      where: { participantId, status: 'pending' },
      select: { id: true, amount: true },
    });
    return account.balance - pending.reduce((sum, r) => sum + r.amount, 0);
  }

  /**
   * An agent's (or supervisor's, admin's) decision on a pending withdrawal of a client of their own SFD
   * (another SFD's: 404; the platform admin: 403; no longer pending: 409). Approve: the ledger entry
   * (the participant −amount, the SFD's mobile-money clearing or cash +amount: money going out through
   * them) in the transaction of the status change (an overdraft is refused by the ledger: 409), then
   * the payout: cash is handed over by the deciding agent (→ confirmee at once), mobile money is sent
   * after the commit (→ approved; a failed payout puts the money back: `revertPayout`). Reject: the
   * reason, told to the client. SMS to the client at each step; the agents' notice is closed.
   */
  async decide(actor: Principal, retraitId: number, decision: WithdrawalDecision): Promise<Retrait> {
    const method: PayoutMethod =
      decision.method ?? (this.payments.provider.capabilities.payout ? 'mobile_money' : 'cash');
    const decided = await this.deps.db.transaction(async (manager) => {
      const at = this.deps.clock.now();
      const found = withinScope(actor, await manager.findOne(Retrait, { where: { id: retraitId } }));
      if (!isAgentOf(actor, found.sfdId)) throw forbidden();
      // The participant first, like every write about them (see the class comment).
      await lockParticipant(manager, found.participantId);
      const tontine = await this.tontineOf(manager, found.participantId);
      const client = await this.accounts.contact(found.clientId, manager);
      if (decision.decision === 'approve' && method === 'mobile_money' && !client?.phone) {
        throw validationFailed({ method: ['no_phone'] });
      }
      let record = await decide(manager, {
        entity: Retrait,
        id: retraitId,
        from: ['pending'],
        to: { approve: 'approved', reject: 'rejected' },
        set: {
          decidedBy: actor.userId,
          decidedAt: at,
          reason: decision.decision === 'reject' ? (decision.reason ?? null) : null,
          updatedAt: at,
        },
        actor,
        action: 'tontine.retrait',
        targetType: 'retrait',
        at,
        decision,
        view: (r) => ({
          status: r.status,
          amount: r.amount,
          ...(r.status !== 'pending' ? { method } : {}),
          ...(r.reason ? { reason: r.reason } : {}),
        }),
        notify: async (m, r, d) => {
          await closeNotifications(m, { type: WITHDRAWAL_PENDING, data: pendingData(r.id) }, at);
          if (!client) return;
          if (d.decision === 'reject')
            await withdrawalSms(this.deps.outbox, m, client, 'withdrawal_rejected', r, tontine);
          else if (method === 'mobile_money')
            await withdrawalSms(this.deps.outbox, m, client, 'withdrawal_approved', r, tontine);
        },
      });
      if (decision.decision === 'approve') {
        const counter = sfdAccount(record.sfdId, method === 'cash' ? 'cash' : 'mobile-money');
        await post(manager, {
          key: withdrawalEntryKey(record.id),
          kind: 'tontine_retrait',
          lines: [
            { account: tontineAccount(record.participantId), amount: -record.amount },
            { account: counter, amount: record.amount },
          ],
          ref: { type: 'retrait', id: record.id },
          sfdId: record.sfdId,
          actorId: actor.userId,
          at,
        });
        if (method === 'cash') {
          // The agent hands the cash over at the branch: the withdrawal is paid.
          record = await transition(manager, {
            entity: Retrait,
            id: record.id,
            from: ['approved'],
            to: 'confirmee',
            set: { updatedAt: at },
            actor,
            action: 'tontine.retrait.paid_cash',
            targetType: 'retrait',
            at,
          });
          if (client)
            await withdrawalSms(this.deps.outbox, manager, client, 'withdrawal_paid_cash', record, tontine);
        }
      }
      return { record, client };
    });

    const { record, client } = decided;
    if (record.status !== 'approved' || !client?.phone) return record;
    // After the commit: the entry is posted, so the money cannot be promised twice.
    await this.payouts.send(record, client.phone, actor.userId);
    return (await this.deps.db.manager.findOneOrFail(Retrait, { where: { id: record.id } })) as Retrait;
  }

  /** The payout sweep (withdrawal-payouts.ts). */
  resumePayouts(): Promise<number> {
    return this.payouts.resumePayouts();
  }

  /** The purpose `retrait_tontine` (withdrawal-payouts.ts). */
  purposeHandler(): PurposeHandler {
    return this.payouts.purposeHandler();
  }

  byId(id: number): Promise<Retrait | null> {
    return this.deps.db.manager.findOne(Retrait, { where: { id } });
  }

  participant(id: number): Promise<TontineParticipant | null> {
    return this.deps.db.manager.findOne(TontineParticipant, { where: { id } });
  }

  private async tontineOf(manager: EntityManager, participantId: number): Promise<Tontine> {
    const participant = await manager.findOneOrFail(TontineParticipant, { where: { id: participantId } });
    return manager.findOneOrFail(Tontine, { where: { id: participant.tontineId } });
  }
}

/** An agent (or higher) of this SFD: the platform admin is not one. */
function isAgentOf(actor: Principal, sfdId: number): boolean {
  return actor.role !== 'client' && hasRank(actor.role, 'agent_sfd') && actor.sfdId === sfdId;
}
