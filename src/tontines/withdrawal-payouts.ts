import { IsNull, LessThan, type EntityManager } from 'typeorm';
import type { Deps } from '../deps';
import { reverse } from '../ledger/service';
import { parkInSuspense, type PurposeHandler } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';
import { transition } from '../workflow/decide';
import { contributionEntryKey } from './contributions';
import { Retrait } from './entities';
import { lockParticipant } from './participant-lock';

/** The payment purpose of a withdrawal's payout; its `purposeRef` is the retrait's id. */
export const WITHDRAWAL_PURPOSE = 'retrait_tontine';
/** The ledger key of a withdrawal's entry, and of its reversal when the payout fails. */
export const withdrawalEntryKey = (retraitId: number) => `tontine:retrait:${retraitId}`;
export const withdrawalReversalKey = (retraitId: number) => `tontine:retrait:${retraitId}:reversal`;

/** How often the payout sweep runs, and how old an approval must be before it counts as lost. */
export const PAYOUT_SWEEP_EVERY_MS = 60_000;
export const PAYOUT_GRACE_MS = 2 * 60_000;

/**
 * A tontine withdrawal approved for mobile money, paid out: the payout sent after the approval's commit,
 * its outcome applied (confirmee, or the money given back), and the sweep that sends a payout a crash lost.
 */
export class WithdrawalPayouts {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock' | 'logger'>,
    private readonly payments: PaymentsService,
  ) {}

  /** Sends the payout of an approved withdrawal and keeps its reference. */
  async send(record: Retrait, phone: string, initiatedBy: number | null): Promise<void> {
    const payment = await this.payments.payout({ ...this.payoutOf(record, initiatedBy), phone });
    await this.storePaymentReference(record.id, payment.reference);
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
}
