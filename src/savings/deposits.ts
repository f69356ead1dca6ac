import type { EntityManager } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { conflict, forbidden, validationFailed } from '../http/errors';
import { hasRank } from '../http/roles';
import { withinScope } from '../http/scope';
import { uniqueViolationField } from '../infra/db-errors';
import { agentCashAccount, ensureAccount, post, sfdAccount } from '../ledger/service';
import { paymentEntryKey, parkInSuspense, type PurposeHandler } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';
import { lockSavingsAccount, savingsBalance, savingsLedgerAccount } from './balance';
import { SavingsAccount, SavingsTransaction } from './entities';
import { savingsSms } from './money-notices';

/** The payment purpose of a deposit pushed to the client's phone; its `purposeRef` is the account's id. */
export const DEPOSIT_PURPOSE = 'depot_epargne';
/** The ledger key of a cash deposit (a mobile-money one is keyed by its payment: `payment:<reference>`). */
export const cashDepositEntryKey = (transactionId: number) => `savings:depot:${transactionId}`;

/** An agent (or higher) of this SFD: the platform admin is not one. */
export function isAgentOf(actor: Pick<Principal, 'role' | 'sfdId'>, sfdId: number): boolean {
  return actor.role !== 'client' && hasRank(actor.role, 'agent_sfd') && actor.sfdId === sfdId;
}

/**
 * The account, if `actor` may move money on it: its client, or an agent (or higher) of its SFD. Out of
 * reach: 404; the platform admin (or staff below agent): 403.
 */
export function movableBy(actor: Principal, account: SavingsAccount | null): SavingsAccount {
  const found = withinScope(actor, account, (a) => a.clientId);
  if (actor.role !== 'client' && !isAgentOf(actor, found.sfdId)) throw forbidden();
  return found;
}

/** Money moves only on an active account. */
export function activeOrRefuse(account: SavingsAccount): void {
  if (account.status !== 'actif') throw conflict(`the savings account is ${account.status}, not actif`);
}

