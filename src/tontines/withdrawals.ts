import { parkInSuspense } from '../payments/purposes';
import { IsNull, LessThan, type EntityManager } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { Problem, forbidden, validationFailed } from '../http/errors';
import { hasRank } from '../http/roles';
import { withinScope } from '../http/scope';
import { ensureAccount, post, reverse, sfdAccount } from '../ledger/service';
import { closeNotifications, notifyStaffAt } from '../notifications/inapp';
import type { PurposeHandler } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';
import { formatXof } from '../shared/money';
import { decide, transition, type Decision } from '../workflow/decide';
import { contributionEntryKey, tontineAccount } from './contributions';
import { Retrait, Tontine, TontineParticipant } from './entities';
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

/** The payment purpose of a withdrawal's payout; its `purposeRef` is the retrait's id. */
export const WITHDRAWAL_PURPOSE = 'retrait_tontine';
/** The ledger key of a withdrawal's entry, and of its reversal when the payout fails. */
export const withdrawalEntryKey = (retraitId: number) => `tontine:retrait:${retraitId}`;
export const withdrawalReversalKey = (retraitId: number) => `tontine:retrait:${retraitId}:reversal`;

/** The in-app type of a withdrawal awaiting an agent; its data is `{retrait_id}`. */
export const WITHDRAWAL_PENDING = 'tontine_retrait_pending';
export const WITHDRAWAL_DECIDERS = ['agent_sfd', 'superviseur_sfd'] as const;
const pendingData = (retraitId: number) => ({ retrait_id: retraitId });

export type PayoutMethod = 'mobile_money' | 'cash';

/** How often the payout sweep runs, and how old an approval must be before it counts as lost. */
export const PAYOUT_SWEEP_EVERY_MS = 60_000;
export const PAYOUT_GRACE_MS = 2 * 60_000;

export interface WithdrawalDecision extends Decision {
  /** How an approved withdrawal is paid (default: mobile money when the provider pays out). */
  method?: PayoutMethod;
}

export class WithdrawalsService {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock' | 'outbox' | 'logger'>,
    private readonly accounts: AccountsDirectory,
    private readonly payments: PaymentsService,
  ) {}

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
    const payment = await this.payments.payout({
      ...this.payoutOf(record, actor.userId),
      phone: client.phone,
    });
    await this.storePaymentReference(record.id, payment.reference);
    return (await this.deps.db.manager.findOneOrFail(Retrait, { where: { id: record.id } })) as Retrait;
  }

  /** What the payout of an approved withdrawal is: its amount to its client, under its purpose. */
  private payoutOf(record: Retrait, initiatedBy: number | null) {
    return {
      type: 'retrait_tontine' as const,
      amount: record.amount,
      clientId: record.clientId,
      sfdId: record.sfdId,
      purpose: WITHDRAWAL_PURPOSE,
      purposeRef: String(record.id),
      initiatedBy,
    };
  }

  private storePaymentReference(retraitId: number, reference: string) {
    return this.deps.db.manager.update(
      Retrait,
      { id: retraitId, paymentReference: IsNull() },
      { paymentReference: reference, updatedAt: this.deps.clock.now() },
    );
  }

  /**
   * The sweep (every PAYOUT_SWEEP_EVERY_MS): a withdrawal approved for mobile money more than
   * PAYOUT_GRACE_MS ago with no payment reference lost its payout to a crash between the approval's
   * commit and the payout's start (payments.resumePayout adopts or sends it). The money was posted with
   * the approval, so it cannot be paid twice from the ledger. Returns how many payouts it sent.
   */
  async resumePayouts(): Promise<number> {
    const stuck = await this.deps.db.manager.find(Retrait, {
      where: {
        status: 'approved',
        paymentReference: IsNull(),
        decidedAt: LessThan(new Date(this.deps.clock.now().getTime() - PAYOUT_GRACE_MS)),
      },
      order: { id: 'ASC' },
      take: 100,
    });
    let sent = 0;
    for (const retrait of stuck) {
      const payout = this.payoutOf(retrait, retrait.decidedBy);
      if (await this.payments.resumePayout(payout, (ref) => this.storePaymentReference(retrait.id, ref)))
        sent += 1;
    }
    return sent;
  }

  /**
   * The purpose `retrait_tontine`. A failed payout gives the money back (a reversing entry under its
   * own key) and the withdrawal ends `rejected` (reason `payout_failed`); payments tells the client.
   * A collection started under this purpose (POST /api/payments/initiate names it by its type) buys
   * nothing: its money is parked in the SFD's suspense account, not lost.
   */
  purposeHandler(): PurposeHandler {
    return {
      applyPayout: async (manager, payment, at) => {
        const retrait = await this.approvedFor(manager, payment, 'paid withdrawal payout');
        if (!retrait) return;
        // The client's receipt is the payments module's payout receipt, queued in this transaction.
        await transition(manager, {
          entity: Retrait,
          id: retrait.id,
          from: ['approved'],
          to: 'confirmee',
          set: { paymentReference: payment.reference, updatedAt: at },
          actor: null,
          action: 'tontine.retrait.paid',
          targetType: 'retrait',
          at,
          view: (r) => ({ status: r.status, payment_reference: r.paymentReference }),
        });
      },
      revertPayout: async (manager, payment, at) => {
        const retrait = await this.approvedFor(manager, payment, 'failed withdrawal payout');
        if (!retrait) return;
        // The participant first, like every write about them (a contribution reads the balance under it).
        await lockParticipant(manager, retrait.participantId);
        await reverse(manager, withdrawalEntryKey(retrait.id), {
          key: withdrawalReversalKey(retrait.id),
          kind: 'tontine_retrait_reversal',
          ref: { type: 'retrait', id: retrait.id },
          sfdId: retrait.sfdId,
          at,
        });
        await transition(manager, {
          entity: Retrait,
          id: retrait.id,
          from: ['approved'],
          to: 'rejected',
          set: { reason: 'payout_failed', paymentReference: payment.reference, updatedAt: at },
          actor: null,
          action: 'tontine.retrait.payout_failed',
          targetType: 'retrait',
          at,
          view: (r) => ({ status: r.status, reason: r.reason }),
        });
      },
      applyCollection: async (manager, payment, at) => {
        this.deps.logger.error(
          { reference: payment.reference },
          'a collection for a withdrawal purpose: the money is parked in suspense',
        );
        await parkInSuspense(manager, payment, at, {
          kind: 'tontine_suspense',
          key: contributionEntryKey(payment.reference),
        });
      },
    };
  }

  /** The approved withdrawal a payout settles (purposeRef: its id), or null, logged: nothing to change. */
  private async approvedFor(
    manager: EntityManager,
    payment: { reference: string; purposeRef: string | null },
    what: string,
  ) {
    const id = Number(payment.purposeRef);
    const retrait = Number.isSafeInteger(id) ? await manager.findOne(Retrait, { where: { id } }) : null;
    if (retrait?.status === 'approved') return retrait;
    this.deps.logger.error(
      { reference: payment.reference, purpose_ref: payment.purposeRef },
      `${what}: no approved withdrawal`,
    );
    return null;
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

function lockParticipant(manager: EntityManager, id: number): Promise<TontineParticipant | null> {
  const mysql = manager.connection.options.type === 'mysql';
  return manager.findOne(TontineParticipant, {
    where: { id },
    ...(mysql ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
}
