import { z } from 'zod';
import { recordId } from '../http/validate';
import { phoneSchema } from '../accounts/phone';
import { pageQuery } from '../http/pagination';
import { paymentSchema } from '../payments/schemas';
import { MAX_DAYS, MIN_DAYS } from './carnet';
import type { Cotisation } from './entities';
export const localDate = z.iso.date();
export const sfdIdFilter = recordId.optional().meta({ description: 'Platform admin only' });

export const cotiserBody = z.object({
  days: z
    .number()
    .int()
    .min(MIN_DAYS)
    .max(MAX_DAYS)
    .meta({ description: 'Boxes to pay, 1 to 93 (three carnets)' }),
  method: z.enum(['mobile_money', 'cash']),
  phone: phoneSchema
    .optional()
    .meta({ description: "Mobile money: the wallet to charge (default: the client's phone)" }),
});

export type CotiserBody = z.output<typeof cotiserBody>;

/** POST /api/tontines/cotisations: the same as …/participants/:id/cotiser, the participant in the body. */
export const cotisationBody = cotiserBody.extend({
  participant_id: z.number().int().positive().max(2_147_483_647),
});

export const cotisationSchema = z
  .object({
    id: z.number().int(),
    sfd_id: z.number().int(),
    tontine_id: z.number().int(),
    participant_id: z.number().int(),
    client_id: z.number().int(),
    amount: z.number().int().meta({ description: 'XOF: days × stake' }),
    days: z.number().int().meta({ description: 'Boxes covered' }),
    commission: z.number().int().meta({ description: "XOF: the box-1s covered, the SFD's" }),
    status: z.enum(['pending', 'confirmee', 'rejetee']),
    method: z.enum(['mobile_money', 'cash']),
    collected_by: z.number().int().nullable(),
    payment_reference: z.string().nullable(),
    journal_entry_key: z.string().nullable(),
    receipt_code: z.string().nullable().meta({ description: 'Cash: the code of the SMS receipt' }),
    created_at: z.iso.datetime(),
    confirmed_at: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Cotisation' });

export const cotisationDto = (c: Cotisation): z.input<typeof cotisationSchema> => ({
  id: c.id,
  sfd_id: c.sfdId,
  tontine_id: c.tontineId,
  participant_id: c.participantId,
  client_id: c.clientId,
  amount: c.amount,
  days: c.days,
  commission: c.commission,
  status: c.status,
  method: c.method,
  collected_by: c.collectedBy,
  payment_reference: c.paymentReference,
  journal_entry_key: c.journalEntryKey,
  receipt_code: c.receiptCode,
  created_at: c.createdAt.toISOString(),
  confirmed_at: c.confirmedAt?.toISOString() ?? null,
});

export const pendingContribution = z
  .object({
    method: z.literal('mobile_money'),
    status: z.literal('pending'),
    participant_id: z.number().int(),
    days: z.number().int(),
    amount: z.number().int(),
    commission: z.number().int(),
    payment: paymentSchema,
  })
  .meta({ id: 'PendingCotisation' });

export const listQuery = pageQuery.extend({
  tontine_id: recordId.optional(),
  client_id: recordId.optional().meta({ description: 'Staff only' }),
  participant_id: recordId.optional(),
  status: z.enum(['pending', 'confirmee', 'rejetee']).optional(),
  date_from: localDate.optional().meta({ description: "First day, in the SFD's time zone" }),
  date_to: localDate.optional().meta({ description: "Last day (included), in the SFD's time zone" }),
  sfd_id: sfdIdFilter,
});

export const carnetsQuery = pageQuery.extend({ participant_id: recordId });

export const carnetSchema = z
  .object({
    id: z.number().int(),
    participant_id: z.number().int(),
    cycle: z.number().int(),
    stake: z.number().int(),
    started_on: localDate.nullable(),
    boxes_paid: z.number().int(),
    completed_at: z.iso.datetime().nullable(),
    boxes: z.array(
      z.object({
        box: z.number().int().meta({ description: '1 to 31' }),
        paid_on: localDate.nullable().meta({ description: "The SFD's local date it was paid" }),
        commission: z.boolean().meta({ description: "Box 1: the SFD's commission" }),
        cotisation_id: z.number().int().nullable(),
      }),
    ),
  })
  .meta({ id: 'CarnetCotisation' });

export const soldesQuery = pageQuery.extend({
  tontine_id: recordId.optional(),
  client_id: recordId.optional().meta({ description: 'Staff only' }),
  sfd_id: sfdIdFilter,
});

export const soldeSchema = z
  .object({
    participant_id: z.number().int(),
    tontine_id: z.number().int(),
    client_id: z.number().int(),
    sfd_id: z.number().int(),
    balance: z
      .number()
      .int()
      .meta({ description: 'XOF: contributions − commissions − withdrawals (ledger)' }),
    stake: z.number().int(),
    cycle: z.number().int().meta({ description: 'The current carnet (1 before any contribution)' }),
    boxes_paid: z.number().int(),
  })
  .meta({ id: 'SoldeTontine' });

export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,100}$/;
