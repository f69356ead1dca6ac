import { z } from 'zod';
import { phoneSchema } from '../accounts/phone';
import { safeChars } from '../http/text';
import { pageQuery } from '../http/pagination';
import { PAYMENT_TYPE_NAMES, type PaymentTransaction } from './entities';

export const MAX_AMOUNT = 10_000_000;
const amount = z.number().int('whole francs only').min(100).max(MAX_AMOUNT);

const paymentType = z.enum(PAYMENT_TYPE_NAMES);
const paymentStatus = z.enum(['pending', 'success', 'failed', 'expired', 'refunded']);
const reference = z.string().regex(/^TF[A-Z]{2}\d{12}[0-9A-F]{10}$/);

export const initiateBody = z.object({
  type: paymentType,
  amount,
  client_id: z
    .number()
    .int()
    .positive()
    .optional()
    .meta({ description: 'The client paid for (staff); a client pays for themself' }),
  phone: phoneSchema.optional().meta({ description: "The paying phone; default: the client's" }),
  purpose: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,39}$/)
    .optional()
    .meta({
      description:
        'What the payment is applied to; default: the purpose named after `type`. Another purpose must accept `type` (purposes.ts).',
    }),
  // The caller's own reference, listed back in the back office: no control or bidi characters, no < >.
  purpose_ref: z.string().max(64).check(safeChars).optional(),
});

export const checkStatusBody = z.object({ reference });

export const listQuery = pageQuery.extend({
  status: paymentStatus.optional(),
  type: paymentType.optional(),
  client_id: z.coerce.number().int().positive().optional(),
  reference: z.string().max(40).optional(),
});

/** A payment as the API shows it (Django REST Framework's snake_case). */
export const paymentSchema = z
  .object({
    id: z.number().int(),
    reference: z.string(),
    provider: z.string(),
    provider_transaction_id: z.string().nullable(),
    type: paymentType,
    direction: z.enum(['collection', 'payout']),
    amount: z.number().int().meta({ description: 'XOF' }),
    phone: z.string(),
    status: paymentStatus,
    purpose: z.string(),
    purpose_ref: z.string().nullable(),
    sfd_id: z.number().int(),
    client_id: z.number().int(),
    initiated_by: z.number().int().nullable(),
    payment_url: z
      .string()
      .nullable()
      .meta({ description: 'KKiaPay: the payment link sent to the client by SMS' }),
    failure_reason: z.string().nullable(),
    created_at: z.iso.datetime(),
    completed_at: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Payment' });

export const paymentDto = (p: PaymentTransaction): z.input<typeof paymentSchema> => ({
  id: p.id,
  reference: p.reference,
  provider: p.provider,
  provider_transaction_id: p.providerTransactionId,
  type: p.type,
  direction: p.direction,
  amount: p.amount,
  phone: p.phone,
  status: p.status,
  purpose: p.purpose,
  purpose_ref: p.purposeRef,
  sfd_id: p.sfdId,
  client_id: p.clientId,
  initiated_by: p.initiatedBy,
  payment_url: p.paymentUrl,
  failure_reason: p.failureReason,
  created_at: p.createdAt.toISOString(),
  completed_at: p.completedAt?.toISOString() ?? null,
});

/** What a provider's callback is answered: whether it named a payment of ours. */
export const callbackAnswer = z.object({ status: z.enum(['ok', 'ignored']) });

/** KKiaPay's webhook, as seen in integrations: only transactionId (and partnerId) are used, then verified. */
export const kkiapayWebhook = z.object({
  transactionId: z.string().min(1).max(100),
  partnerId: z.string().max(64).nullish(),
});

/** MTN MoMo's callback: the status body; only externalId (our reference) is used, then verified. */
export const momoWebhook = z.object({
  externalId: z.string().min(1).max(64),
  financialTransactionId: z.string().max(100).nullish(),
});

export const sandboxBody = z.object({
  amount: amount.default(100),
  phone: phoneSchema,
  sfd_id: z.number().int().positive().optional().meta({ description: 'Platform admin only (required)' }),
});
