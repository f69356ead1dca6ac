import { z } from 'zod';
import type { Adhesion, Tontine, TontineParticipant } from './entities';
import { ADHESION_STATUSES, PARTICIPANT_STATUSES, TONTINE_STATUSES } from './schemas';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const TONTINE_EXAMPLE = {
  id: 3,
  sfd_id: 1,
  name: 'Tontine journaliere du marche Dantokpa',
  status: 'active',
  stake_min: 200,
  stake_max: 5000,
  joining_fee: 1000,
  min_withdrawal: 500,
  withdrawal_notice_days: 0,
  created_by: 7,
  created_at: '2025-03-03T09:00:00.000Z',
  updated_at: '2025-03-03T09:00:00.000Z',
} as const;

export const tontineSchema = z
  .object({
    id: z.number().int(),
    sfd_id: z.number().int(),
    name: z.string(),
    status: z.enum(TONTINE_STATUSES),
    stake_min: z.number().int().meta({ description: 'XOF per day' }),
    stake_max: z.number().int().meta({ description: 'XOF per day' }),
    joining_fee: z.number().int(),
    min_withdrawal: z.number().int(),
    withdrawal_notice_days: z.number().int(),
    created_by: z.number().int().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Tontine', example: TONTINE_EXAMPLE });

export const tontineDto = (t: Tontine): z.input<typeof tontineSchema> => ({
  id: t.id,
  sfd_id: t.sfdId,
  name: t.name,
  status: t.status,
  stake_min: t.stakeMin,
  stake_max: t.stakeMax,
  joining_fee: t.joiningFee,
  min_withdrawal: t.minWithdrawal,
  withdrawal_notice_days: t.withdrawalNoticeDays,
  created_by: t.createdBy,
  created_at: t.createdAt.toISOString(),
  updated_at: t.updatedAt.toISOString(),
});

export const ADHESION_EXAMPLE = {
  id: 41,
  sfd_id: 1,
  tontine_id: 3,
  client_id: 12,
  stake: 500,
  status: 'demande_soumise',
  submitted_by: null,
  reason: null,
  decided_by: null,
  decided_at: null,
  payment_reference: null,
  participant_id: null,
  created_at: '2025-03-04T08:00:00.000Z',
  updated_at: '2025-03-04T08:00:00.000Z',
} as const;

export const adhesionSchema = z
  .object({
    id: z.number().int(),
    sfd_id: z.number().int(),
    tontine_id: z.number().int(),
    client_id: z.number().int(),
    stake: z.number().int().meta({ description: 'XOF per day' }),
    status: z.enum(ADHESION_STATUSES),
    submitted_by: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'Staff who submitted it; null: the client' }),
    reason: z.string().nullable(),
    decided_by: z.number().int().nullable(),
    decided_at: z.string().nullable(),
    payment_reference: z.string().nullable().meta({ description: 'The joining-fee payment' }),
    participant_id: z.number().int().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'TontineAdhesion', example: ADHESION_EXAMPLE });

export const adhesionDto = (a: Adhesion): z.input<typeof adhesionSchema> => ({
  id: a.id,
  sfd_id: a.sfdId,
  tontine_id: a.tontineId,
  client_id: a.clientId,
  stake: a.stake,
  status: a.status,
  submitted_by: a.submittedBy,
  reason: a.reason,
  decided_by: a.decidedBy,
  decided_at: iso(a.decidedAt),
  payment_reference: a.paymentReference,
  participant_id: a.participantId,
  created_at: a.createdAt.toISOString(),
  updated_at: a.updatedAt.toISOString(),
});

export const PARTICIPANT_EXAMPLE = {
  id: 812,
  sfd_id: 1,
  tontine_id: 3,
  client_id: 12,
  stake: 500,
  next_stake: null,
  status: 'actif',
  joined_at: '2025-03-05T10:00:00.000Z',
  created_at: '2025-03-05T10:00:00.000Z',
  updated_at: '2025-03-05T10:00:00.000Z',
} as const;

export const participantSchema = z
  .object({
    id: z.number().int(),
    sfd_id: z.number().int(),
    tontine_id: z.number().int(),
    client_id: z.number().int(),
    stake: z.number().int().meta({ description: 'XOF per day, this cycle' }),
    next_stake: z.number().int().nullable().meta({ description: 'From the next cycle' }),
    status: z.enum(PARTICIPANT_STATUSES),
    joined_at: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'TontineParticipant', example: PARTICIPANT_EXAMPLE });

export const participantDto = (p: TontineParticipant): z.input<typeof participantSchema> => ({
  id: p.id,
  sfd_id: p.sfdId,
  tontine_id: p.tontineId,
  client_id: p.clientId,
  stake: p.stake,
  next_stake: p.nextStake,
  status: p.status,
  joined_at: p.joinedAt.toISOString(),
  created_at: p.createdAt.toISOString(),
  updated_at: p.updatedAt.toISOString(),
});
