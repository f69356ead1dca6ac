import { IsNull, LessThan, type EntityManager } from 'typeorm';
import type { Deps } from '../deps';
import { latestMovements } from '../ledger/reads';
import { reverse } from '../ledger/service';
import { parkInSuspense, type PurposeHandler } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';
import { transition } from '../workflow/decide';
import { Loan } from './entities';
import { lockLoan } from './instalments';
import { loanPrincipalAccount } from './ledger-accounts';

/** The payment purpose of a disbursement payout; its `purposeRef` is the loan's id. */
export const DISBURSEMENT_PURPOSE = 'decaissement_pret';

/**
 * The disbursement's ledger entry. A failed payout is reversed and staff may try again: each attempt
 * has its own key (the first `loan:<id>:disbursement`, then `…:2`, `…:3`), since the ledger answers
 * a key it already has with the first entry and would silently post nothing the second time.
 */
export const disbursementEntryKey = (loanId: number, attempt = 1) =>
  attempt === 1 ? `loan:${loanId}:disbursement` : `loan:${loanId}:disbursement:${attempt}`;
export const disbursementReversalKey = (loanId: number, attempt = 1) =>
  `${disbursementEntryKey(loanId, attempt)}:reversal`;

/** How often the payout sweep runs, and how old a started payout must be before it counts as lost. */
export const DISBURSEMENT_SWEEP_EVERY_MS = 60_000;
export const DISBURSEMENT_PAYOUT_GRACE_MS = 2 * 60_000;

/** A granted loan whose mobile-money payout is under way (posted, not yet paid). */
export const awaitsPayout = (loan: Loan) =>
  loan.status === 'accorde' && loan.disbursementMethod === 'mobile_money';

/**
 * A disbursement by mobile money after its entry is posted (disbursements.ts): the payout to the client,
 * its outcome (paid: the loan decaisse through `disbursed`; failed: the entry reversed, the loan waiting
 * for another try) and the sweep of payouts lost between the commit and the send.
 */
