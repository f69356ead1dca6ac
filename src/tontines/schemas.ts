import { z } from 'zod';
export { idParams } from '../http/validate';
import { phoneSchema } from '../accounts/phone';
import { pageQuery } from '../http/pagination';
import { safeText } from '../http/text';

/** A record's id in a path: a value that cannot name one is a 404, like a missing record. */

/** Integer XOF. */
const money = z.number().int().min(0).max(1_000_000_000);
const positiveMoney = z.number().int().positive().max(1_000_000_000);
const sfdIdFilter = z.coerce
  .number()
  .int()
  .positive()
  .optional()
  .meta({ description: 'Platform admin only' });

export const TONTINE_STATUSES = ['active', 'fermee', 'suspendue'] as const;
export const ADHESION_STATUSES = [
  'demande_soumise',
  'validee_agent',
  'en_cours_paiement',
  'paiement_effectue',
  'adherent',
  'rejetee',
] as const;
export const PARTICIPANT_STATUSES = ['actif', 'inactif', 'suspendu'] as const;

export const listTontinesQuery = pageQuery.extend({
  status: z.enum(TONTINE_STATUSES).optional().meta({ description: 'Staff only (clients see active ones)' }),
  sfd_id: sfdIdFilter,
});

const tontineFields = {
  name: safeText(1, 120),
  stake_min: positiveMoney.meta({ description: 'Smallest daily stake, XOF' }),
  stake_max: positiveMoney.meta({ description: 'Largest daily stake, XOF' }),
  joining_fee: money.meta({ description: 'Joining fee, XOF' }),
  min_withdrawal: money.default(0).meta({ description: 'Smallest withdrawal, XOF' }),
  withdrawal_notice_days: z.number().int().min(0).max(90).default(0),
};

const stakeRange = (b: { stake_min?: number; stake_max?: number }) =>
  b.stake_min === undefined || b.stake_max === undefined || b.stake_min <= b.stake_max;

export const createTontineBody = z
  .object({
    ...tontineFields,
    sfd_id: z.number().int().positive().optional().meta({ description: 'Platform admin only (required)' }),
  })
  .refine(stakeRange, { path: ['stake_max'], message: 'stake_range' });

export const updateTontineBody = z
  .object({
    name: tontineFields.name,
    status: z.enum(TONTINE_STATUSES),
    stake_min: tontineFields.stake_min,
    stake_max: tontineFields.stake_max,
    joining_fee: tontineFields.joining_fee,
    min_withdrawal: money,
    withdrawal_notice_days: z.number().int().min(0).max(90),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { path: ['non_field_errors'], message: 'required' })
  .refine(stakeRange, { path: ['stake_max'], message: 'stake_range' });

export const listParticipantsQuery = pageQuery.extend({
  status: z.enum(PARTICIPANT_STATUSES).optional(),
});

export const submitAdhesionBody = z.object({
  tontine_id: z.number().int().positive(),
  stake: positiveMoney.meta({ description: "Daily stake, XOF, within the tontine's bounds" }),
  client_id: z.number().int().positive().optional().meta({ description: 'Staff only (required)' }),
});

export const listAdhesionsQuery = pageQuery.extend({
  tontine_id: z.coerce.number().int().positive().optional(),
  client_id: z.coerce.number().int().positive().optional().meta({ description: 'Staff only' }),
  status: z.enum(ADHESION_STATUSES).optional(),
  date_from: z.iso
    .date()
    .optional()
    .meta({ description: "Asked on or after this day, in the SFD's time zone" }),
  date_to: z.iso
    .date()
    .optional()
    .meta({ description: "Asked on or before this day, in the SFD's time zone" }),
  sfd_id: sfdIdFilter,
});

export const payAdhesionBody = z
  .object({
    phone: phoneSchema.optional().meta({ description: "The paying phone; default: the client's" }),
  })
  .default({});

export type CreateTontineBody = z.output<typeof createTontineBody>;
export type UpdateTontineBody = z.output<typeof updateTontineBody>;
export type ListTontinesQuery = z.output<typeof listTontinesQuery>;
export type SubmitAdhesionBody = z.output<typeof submitAdhesionBody>;
export type ListAdhesionsQuery = z.output<typeof listAdhesionsQuery>;
