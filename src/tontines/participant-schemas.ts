import { z } from 'zod';
import { pageQuery } from '../http/pagination';
import { recordId } from '../http/validate';
import { localDate, sfdIdFilter } from './contribution-schemas';
import type { ParticipantView, TontineStats } from './participant-reads';
import { PARTICIPANT_STATUSES, TONTINE_STATUSES } from './schemas';
import { PARTICIPANT_EXAMPLE, participantDto, participantSchema } from './serializers';

export const listParticipantsFilter = pageQuery.extend({
  tontine_id: recordId.optional(),
  client_id: recordId.optional().meta({ description: 'Staff only' }),
  status: z.enum(PARTICIPANT_STATUSES).optional(),
  date_from: localDate
    .optional()
    .meta({ description: "Joined on or after this day, in the SFD's time zone" }),
  date_to: localDate.optional().meta({ description: "Joined on or before this day, in the SFD's time zone" }),
  sfd_id: sfdIdFilter,
});
export type ListParticipantsFilter = z.output<typeof listParticipantsFilter>;

export const createParticipantBody = z.object({
  adhesion_id: z.number().int().positive().max(2_147_483_647).meta({
    description: 'An adhesion of the SFD whose joining fee is paid (`paiement_effectue`)',
  }),
});

export const PARTICIPANT_BALANCE_EXAMPLE = {
  ...PARTICIPANT_EXAMPLE,
  last_contribution_at: '2025-03-20T09:12:00.000Z',
  balance: 8000,
  cycle: 1,
  boxes_paid: 17,
} as const;

export const participantBalanceSchema = participantSchema
  .extend({
    last_contribution_at: z.string().nullable(),
    balance: z
      .number()
      .int()
      .meta({ description: 'XOF: contributions − commissions − withdrawals (ledger)' }),
    cycle: z.number().int().meta({ description: 'The current carnet (1 before any contribution)' }),
    boxes_paid: z.number().int().meta({ description: 'Boxes paid of the current carnet, 0 to 31' }),
  })
  .meta({ id: 'TontineParticipantBalance', example: PARTICIPANT_BALANCE_EXAMPLE });

export const participantBalanceDto = ({
  participant,
  balance,
  carnet,
}: ParticipantView): z.input<typeof participantBalanceSchema> => ({
  ...participantDto(participant),
  last_contribution_at: participant.lastContributionAt?.toISOString() ?? null,
  balance,
  cycle: carnet?.cycle ?? 1,
  boxes_paid: carnet?.boxesPaid ?? 0,
});

export const statsQuery = z.object({
  sfd_id: sfdIdFilter,
  format: z.enum(['json', 'csv']).default('json').meta({ description: '`csv`: text/csv, a header row' }),
});

const STATS_EXAMPLE = {
  tontine_id: 3,
  sfd_id: 1,
  tontine: 'Tontine journaliere du marche Dantokpa',
  status: 'active',
  month: '2025-03',
  participants_active: 42,
  contributions_count: 310,
  contributions_amount: 1_240_000,
  commission: 21_000,
  balances_held: 3_480_500,
} as const;

export const statsRowSchema = z
  .object({
    tontine_id: z.number().int(),
    sfd_id: z.number().int(),
    tontine: z.string().meta({ description: "The tontine's name" }),
    status: z.enum(TONTINE_STATUSES),
    month: z.string().meta({ description: "The SFD's current local month, YYYY-MM" }),
    participants_active: z.number().int(),
    contributions_count: z.number().int().meta({ description: 'Confirmed contributions this month' }),
    contributions_amount: z.number().int().meta({ description: 'XOF, confirmed this month' }),
    commission: z.number().int().meta({ description: "XOF: the SFD's box-1s paid this month" }),
    balances_held: z.number().int().meta({ description: "XOF: the participants' tontine balances (ledger)" }),
  })
  .meta({ id: 'TontineParticipantStats', example: STATS_EXAMPLE });

export const statsSchema = z.object({ results: z.array(statsRowSchema) });

export const statsDto = (s: TontineStats): z.input<typeof statsRowSchema> => ({
  tontine_id: s.tontine.id,
  sfd_id: s.tontine.sfdId,
  tontine: s.tontine.name,
  status: s.tontine.status,
  month: s.month,
  participants_active: s.participantsActive,
  contributions_count: s.contributionsCount,
  contributions_amount: s.contributionsAmount,
  commission: s.commission,
  balances_held: s.balancesHeld,
});

/** The CSV's columns, in order: the JSON row's fields. */
export const STATS_COLUMNS = Object.keys(statsRowSchema.shape) as (keyof z.input<typeof statsRowSchema>)[];

export const STATS_CSV_EXAMPLE =
  `${STATS_COLUMNS.join(',')}\r\n` +
  '3,1,Tontine journaliere du marche Dantokpa,active,2025-03,42,310,1240000,21000,3480500\r\n';