export class DisbursementPayouts {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock' | 'logger'>,
    private readonly payments: PaymentsService,
    /** What follows a paid payout, in its transaction: the schedule, the SMS, the notices. */
    private readonly disbursed: (manager: EntityManager, loan: Loan, at: Date) => Promise<unknown>,
  ) {}

  /**
   * The attempt a new disbursement entry is: one more than the attempts reversed so far, read on the
   * loan's principal account (before the loan is decaisse only disbursements and their reversals move it).
   */
  async attemptOf(manager: EntityManager, loanId: number): Promise<number> {
    const { movements } = await latestMovements(manager, loanPrincipalAccount(loanId), 0, 100);
    return movements.filter((m) => m.entryKind === 'loan_disbursement_reversal').length + 1;
  }

  /** What the payout of a loan is: the principal less the fees kept, to its client, under its purpose. */
  payoutOf(loan: Loan, initiatedBy: number | null) {
    return {
      type: 'decaissement_pret' as const,
      amount: loan.principal - loan.fees,
      clientId: loan.clientId,
      sfdId: loan.sfdId,
      purpose: DISBURSEMENT_PURPOSE,
      purposeRef: String(loan.id),
      initiatedBy,
    };
  }

  /** Keeps the payout's reference on a loan still waiting for it (not on one already reverted or paid). */
  storeReference(loanId: number, reference: string) {
    return this.deps.db.manager.update(
      Loan,
      { id: loanId, status: 'accorde', disbursementMethod: 'mobile_money', disbursementReference: IsNull() },
      { disbursementReference: reference },
    );
  }

  /**
   * The sweep (every DISBURSEMENT_SWEEP_EVERY_MS): a loan whose mobile-money disbursement was started
   * more than DISBURSEMENT_PAYOUT_GRACE_MS ago with no payment reference lost its payout to a crash
   * between the commit and the payout (payments.resumePayout adopts the payout found, or sends it).
   * Returns how many payouts it sent.
   */
  async resumePayouts(): Promise<number> {
    const stuck = await this.deps.db.manager.find(Loan, {
      where: {
        status: 'accorde',
        disbursementMethod: 'mobile_money',
        disbursementReference: IsNull(),
        updatedAt: LessThan(new Date(this.deps.clock.now().getTime() - DISBURSEMENT_PAYOUT_GRACE_MS)),
      },
      order: { id: 'ASC' },
      take: 100,
    });
    let sent = 0;
    for (const loan of stuck) {
      const payout = this.payoutOf(loan, loan.disbursedBy);
      if (await this.payments.resumePayout(payout, (ref) => this.storeReference(loan.id, ref))) sent += 1;
    }
    return sent;
  }

  /**
   * The purpose `decaissement_pret`. A paid payout disburses the loan (decaisse, its schedule from the
   * payout's local day, the client's SMS); a failed one reverses the entry (its own key) and clears
   * the payout so staff may try again. A collection under this purpose buys nothing: parked in suspense.
   */
  purposeHandler(): PurposeHandler {
    return {
      // The disbursement SMS (amount, schedule, first due date) is the client's receipt of the payout.
      ownReceipt: true,
      applyPayout: async (manager, payment, at) => {
        const loan = await this.loanAwaiting(manager, payment, 'paid loan disbursement payout');
        if (!loan) return;
        const disbursed = await transition(manager, {
          entity: Loan,
          id: loan.id,
          from: ['accorde'],
          to: 'decaisse',
          set: { disbursementReference: payment.reference, disbursedAt: at, updatedAt: at },
          actor: null,
          action: 'loan.disbursement.paid',
          targetType: 'loan',
          at,
          view: (l) => ({ status: l.status, disbursement_reference: l.disbursementReference }),
        });
        await this.disbursed(manager, disbursed, at);
      },
      revertPayout: async (manager, payment, at) => {
        const loan = await this.loanAwaiting(manager, payment, 'failed loan disbursement payout');
        if (!loan) return;
        const attempt = await this.attemptOf(manager, loan.id);
        await reverse(manager, disbursementEntryKey(loan.id, attempt), {
          key: disbursementReversalKey(loan.id, attempt),
          kind: 'loan_disbursement_reversal',
          ref: { type: 'loan', id: loan.id },
          sfdId: loan.sfdId,
          at,
        });
        await transition(manager, {
          entity: Loan,
          id: loan.id,
          from: ['accorde'],
          to: 'accorde',
          set: { disbursementMethod: null, disbursedBy: null, disbursementReference: null, updatedAt: at },
          actor: null,
          action: 'loan.disbursement.payout_failed',
          targetType: 'loan',
          at,
          view: (l) => ({ status: l.status, disbursement_method: l.disbursementMethod }),
        });
      },
      applyCollection: async (manager, payment, at) => {
        this.deps.logger.error(
          { reference: payment.reference },
          'a collection for a loan disbursement purpose: the money is parked in suspense',
        );
        await parkInSuspense(manager, payment, at, { kind: 'loan_suspense' });
      },
    };
  }

  /**
   * The loan a payout settles (purposeRef: its id), locked, if it still waits for this payout (the one
   * whose reference it keeps, or any while it keeps none yet); else null, logged.
   */
  private async loanAwaiting(
    manager: EntityManager,
    payment: { reference: string; purposeRef: string | null },
    what: string,
  ): Promise<Loan | null> {
    const id = Number(payment.purposeRef);
    const loan = Number.isSafeInteger(id) && id > 0 ? await lockLoan(manager, id) : null;
    if (
      loan &&
      awaitsPayout(loan) &&
      (loan.disbursementReference === null || loan.disbursementReference === payment.reference)
    ) {
      return loan;
    }
    this.deps.logger.error(
      { reference: payment.reference, purpose_ref: payment.purposeRef },
      `${what}: no loan awaiting it`,
    );
    return null;
  }
}
