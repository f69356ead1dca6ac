import { IsNull, LessThan, Not, type EntityManager } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { Problem, conflict, forbidden, validationFailed } from '../http/errors';
import { withinScope } from '../http/scope';
import { post, reverse, sfdAccount } from '../ledger/service';
import { closeNotifications, notifyStaffAt } from '../notifications/inapp';
import { parkInSuspense, type PurposeHandler } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';
import { formatXof } from '../shared/money';
import { decide, transition, type Decision } from '../workflow/decide';
import { formatAccountNumber } from './account-number';
import { lockSavingsAccount, savingsBalance, savingsLedgerAccount } from './balance';
import { activeOrRefuse, isAgentOf, movableBy, type DepositsService } from './deposits';
import { SavingsTransaction, type SavingsMethod } from './entities';
import { SAVINGS_WITHDRAWAL_PENDING, savingsPendingData, savingsSms } from './money-notices';

/**
 * Savings withdrawals: the client (or an agent for them) asks; an agent of the SFD decides; an approval
 * posts the withdrawal to the ledger in the transaction of the decision, then pays it out, in cash at
 * the branch (→ confirmee at once) or by mobile money after the commit (→ confirmee when the payout
 * succeeds; a failed payout puts the money back and ends `echouee`, `payout_failed`).
 *
 * A request waits `en_cours` with no decision (`decidedAt` null): savingsBalance counts it as pending,
 * so the available balance (balance − holds − pending requests) a request is checked against, under the
 * account's lock, never promises the same money twice. An approved mobile-money withdrawal stays
 * `en_cours` with `decidedAt` set until its payout settles: the ledger already holds it.
 */

/** The payment purpose of a withdrawal's payout; its `purposeRef` is the transaction's id. */
export const SAVINGS_WITHDRAWAL_PURPOSE = 'retrait_epargne';
export const savingsWithdrawalEntryKey = (id: number) => `savings:retrait:${id}`;
export const savingsWithdrawalReversalKey = (id: number) => `savings:retrait:${id}:reversal`;

export const SAVINGS_WITHDRAWAL_DECIDERS = ['agent_sfd', 'superviseur_sfd'] as const;

/** How often the payout sweep runs, and how old an approval must be before its payout counts as lost. */
export const SAVINGS_PAYOUT_SWEEP_EVERY_MS = 60_000;
export const SAVINGS_PAYOUT_GRACE_MS = 2 * 60_000;

export interface SavingsWithdrawalDecision extends Decision {
  /** How an approved withdrawal is paid (default: mobile money when the provider pays out). */
  method?: SavingsMethod;
}

const insufficient = (available: number) =>
  new Problem(409, 'insufficient_funds', `at most ${Math.max(0, available)} XOF may be withdrawn`);

