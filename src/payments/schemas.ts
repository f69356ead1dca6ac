import { z } from 'zod';
import { phoneSchema } from '../accounts/phone';
import { safeChars } from '../http/text';
import { PAYMENT_TYPE_NAMES } from './entities';

export const MAX_AMOUNT = 10_000_000;
const amount = z.number().int('whole francs only').min(100).max(MAX_AMOUNT);

export const initiateBody = z.object({
  type: z.enum(PAYMENT_TYPE_NAMES as [string, ...string[]]),
  amount,
  client_id: z.number().int().positive().optional(),
  phone: phoneSchema.optional(),
  // The caller's own reference, listed back in the back office: no control or bidi characters, no < >.
  purpose_ref: z.string().max(64).check(safeChars).optional(),
});

export const checkStatusBody = z.object({ reference: z.string().regex(/^TF[A-Z]{2}\d{12}[0-9A-F]{10}$/) });

export const listQuery = z.object({
  status: z.enum(['pending', 'success', 'failed', 'expired', 'refunded']).optional(),
  type: z.enum(PAYMENT_TYPE_NAMES as [string, ...string[]]).optional(),
  client_id: z.coerce.number().int().positive().optional(),
  reference: z.string().max(40).optional(),
});

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
  sfd_id: z.number().int().positive().optional(),
});
