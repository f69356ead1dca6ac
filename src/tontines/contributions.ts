import { parkInSuspense } from '../payments/purposes';
import type { EntityManager } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { conflict, validationFailed } from '../http/errors';
import type { PurposeHandler } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';
import { DEFAULT_TIME_ZONE, localDateOf } from '../shared/sfd-calendar';
import { uniqueViolationField } from '../infra/db-errors';
import {
  BOXES_PER_CARNET,
  MAX_DAYS,
  allocate,
  freshState,
  type Allocation,
  type CarnetState,
} from './carnet';
import { newReceiptCode, queueReceipt } from './contribution-receipts';
import {
  contributionAccounts,
  contributionEntryKey,
  postContribution,
  writeCarnets,
} from './contribution-writes';
import { Carnet, Cotisation, Tontine, TontineParticipant, type CotisationMethod } from './entities';

/** The payment purpose of a contribution pushed to the client's phone; its `purposeRef` is `<participantId>:<days>`. */
export const CONTRIBUTION_PURPOSE = 'cotisation_tontine';

export { agentCashAccount, contributionEntryKey, tontineAccount } from './contribution-writes';

export const purposeRef = (participantId: number, days: number) => `${participantId}:${days}`;

/** `<participantId>:<days>`, or null when it is not one (days 1 to MAX_DAYS). */
export function parsePurposeRef(ref: string | null): { participantId: number; days: number } | null {
  const m = /^([1-9]\d{0,9}):([1-9]\d?)$/.exec(ref ?? '');
  if (!m || Number(m[2]) > MAX_DAYS) return null;
  return { participantId: Number(m[1]), days: Number(m[2]) };
}

export interface ContributionInput {
  participantId: number;
  days: number;
  method: CotisationMethod;
  at: Date;
  /** The agent who took the cash (cash only). */
  collectedBy?: number | null;
  /** The collector app's Idempotency-Key (cash only; unique per agent). */
  idempotencyKey?: string | null;
  /** Our reference of the mobile-money payment (mobile money only). */
  paymentReference?: string | null;
  /** When given (mobile money), the allocation must cost exactly this. */
  expectedAmount?: number;
  /** When given (mobile money), the participant must be this client's. */
  clientId?: number;
}

interface Prepared {
  participant: TontineParticipant;
  current: Carnet | null;
  allocation: Allocation;
}

export interface ContributionResult {
  cotisation: Cotisation;
  allocation: Allocation;
  /** The participant's tontine balance after this contribution (ledger). */
  balance: number;
}

/**
 * Contributions: the carnet's boxes paid, the cotisation row, one balanced ledger entry and the client's
 * SMS receipt, all in one transaction.
 */