/** A row locked for update (MySQL): a plain read would see the transaction's snapshot. */
function lockedRow(manager: EntityManager, where: Partial<SavingsTransaction>) {
  const mysql = manager.connection.options.type === 'mysql';
  return manager.findOne(SavingsTransaction, {
    where: where as never,
    ...(mysql ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
}

/**
 * Deposits: mobile money pushed to the client's phone (the money moves when the payment succeeds, in
 * its transaction: `purposeHandler`), or cash taken by an agent (the agent's cash account → the
 * savings account at once, once per Idempotency-Key). Every write takes the account's lock first.
 */
export class DepositsService {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock' | 'outbox' | 'logger'>,
    private readonly accounts: AccountsDirectory,
    private readonly payments: PaymentsService,
  ) {}

  /**
   * Starts a deposit by mobile money: the payment (purpose `depot_epargne`) pushed to `phone` (the
   * client's own by default), and the deposit `en_cours` with its payment reference.
   */
  async startMobileMoney(
    actor: Principal,
    input: { accountId: number; amount: number; phone?: string },
  ): Promise<{ transaction: SavingsTransaction; payment: Awaited<ReturnType<PaymentsService['collect']>> }> {
    const account = await this.deps.db.transaction(async (manager) => {
      const found = movableBy(actor, await lockSavingsAccount(manager, input.accountId));
      activeOrRefuse(found);
      return found;
    });
    const phone = input.phone ?? (await this.accounts.contact(account.clientId))?.phone;
    if (!phone) throw validationFailed({ phone: ['required'] });
    const payment = await this.payments.collect({
      type: 'depot_epargne',
      amount: input.amount,
      phone,
      clientId: account.clientId,
      sfdId: account.sfdId,
      purpose: DEPOSIT_PURPOSE,
      purposeRef: String(account.id),
      initiatedBy: actor.userId,
    });
    const transaction = await this.deps.db.transaction(async (manager) => {
      const at = this.deps.clock.now();
      await lockSavingsAccount(manager, account.id);
      // The payment may have succeeded already (a fast provider): its handler then wrote the row.
      const existing = await lockedRow(manager, { paymentReference: payment.reference });
      if (existing) return existing;
      const row = await manager.save(
        manager.create(SavingsTransaction, {
          ...this.fresh(account, at),
          type: 'depot',
          status: 'en_cours',
          method: 'mobile_money',
          amount: input.amount,
          paymentReference: payment.reference,
          requestedBy: actor.userId,
        }),
      );
      await recordAudit(
        manager,
        {
          actor,
          sfdId: row.sfdId,
          action: 'savings.depot.start',
          targetType: 'savings_transaction',
          targetId: row.id,
          after: { status: row.status, amount: row.amount, payment_reference: payment.reference },
        },
        at,
      );
      return row;
    });
    return { transaction, payment };
  }

  /**
   * A cash deposit by an agent (or higher) of the account's SFD, once per (agent, Idempotency-Key): a
   * retry, even concurrent, answers the first one's result; the same key for another account or amount
   * is a 409. The agent's cash account −amount, the savings account +amount; the client's SMS receipt
   * names the agent.
   */
  async recordCash(input: {
    accountId: number;
    amount: number;
    agent: Principal;
    idempotencyKey: string;
  }): Promise<{ transaction: SavingsTransaction; replayed: boolean }> {
    const first = await this.byIdempotencyKey(input.agent.userId, input.idempotencyKey);
    if (first) return { transaction: this.sameOrRefuse(first, input), replayed: true };
    try {
      const transaction = await this.deps.db.transaction(async (manager) => {
        const at = this.deps.clock.now();
        const account = movableBy(input.agent, await lockSavingsAccount(manager, input.accountId));
        if (!isAgentOf(input.agent, account.sfdId)) throw forbidden();
        activeOrRefuse(account);
        // The row first: a concurrent duplicate (same agent, same key) fails here, on the unique index.
        const row = await manager.save(
          manager.create(SavingsTransaction, {
            ...this.fresh(account, at),
            type: 'depot',
            status: 'confirmee',
            method: 'cash',
            amount: input.amount,
            collectedBy: input.agent.userId,
            idempotencyKey: input.idempotencyKey,
            requestedBy: input.agent.userId,
            confirmedAt: at,
          }),
        );
        row.journalEntryKey = cashDepositEntryKey(row.id);
        await manager.update(SavingsTransaction, { id: row.id }, { journalEntryKey: row.journalEntryKey });
        const { balance } = await savingsBalance(manager, account);
        await ensureAccount(manager, {
          code: agentCashAccount(input.agent.userId),
          kind: 'agent-cash',
          sfdId: account.sfdId,
          ownerId: input.agent.userId,
          mayGoNegative: true,
          at,
        });
        await recordAudit(
          manager,
          {
            actor: input.agent,
            sfdId: row.sfdId,
            action: 'savings.depot.cash',
            targetType: 'savings_transaction',
            targetId: row.id,
            after: { status: row.status, amount: row.amount, account_id: account.id },
          },
          at,
        );
        const client = await this.accounts.contact(account.clientId, manager);
        const agent = await this.accounts.contact(input.agent.userId, manager);
        await savingsSms(this.deps.outbox, manager, client, 'deposit_cash_receipt', row, {
          balance: balance + row.amount,
          agent: agent ? `${agent.firstName} ${agent.lastName}` : '-',
        });
        await post(manager, {
          key: row.journalEntryKey,
          kind: 'savings_depot',
          lines: [
            { account: agentCashAccount(input.agent.userId), amount: -row.amount },
            { account: savingsLedgerAccount(account.id), amount: row.amount },
          ],
          ref: { type: 'savings_transaction', id: row.id },
          sfdId: account.sfdId,
          actorId: input.agent.userId,
          at,
        });
        return row;
      });
      return { transaction, replayed: false };
    } catch (err) {
      if (!uniqueViolationField(err)) throw err;
      // A concurrent request with the same key committed first: its result is the answer.
      const winner = await this.byIdempotencyKey(input.agent.userId, input.idempotencyKey);
      if (!winner) throw err;
      return { transaction: this.sameOrRefuse(winner, input), replayed: true };
    }
  }

  /**
   * The purpose `depot_epargne`: the deposit's money (the SFD's mobile-money clearing → the savings
   * account, key `payment:<reference>`), the deposit `confirmee` and the client's receipt with the new
   * balance, in the payment's transaction. A payment that cannot be applied (no such account, someone
   * else's, not active) is not lost: it is parked in the SFD's suspense account, the deposit `echouee`.
   */
  purposeHandler(): PurposeHandler {
    return {
      ownReceipt: true,
      applyCollection: async (manager, payment, at) => {
        const id = /^[1-9]\d{0,9}$/.test(payment.purposeRef ?? '') ? Number(payment.purposeRef) : 0;
        const account = id ? await lockSavingsAccount(manager, id) : null;
        const row = await lockedRow(manager, { paymentReference: payment.reference });
        const why = !account
          ? 'no such savings account'
          : account.clientId !== payment.clientId
            ? 'the savings account is not the payer'
            : account.status !== 'actif'
              ? `the savings account is ${account.status}`
              : null;
        if (why || !account) {
          this.deps.logger.error(
            { reference: payment.reference, purpose_ref: payment.purposeRef, reason: why },
            'savings deposit not applicable: the money is parked in suspense',
          );
          if (row?.status === 'en_cours') {
            await manager.update(
              SavingsTransaction,
              { id: row.id },
              { status: 'echouee', reason: 'not_applicable', updatedAt: at },
            );
          }
          await this.payments.queueReceipt(manager, payment);
          await parkInSuspense(manager, payment, at, { kind: 'savings_suspense' });
          return;
        }
        const confirmed = {
          status: 'confirmee' as const,
          journalEntryKey: paymentEntryKey(payment.reference),
          confirmedAt: at,
          updatedAt: at,
        };
        let deposit: SavingsTransaction;
        if (row) {
          await manager.update(SavingsTransaction, { id: row.id }, confirmed);
          deposit = Object.assign(row, confirmed);
        } else {
          // The payment succeeded before its starter wrote the row (or it was started elsewhere).
          deposit = await manager.save(
            manager.create(SavingsTransaction, {
              ...this.fresh(account, at),
              ...confirmed,
              type: 'depot',
              method: 'mobile_money',
              amount: payment.amount,
              paymentReference: payment.reference,
              requestedBy: payment.initiatedBy ?? null,
            }),
          );
        }
        const { balance } = await savingsBalance(manager, account);
        await recordAudit(
          manager,
          {
            actor: null,
            sfdId: deposit.sfdId,
            action: 'savings.depot.paid',
            targetType: 'savings_transaction',
            targetId: deposit.id,
            after: { status: deposit.status, amount: deposit.amount, payment_reference: payment.reference },
          },
          at,
        );
        const client = await this.accounts.contact(account.clientId, manager);
        await savingsSms(this.deps.outbox, manager, client, 'deposit_receipt', deposit, {
          balance: balance + deposit.amount,
        });
        // Last: the entry locks the SFD's clearing account to the commit.
        await post(manager, {
          key: paymentEntryKey(payment.reference),
          kind: 'savings_depot',
          lines: [
            { account: sfdAccount(account.sfdId, 'mobile-money'), amount: -deposit.amount },
            { account: savingsLedgerAccount(account.id), amount: deposit.amount },
          ],
          ref: { type: 'payment', id: payment.reference },
          sfdId: account.sfdId,
          at,
        });
      },
    };
  }

  /** The columns every new deposit or withdrawal row starts with. */
  fresh(account: SavingsAccount, at: Date) {
    return {
      sfdId: account.sfdId,
      accountId: account.id,
      clientId: account.clientId,
      collectedBy: null,
      idempotencyKey: null,
      paymentReference: null,
      journalEntryKey: null,
      requestedBy: null,
      decidedBy: null,
      decidedAt: null,
      reason: null,
      createdAt: at,
      updatedAt: at,
      confirmedAt: null,
    };
  }

  private byIdempotencyKey(agentId: number, key: string): Promise<SavingsTransaction | null> {
    return this.deps.db.manager.findOne(SavingsTransaction, {
      where: { collectedBy: agentId, idempotencyKey: key },
    });
  }

  private sameOrRefuse(
    first: SavingsTransaction,
    input: { accountId: number; amount: number },
  ): SavingsTransaction {
    if (first.type !== 'depot' || first.accountId !== input.accountId || first.amount !== input.amount) {
      throw conflict('this Idempotency-Key was already used for another deposit');
    }
    return first;
  }
}
