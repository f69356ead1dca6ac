import type { EntityManager } from 'typeorm';
import type { Contact } from '../accounts/directory';
import type { OutboxMessage, SmsOutbox } from '../notifications/outbox';
import { formatXof } from '../shared/money';
import type { LocalDate } from '../shared/sfd-calendar';
import type { Loan, LoanPayment } from './entities';
import { loanReference, smsDate } from './notices';

/** How a repayment is named on a receipt: its payment reference (mobile money) or R + its id (cash). */
export const paymentRefOf = (p: Pick<LoanPayment, 'id' | 'paymentReference'>) =>
  p.paymentReference ?? `R${p.id}`;

export interface ReceiptFacts {
  payment: LoanPayment;
  /** The loan paid (its client reference is its application's). */
  loan: Pick<Loan, 'applicationId'>;
  /** What is left on the schedule after the payment. */
  remaining: number;
  next: { dueDate: LocalDate; total: number } | null;
  closes: boolean;
  /** Cash: the agent's full name. */
  agent?: string;
  /** The savings guarantee released at the solde (0: none). */
  released: number;
}

/**
 * The client's SMS about one repayment, queued in the payment's transaction (sms.json `loans_payment`):
 * the receipt (what was paid, what remains, the next due date; or that the loan is solde), under the
 * payment's receipt key for mobile money (ownReceipt: the generic receipt is not sent); then, at the
 * solde, the guarantee released; and an excess parked for the client.
 */
export async function queueRepaymentSms(
  outbox: SmsOutbox,
  manager: EntityManager,
  client: Contact | null,
  facts: ReceiptFacts,
): Promise<void> {
  if (!client?.phone) return;
  const { payment } = facts;
  const reference = paymentRefOf(payment);
  const loan = loanReference(facts.loan.applicationId);
  const base = { amount: formatXof(payment.amount), loan, reference };
  const cash = payment.method === 'cash';
  const send = (key: string, params: Record<string, unknown>, dedupeKey: string, receipt = false) => {
    const message: OutboxMessage = {
      to: client.phone as string,
      kind: receipt ? 'receipt' : 'info',
      lang: client.language,
      template: `loans_payment.${key}`,
      params,
      dedupeKey,
    };
    return outbox.queue(manager, message);
  };
  const receiptKey = payment.paymentReference
    ? `payment:${payment.paymentReference}:receipt`
    : `loan-payment:${payment.id}:receipt`;
  const who = cash ? { agent: facts.agent ?? '-' } : {};
  if (facts.closes) {
    await send(cash ? 'closed_cash' : 'closed', { ...base, ...who }, receiptKey, true);
    if (facts.released > 0) {
      await send(
        'guarantee_released',
        { loan, held: formatXof(facts.released) },
        `loan:${payment.loanId}:guarantee-released`,
      );
    }
  } else {
    const next = facts.next
      ? { next_amount: formatXof(facts.next.total), next_date: smsDate(facts.next.dueDate) }
      : { next_amount: '0', next_date: '-' };
    await send(
      cash ? 'receipt_cash' : 'receipt',
      { ...base, ...who, remaining: formatXof(facts.remaining), ...next },
      receiptKey,
      true,
    );
  }
  if (payment.excess > 0) {
    await send(
      'excess',
      { loan, excess: formatXof(payment.excess), reference },
      `loan-payment:${payment.id}:excess`,
    );
  }
}