export class ContributionsService {
  private readonly zones = new Map<number, string>();

  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock' | 'outbox' | 'logger'>,
    private readonly accounts: AccountsDirectory,
    private readonly payments: PaymentsService,
  ) {}

  /**
   * What `days` more days cost the participant now (a mobile-money payment is started for this amount),
   * or a 409 when they cannot contribute (participant or tontine not active).
   */
  async quote(participantId: number, days: number): Promise<Allocation> {
    const prepared = await this.deps.db.transaction((m) =>
      this.prepare(m, { participantId, days, method: 'mobile_money', at: this.deps.clock.now() }),
    );
    if (typeof prepared === 'string') throw conflict(prepared);
    return prepared.allocation;
  }

  /**
   * Starts a contribution by mobile money: a payment of what the days cost now, pushed to `phone` (the
   * client's own by default). The contribution is recorded when the payment succeeds (`purposeHandler`).
   */
  async startMobileMoney(req: {
    participantId: number;
    days: number;
    phone?: string;
    initiatedBy: number | null;
  }): Promise<{ allocation: Allocation; payment: Awaited<ReturnType<PaymentsService['collect']>> }> {
    const allocation = await this.quote(req.participantId, req.days);
    const participant = await this.deps.db.manager.findOneOrFail(TontineParticipant, {
      where: { id: req.participantId },
    });
    const phone = req.phone ?? (await this.accounts.contact(participant.clientId))?.phone;
    if (!phone) throw validationFailed({ phone: ['required'] });
    const payment = await this.payments.collect({
      type: 'cotisation_tontine',
      amount: allocation.amount,
      phone,
      clientId: participant.clientId,
      sfdId: participant.sfdId,
      purpose: CONTRIBUTION_PURPOSE,
      purposeRef: purposeRef(participant.id, req.days),
      initiatedBy: req.initiatedBy,
    });
    return { allocation, payment };
  }

  /**
   * Records a confirmed contribution in the caller's transaction. The participant's row is locked first
   * (MySQL; SQLite runs one transaction at a time), so contributions of one participant take turns and
   * each allocates from the carnet the previous one left; every read after the lock is a locking read
   * (a plain read would see the transaction's snapshot).
   */
  async record(manager: EntityManager, input: ContributionInput): Promise<ContributionResult> {
    const prepared = await this.prepare(manager, input);
    if (typeof prepared === 'string') throw conflict(prepared);
    return this.apply(manager, prepared, input);
  }

  /**
   * Locks the participant and works out the boxes, before anything is written: a string says why the
   * contribution cannot be recorded (the participant or the tontine is not active, the price changed).
   */
  private async prepare(manager: EntityManager, input: ContributionInput): Promise<Prepared | string> {
    const participant = await this.locked(manager, TontineParticipant, { id: input.participantId });
    if (!participant) return 'no such participant';
    if (input.clientId !== undefined && participant.clientId !== input.clientId) {
      return 'the participant is not the payer';
    }
    if (participant.status !== 'actif') return 'participant is not active';
    const tontine = await manager.findOne(Tontine, { where: { id: participant.tontineId } });
    if (!tontine || tontine.status !== 'active') return 'tontine is not active';
    const current = await this.locked(manager, Carnet, { participantId: participant.id }, { cycle: 'DESC' });
    const allocation = allocate(stateOf(participant, current), input.days);
    if (input.expectedAmount !== undefined && allocation.amount !== input.expectedAmount) {
      // The stake changed between the quote and the payment: the amount paid buys no whole boxes.
      return `${input.days} days now cost ${allocation.amount}, not ${input.expectedAmount}`;
    }
    return { participant, current, allocation };
  }

  private async apply(
    manager: EntityManager,
    { participant, current, allocation }: Prepared,
    input: ContributionInput,
  ): Promise<ContributionResult> {
    const { at } = input;

    // The row first: a concurrent duplicate (same agent, same Idempotency-Key) fails here, on the index.
    const cotisation = await manager.save(
      manager.create(Cotisation, {
        sfdId: participant.sfdId,
        participantId: participant.id,
        tontineId: participant.tontineId,
        clientId: participant.clientId,
        amount: allocation.amount,
        days: input.days,
        commission: allocation.commission,
        status: 'confirmee',
        method: input.method,
        collectedBy: input.collectedBy ?? null,
        paymentReference: input.paymentReference ?? null,
        // Mobile money: keyed by the payment; cash: by the row's id, known once inserted.
        journalEntryKey: input.paymentReference ? contributionEntryKey(input.paymentReference) : null,
        idempotencyKey: input.idempotencyKey ?? null,
        receiptCode: input.method === 'cash' ? newReceiptCode() : null,
        createdAt: at,
        updatedAt: at,
        confirmedAt: at,
      }),
    );

    const startedOn = localDateOf(at, await this.zoneOf(manager, participant.sfdId));
    await writeCarnets(manager, { participant, current, allocation, at, startedOn });
    await manager.update(
      TontineParticipant,
      { id: participant.id },
      {
        lastContributionAt: at,
        ...(allocation.nextStakeApplied ? { stake: allocation.after.stake, nextStake: null } : {}),
        updatedAt: at,
      },
    );

    if (!cotisation.journalEntryKey) {
      cotisation.journalEntryKey = contributionEntryKey(cotisation.id);
      await manager.update(
        Cotisation,
        { id: cotisation.id },
        { journalEntryKey: cotisation.journalEntryKey },
      );
    }

    const balance = (await contributionAccounts(manager, participant, input)) + allocation.credit;
    await queueReceipt(this.deps.outbox, this.accounts, manager, {
      participant,
      cotisation,
      allocation,
      balance,
    });
    await postContribution(manager, { participant, cotisation, allocation, input });
    return { cotisation, allocation, balance };
  }

  /**
   * A cash contribution by a field agent, once per (agent, Idempotency-Key): a retry, even concurrent,
   * answers the first one's result. The same key for another participant or number of days is a 409.
   */
  async recordCash(input: {
    participantId: number;
    days: number;
    agent: Pick<Principal, 'userId' | 'role'>;
    idempotencyKey: string;
  }): Promise<{ cotisation: Cotisation; replayed: boolean }> {
    const first = await this.byIdempotencyKey(input.agent.userId, input.idempotencyKey);
    if (first) return { cotisation: this.sameOrRefuse(first, input), replayed: true };
    try {
      const result = await this.deps.db.transaction(async (manager) => {
        const at = this.deps.clock.now();
        const r = await this.record(manager, {
          participantId: input.participantId,
          days: input.days,
          method: 'cash',
          at,
          collectedBy: input.agent.userId,
          idempotencyKey: input.idempotencyKey,
        });
        await recordAudit(
          manager,
          {
            actor: input.agent,
            sfdId: r.cotisation.sfdId,
            action: 'tontine.cotisation.cash',
            targetType: 'cotisation',
            targetId: r.cotisation.id,
            after: {
              amount: r.cotisation.amount,
              days: r.cotisation.days,
              commission: r.cotisation.commission,
            },
          },
          at,
        );
        return r;
      });
      return { cotisation: result.cotisation, replayed: false };
    } catch (err) {
      if (!uniqueViolationField(err)) throw err;
      // A concurrent request with the same key committed first: its result is the answer.
      const winner = await this.byIdempotencyKey(input.agent.userId, input.idempotencyKey);
      if (!winner) throw err;
      return { cotisation: this.sameOrRefuse(winner, input), replayed: true };
    }
  }

  /**
   * The payment purpose `cotisation_tontine`: a contribution pushed to the client's phone, once paid.
   * Money that cannot buy the boxes it was meant for (the participant left, the stake changed, a payment
   * started for someone else's participation through POST /api/payments/initiate) is not lost and does
   * not block the payment: it goes to the SFD's suspense account, for staff to refund or apply.
   */
  purposeHandler(): PurposeHandler {
    return {
      // The detailed receipt (boxes, carnet, balance) under the payment's receipt key; a payment parked
      // in suspense gets the generic one (below).
      ownReceipt: true,
      applyCollection: async (manager, payment, at) => {
        const ref = parsePurposeRef(payment.purposeRef);
        const input: ContributionInput = {
          participantId: ref?.participantId ?? 0,
          days: ref?.days ?? 0,
          method: 'mobile_money',
          at,
          paymentReference: payment.reference,
          expectedAmount: payment.amount,
          clientId: payment.clientId,
        };
        const prepared = ref ? await this.prepare(manager, input) : 'bad purpose reference';
        if (typeof prepared !== 'string') {
          await this.apply(manager, prepared, input);
          return;
        }
        this.deps.logger.error(
          { reference: payment.reference, purpose_ref: payment.purposeRef, reason: prepared },
          'tontine contribution not applicable: the money is parked in suspense',
        );
        await this.payments.queueReceipt(manager, payment);
        await parkInSuspense(manager, payment, at, {
          kind: 'tontine_suspense',
          key: contributionEntryKey(payment.reference),
        });
      },
    };
  }

  private byIdempotencyKey(agentId: number, key: string): Promise<Cotisation | null> {
    return this.deps.db.manager.findOne(Cotisation, { where: { collectedBy: agentId, idempotencyKey: key } });
  }

  private sameOrRefuse(first: Cotisation, input: { participantId: number; days: number }): Cotisation {
    if (first.participantId !== input.participantId || first.days !== input.days) {
      throw conflict('this Idempotency-Key was already used for another contribution');
    }
    return first;
  }

  private locked<T extends object>(
    manager: EntityManager,
    entity: new () => T,
    where: Partial<Record<keyof T, unknown>>,
    order?: Partial<Record<keyof T, 'ASC' | 'DESC'>>,
  ): Promise<T | null> {
    const mysql = manager.connection.options.type === 'mysql';
    return manager.findOne(entity, {
      where: where as never,
      order: order as never,
      ...(mysql ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  /** The SFD's time zone; cached: a zone is set when the SFD is created and hardly ever changes. */
  private async zoneOf(manager: EntityManager, sfdId: number): Promise<string> {
    let zone = this.zones.get(sfdId);
    if (!zone) {
      zone = (await this.accounts.sfd(sfdId, manager))?.timeZone ?? DEFAULT_TIME_ZONE;
      this.zones.set(sfdId, zone);
    }
    return zone;
  }
}

/** The carnet state of a participant whose latest carnet is `carnet` (none: they never paid). */
export function stateOf(
  participant: Pick<TontineParticipant, 'stake' | 'nextStake'>,
  carnet: Pick<Carnet, 'cycle' | 'boxesPaid' | 'stake'> | null,
): CarnetState {
  if (!carnet) return freshState(participant.stake, participant.nextStake);
  return {
    cycle: carnet.cycle,
    boxesPaid: carnet.boxesPaid,
    // A carnet under way keeps its stake; one not started yet (opened empty when the client joined)
    // or complete leaves the next box to a new cycle, at the participant's stake.
    stake: carnet.boxesPaid > 0 && carnet.boxesPaid < BOXES_PER_CARNET ? carnet.stake : participant.stake,
    nextStake: participant.nextStake,
  };
}
