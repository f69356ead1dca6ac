import { z } from 'zod';
import { phoneSchema } from '../accounts/phone';
import { pageQuery } from '../http/pagination';
import { recordId } from '../http/validate';
import { paymentSchema } from '../payments/schemas';
import type { LoanPayment } from './entities';

const STATUSES = ['en_attente', 'confirme', 'echoue', 'annule'] as const;
const METHODS = ['mobile_money', 'cash'] as const;

/** A collector app's Idempotency-Key header (cash repayments): printable ASCII, 1 to 100 characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,100}$/;

export const repaymentBody = z
  .object({
    loan_id: z.number().int().positive().max(2_147_483_647),
    amount: z
      .number()
      .int()
      .min(1)
      .max(1_000_000_000)
      .meta({ description: 'XOF, at least 1 and at most what closes the loan today (409 above)' }),
    method: z.enum(METHODS),
    phone: phoneSchema
      .optional()
      .meta({ description: "Mobile money: the wallet to charge (default: the client's phone)" }),
  })
  .meta({ id: 'LoanRepaymentRequest' });
export type RepaymentBody = z.output<typeof repaymentBody>;

export const repaymentListQuery = pageQuery.extend({
  loan_id: recordId.optional(),
  status: z.enum(STATUSES).optional(),
  method: z.enum(METHODS).optional(),
  date_from: z.iso.date().optional().meta({ description: "First day, in the SFD's time zone" }),
  date_to: z.iso.date().optional().meta({ description: "Last day (included), in the SFD's time zone" }),
  sfd_id: recordId.optional().meta({ description: 'Platform admin only' }),
});

export const loanPaymentSchema = z
  .object({
    id: z.number().int(),
    sfd_id: z.number().int(),
    loan_id: z.number().int(),
    client_id: z.number().int(),
    amount: z.number().int().meta({ description: 'XOF' }),
    method: z.enum(METHODS),
    status: z.enum(STATUSES),
    payment_reference: z.string().nullable().meta({ description: 'Mobile money: the payment' }),
    collected_by: z.number().int().nullable().meta({ description: 'Cash: the agent who took it' }),
    journal_entry_key: z.string().nullable(),
    penalty_part: z.number().int().meta({ description: 'XOF of penalties paid (once confirme)' }),
    interest_part: z.number().int().meta({ description: 'XOF of interest paid' }),
    principal_part: z.number().int().meta({ description: 'XOF of principal paid' }),
    excess: z.number().int().meta({
      description: 'XOF paid beyond what closed the loan: in suspense, for the branch to give back',
    }),
    requested_by: z.number().int().nullable(),
    confirmed_by: z.number().int().nullable().meta({ description: 'Cash: the agent; mobile money: null' }),
    confirmed_at: z.iso.datetime().nullable(),
    reason: z.string().nullable().meta({ description: 'Why it ended echoue' }),
    created_at: z.iso.datetime(),
    payment: paymentSchema.optional().meta({ description: 'A repayment by mobile money, as started' }),
  })
  .meta({ id: 'LoanPayment' });

export const loanPaymentDto = (p: LoanPayment): z.input<typeof loanPaymentSchema> => ({
  id: p.id,
  sfd_id: p.sfdId,
  loan_id: p.loanId,
  client_id: p.clientId,
  amount: p.amount,
  method: p.method,
  status: p.status,
  payment_reference: p.paymentReference,
  collected_by: p.collectedBy,
  journal_entry_key: p.journalEntryKey,
  penalty_part: p.penaltyPart,
  interest_part: p.interestPart,
  principal_part: p.principalPart,
  excess: p.excess,
  requested_by: p.requestedBy,
  confirmed_by: p.confirmedBy,
  confirmed_at: p.confirmedAt?.toISOString() ?? null,
  reason: p.reason,
  created_at: p.createdAt.toISOString(),
});
