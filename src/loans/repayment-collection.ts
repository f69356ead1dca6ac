import type { EntityManager } from 'typeorm';
import type { Deps } from '../deps';
import { sfdAccount } from '../ledger/service';
import { paymentEntryKey, parkInSuspense } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';
import type { LocalDate } from '../shared/sfd-calendar';
import { transition } from '../workflow/decide';
import { LoanPayment } from './entities';
import { instalmentsOf, lockLoan } from './instalments';
import { applyRepayment, freshPayment, lockedPayment, PAYABLE, type ApplyNeeds } from './repayment-apply';

type PaymentTransaction = Awaited<ReturnType<PaymentsService['collect']>>;

export interface CollectionNeeds extends ApplyNeeds {
  deps: Pick<Deps, 'outbox' | 'logger'>;
  payments: Pick<PaymentsService, 'queueReceipt'>;
  todayOf(sfdId: number, at: Date, manager?: EntityManager): Promise<LocalDate>;
}

/**
 * The purpose `remboursement_pret`, in the payment's transaction: the repayment applied (see
 * applyRepayment) under the loan's lock, with the SFD's local date. A payment that cannot be applied
 * (its ref names no loan, a loan not the payer's or of another SFD, or one that takes no repayment:
 * solde, not disbursed) is not lost: it is parked in the SFD's suspense account, the row `echoue`, the
 * generic receipt sent. Anything paid beyond the payoff (the payoff fell meanwhile, or a payment
 * started through POST /api/payments/initiate/) is `excess`, in suspense in the same entry.
 */
export async function applyCollectedRepayment(
  needs: CollectionNeeds,
  manager: EntityManager,
  transaction: PaymentTransaction,
  at: Date,
): Promise<void> {
  const id = /^[1-9]\d{0,9}$/.test(transaction.purposeRef ?? '') ? Number(transaction.purposeRef) : 0;
  const loan = id ? await lockLoan(manager, id) : null;
  const row = await lockedPayment(manager, { paymentReference: transaction.reference });
  const why = !loan
    ? 'no such loan'
    : loan.clientId !== transaction.clientId || loan.sfdId !== transaction.sfdId
      ? 'the loan is not the payer'
      : !PAYABLE.includes(loan.status)
        ? `the loan is ${loan.status}`
        : row && row.status !== 'en_attente'
          ? `the repayment is ${row.status}`
          : null;
  if (why || !loan) {
    needs.deps.logger.error(
      { reference: transaction.reference, purpose_ref: transaction.purposeRef, reason: why },
      'loan repayment not applicable: the money is parked in suspense',
    );
    if (row?.status === 'en_attente') {
      await transition(manager, {
        entity: LoanPayment,
        id: row.id,
        from: ['en_attente'],
        to: 'echoue',
        set: { reason: 'not_applicable', updatedAt: at },
        actor: null,
        action: 'loans.payment.echoue',
        targetType: 'loan_payment',
        at,
        view: (p) => ({ status: p.status, reason: p.reason }),
      });
    }
    await needs.payments.queueReceipt(manager, transaction);
    await parkInSuspense(manager, transaction, at, { kind: 'loan_repayment_suspense' });
    return;
  }
  // The payment succeeded before its starter wrote the row (or it was started elsewhere).
  const payment =
    row ??
    (await manager.save(
      manager.create(LoanPayment, {
        ...freshPayment(loan, at),
        amount: transaction.amount,
        method: 'mobile_money',
        paymentReference: transaction.reference,
        requestedBy: transaction.initiatedBy ?? null,
      }),
    ));
  await applyRepayment(needs, manager, {
    loan,
    instalments: await instalmentsOf(manager, loan.id),
    payment,
    today: await needs.todayOf(loan.sfdId, at, manager),
    at,
    source: sfdAccount(loan.sfdId, 'mobile-money'),
    entryKey: paymentEntryKey(transaction.reference),
    actor: null,
  });
}

/**
 * A repayment whose mobile-money payment failed or expired (failCollection, in the payment's
 * transaction): the row awaiting it ends `echoue` with the provider's reason. Nothing was posted.
 */
export async function failCollectedRepayment(
  manager: EntityManager,
  transaction: PaymentTransaction,
  at: Date,
): Promise<void> {
  const row = await lockedPayment(manager, { paymentReference: transaction.reference });
  if (!row || row.status !== 'en_attente') return;
  await lockLoan(manager, row.loanId);
  await transition(manager, {
    entity: LoanPayment,
    id: row.id,
    from: ['en_attente'],
    to: 'echoue',
    set: { reason: transaction.failureReason ?? transaction.status, updatedAt: at },
    actor: null,
    action: 'loans.payment.echoue',
    targetType: 'loan_payment',
    at,
    view: (p) => ({ status: p.status, reason: p.reason }),
  });
}