export class SavingsWithdrawalsService {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock' | 'outbox' | 'logger'>,
    private readonly accounts: AccountsDirectory,
    private readonly payments: PaymentsService,
    private readonly deposits: DepositsService,
  ) {}

  /**
   * A withdrawal request → `en_cours`, awaiting an agent. The caller is the account's client, or an
   * agent (or higher) of its SFD (out of reach: 404; the platform admin: 403); the account is `actif`
   * (409); the amount at most the available balance (409 `insufficient_funds`, naming it).
   */
  async request(actor: Principal, input: { accountId: number; amount: number }): Promise<SavingsTransaction> {
    return this.deps.db.transaction(async (manager) => {
      const at = this.deps.clock.now();
      const account = movableBy(actor, await lockSavingsAccount(manager, input.accountId));
      activeOrRefuse(account);
      const { available } = await savingsBalance(manager, account);
      if (input.amount > available) throw insufficient(available);
      const row = await manager.save(
        manager.create(SavingsTransaction, {
          ...this.deposits.fresh(account, at),
          type: 'retrait',
          status: 'en_cours',
          // Provisional: the deciding agent chooses how it is paid.
          method: 'mobile_money',
          amount: input.amount,
          requestedBy: actor.userId,
        }),
      );
      await recordAudit(
        manager,
        {
          actor,
          sfdId: row.sfdId,
          action: 'savings.retrait.request',
          targetType: 'savings_transaction',
          targetId: row.id,
          after: { status: 'en_cours', amount: row.amount, account_id: account.id },
        },
        at,
      );
      const client = await this.accounts.contact(account.clientId, manager);
      await notifyStaffAt(
        manager,
        {
          sfdId: row.sfdId,
          roles: SAVINGS_WITHDRAWAL_DECIDERS,
          type: SAVINGS_WITHDRAWAL_PENDING,
          text: {
            key: SAVINGS_WITHDRAWAL_PENDING,
            params: {
              firstName: client?.firstName ?? '',
              lastName: client?.lastName ?? '',
              amount: formatXof(row.amount),
              account: formatAccountNumber(account.id),
            },
          },
          data: savingsPendingData(row.id),
        },
        at,
        this.accounts,
      );
      await savingsSms(this.deps.outbox, manager, client, 'withdrawal_requested', row);
      return row;
    });
  }

  /**
   * An agent's (or higher) decision on a withdrawal request of their own SFD (another SFD's: 404; the
   * platform admin: 403; already decided: 409). Approve: under the account's lock the available
   * balance is checked again (this request aside), the entry posted (savings −amount, the SFD's
   * mobile-money clearing or branch cash +amount); cash → confirmee; mobile money → the payout after
   * the commit. Reject → annulee with the reason. The client gets an SMS; the agents' notice closes.
   */
  async decide(
    actor: Principal,
    transactionId: number,
    decision: SavingsWithdrawalDecision,
  ): Promise<SavingsTransaction> {
    const method: SavingsMethod =
      decision.method ?? (this.payments.provider.capabilities.payout ? 'mobile_money' : 'cash');
    const decided = await this.deps.db.transaction(async (manager) => {
      const at = this.deps.clock.now();
      const found = withinScope(
        actor,
        await manager.findOne(SavingsTransaction, { where: { id: transactionId, type: 'retrait' } }),
      );
      if (!isAgentOf(actor, found.sfdId)) throw forbidden();
      // The account first, like every write about it; then the request as it is now.
      const account = await lockSavingsAccount(manager, found.accountId);
      const current = await manager.findOne(SavingsTransaction, {
        where: { id: found.id },
        ...(manager.connection.options.type === 'mysql'
          ? { lock: { mode: 'pessimistic_write' as const } }
          : {}),
      });
      if (!account || !current || current.status !== 'en_cours' || current.decidedAt !== null) {
        throw conflict('no longer awaiting a decision');
      }
      const client = await this.accounts.contact(current.clientId, manager);
      if (decision.decision === 'approve') {
        if (method === 'mobile_money' && !client?.phone) throw validationFailed({ method: ['no_phone'] });
        // What the others (holds, other requests) leave: this request is still counted as pending.
        const { available } = await savingsBalance(manager, account);
        if (available < 0) throw insufficient(available + current.amount);
      }
      let record = await decide(manager, {
        entity: SavingsTransaction,
        id: current.id,
        from: ['en_cours'],
        to: { approve: 'en_cours', reject: 'annulee' },
        set: {
          decidedBy: actor.userId,
          decidedAt: at,
          reason: decision.decision === 'reject' ? (decision.reason ?? null) : null,
          ...(decision.decision === 'approve'
            ? {
                method,
                journalEntryKey: savingsWithdrawalEntryKey(current.id),
                collectedBy: method === 'cash' ? actor.userId : null,
              }
            : {}),
          updatedAt: at,
        },
        actor,
        action: 'savings.retrait',
        targetType: 'savings_transaction',
        at,
        decision,
        view: (r) => ({
          status: r.status,
          amount: r.amount,
          decided: r.decidedAt !== null,
          ...(r.decidedAt && r.status !== 'annulee' ? { method: r.method } : {}),
          ...(r.reason ? { reason: r.reason } : {}),
        }),
        notify: async (m, r, d) => {
          await closeNotifications(
            m,
            { type: SAVINGS_WITHDRAWAL_PENDING, data: savingsPendingData(r.id) },
            at,
          );
          if (d.decision === 'reject')
            await savingsSms(this.deps.outbox, m, client, 'withdrawal_rejected', r);
          else if (method === 'mobile_money')
            await savingsSms(this.deps.outbox, m, client, 'withdrawal_approved', r);
        },
      });
      if (decision.decision === 'approve') {
        const { balance } = await savingsBalance(manager, account);
        if (method === 'cash') {
          // The agent hands the cash over at the branch: the withdrawal is paid.
          record = await transition(manager, {
            entity: SavingsTransaction,
            id: record.id,
            from: ['en_cours'],
            to: 'confirmee',
            set: { confirmedAt: at, updatedAt: at },
            actor,
            action: 'savings.retrait.paid_cash',
            targetType: 'savings_transaction',
            at,
          });
          await savingsSms(this.deps.outbox, manager, client, 'withdrawal_paid_cash', record, {
            balance: balance - record.amount,
          });
        }
        // An overdraft is refused by the ledger too (409 insufficient_funds).
        await post(manager, {
          key: savingsWithdrawalEntryKey(record.id),
          kind: 'savings_retrait',
          lines: [
            { account: savingsLedgerAccount(record.accountId), amount: -record.amount },
            {
              account: sfdAccount(record.sfdId, method === 'cash' ? 'cash' : 'mobile-money'),
              amount: record.amount,
            },
          ],
          ref: { type: 'savings_transaction', id: record.id },
          sfdId: record.sfdId,
          actorId: actor.userId,
          at,
        });
      }
      return { record, client };
    });

    const { record, client } = decided;
    if (!this.awaitsPayout(record) || !client?.phone) return record;
    // After the commit: the entry is posted, so the money cannot be promised twice.
    const payment = await this.payments.payout({
      ...this.payoutOf(record, actor.userId),
      phone: client.phone,
    });
    await this.storePaymentReference(record.id, payment.reference);
    return (await this.deps.db.manager.findOneOrFail(SavingsTransaction, {
      where: { id: record.id },
    })) as SavingsTransaction;
  }

  private awaitsPayout(r: SavingsTransaction): boolean {
    return (
      r.type === 'retrait' && r.status === 'en_cours' && r.decidedAt !== null && r.method === 'mobile_money'
    );
  }

  /** What the payout of an approved withdrawal is: its amount to its client, under its purpose. */
  private payoutOf(record: SavingsTransaction, initiatedBy: number | null) {
    return {
      type: 'retrait_epargne' as const,
      amount: record.amount,
      clientId: record.clientId,
      sfdId: record.sfdId,
      purpose: SAVINGS_WITHDRAWAL_PURPOSE,
      purposeRef: String(record.id),
      initiatedBy,
    };
  }

  private storePaymentReference(id: number, reference: string) {
    return this.deps.db.manager.update(
      SavingsTransaction,
      { id, paymentReference: IsNull() },
      { paymentReference: reference, updatedAt: this.deps.clock.now() },
    );
  }

  /**
   * The sweep (every SAVINGS_PAYOUT_SWEEP_EVERY_MS): a withdrawal approved for mobile money more than
   * SAVINGS_PAYOUT_GRACE_MS ago with no payment reference lost its payout to a crash between the
   * approval's commit and the payout's start (payments.resumePayout adopts or sends it). Returns how many
   * payouts it sent.
   */
  async resumePayouts(): Promise<number> {
    const stuck = await this.deps.db.manager.find(SavingsTransaction, {
      where: {
        type: 'retrait',
        status: 'en_cours',
        method: 'mobile_money',
        paymentReference: IsNull(),
        decidedAt: LessThan(new Date(this.deps.clock.now().getTime() - SAVINGS_PAYOUT_GRACE_MS)),
        decidedBy: Not(IsNull()),
      },
      order: { id: 'ASC' },
      take: 100,
    });
    let sent = 0;
    for (const row of stuck) {
      const payout = this.payoutOf(row, row.decidedBy);
      if (await this.payments.resumePayout(payout, (ref) => this.storePaymentReference(row.id, ref)))
        sent += 1;
    }
    return sent;
  }

  /**
   * The purpose `retrait_epargne`. A paid payout confirms the withdrawal (the payments module's payout
   * receipt tells the client); a failed one gives the money back (a reversing entry under its own key)
   * and the withdrawal ends `echouee` (`payout_failed`). A collection under this purpose buys nothing:
   * its money is parked in suspense.
   */
  purposeHandler(): PurposeHandler {
    return {
      applyPayout: async (manager, payment, at) => {
        const row = await this.approvedFor(manager, payment, 'paid savings withdrawal payout');
        if (!row) return;
        await transition(manager, {
          entity: SavingsTransaction,
          id: row.id,
          from: ['en_cours'],
          to: 'confirmee',
          set: { paymentReference: payment.reference, confirmedAt: at, updatedAt: at },
          actor: null,
          action: 'savings.retrait.paid',
          targetType: 'savings_transaction',
          at,
          view: (r) => ({ status: r.status, payment_reference: r.paymentReference }),
        });
      },
      revertPayout: async (manager, payment, at) => {
        const row = await this.approvedFor(manager, payment, 'failed savings withdrawal payout');
        if (!row) return;
        await lockSavingsAccount(manager, row.accountId);
        await reverse(manager, savingsWithdrawalEntryKey(row.id), {
          key: savingsWithdrawalReversalKey(row.id),
          kind: 'savings_retrait_reversal',
          ref: { type: 'savings_transaction', id: row.id },
          sfdId: row.sfdId,
          at,
        });
        await transition(manager, {
          entity: SavingsTransaction,
          id: row.id,
          from: ['en_cours'],
          to: 'echouee',
          set: { reason: 'payout_failed', paymentReference: payment.reference, updatedAt: at },
          actor: null,
          action: 'savings.retrait.payout_failed',
          targetType: 'savings_transaction',
          at,
          view: (r) => ({ status: r.status, reason: r.reason }),
        });
      },
      applyCollection: async (manager, payment, at) => {
        this.deps.logger.error(
          { reference: payment.reference },
          'a collection for a savings withdrawal purpose: the money is parked in suspense',
        );
        await parkInSuspense(manager, payment, at, { kind: 'savings_suspense' });
      },
    };
  }

  /** The approved withdrawal a payout settles (purposeRef: its id), or null, logged. */
  private async approvedFor(
    manager: EntityManager,
    payment: { reference: string; purposeRef: string | null },
    what: string,
  ): Promise<SavingsTransaction | null> {
    const id = Number(payment.purposeRef);
    const row = Number.isSafeInteger(id)
      ? await manager.findOne(SavingsTransaction, { where: { id, type: 'retrait' } })
      : null;
    if (row && this.awaitsPayout(row)) return row;
    this.deps.logger.error(
      { reference: payment.reference, purpose_ref: payment.purposeRef },
      `${what}: no approved savings withdrawal`,
    );
    return null;
  }
}
