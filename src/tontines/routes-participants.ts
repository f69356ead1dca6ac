import { z } from 'zod';
import { notFound } from '../http/errors';
import { pageOf, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import { toCsv } from '../shared/csv';
import type { AdhesionsService } from './adhesions';
import type { ParticipantReads } from './participant-reads';
import {
  PARTICIPANT_BALANCE_EXAMPLE,
  STATS_COLUMNS,
  STATS_CSV_EXAMPLE,
  createParticipantBody,
  listParticipantsFilter,
  participantBalanceDto,
  participantBalanceSchema,
  statsDto,
  statsQuery,
  statsSchema,
} from './participant-schemas';

/**
 * /api/tontines/participants: the list, a participant made from a paid adhesion, the per-tontine stats.
 * Literal paths: mounted before /api/tontines/:id (module.ts).
 */
export function participantRoutes(adhesions: AdhesionsService, reads: ParticipantReads): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/tontines/participants',
      summary: 'Tontine participants',
      description:
        "A client sees their own participations; staff their SFD's (the platform admin every SFD's, or " +
        "`sfd_id`'s). Filters: `tontine_id`, `client_id` (staff), `status`, `date_from`/`date_to` (days " +
        "joined, in the SFD's time zone). Each with its balance (ledger) and current carnet. Oldest first.",
      access: 'user',
      query: listParticipantsFilter,
      response: {
        status: 200,
        description: 'A page of participants',
        schema: pageSchema(participantBalanceSchema),
        example: { count: 1, next: null, previous: null, results: [PARTICIPANT_BALANCE_EXAMPLE] },
      },
      handler: async ({ query, principal, ctx }) => {
        const page = pageOf(query);
        const { rows, count } = await reads.list(principal, query, page);
        return paginated(ctx, page, count, rows.map(participantBalanceDto));
      },
    }),
    route({
      method: 'post',
      path: '/api/tontines/participants',
      summary: 'Make the participant of a paid adhesion',
      description:
        'The same operation as `POST /api/tontines/adhesions/{id}/integrer/`, named by its adhesion: ' +
        'staff (agent or higher) of the SFD make the participant of an adhesion whose joining fee is ' +
        'paid (a fee payment still pending is asked of the provider first). → the adhesion `adherent`, ' +
        'the participant `actif` with its stake and carnet 1, the welcome SMS, audited ' +
        '(`tontine.adhesion.integrate`). An adhesion out of reach is a 404; one already adherent or ' +
        'whose fee is not paid a 409.',
      access: 'agent_sfd',
      body: createParticipantBody,
      example: { adhesion_id: 41 },
      problems: [404, 409],
      response: {
        status: 201,
        description: 'The new participant',
        schema: participantBalanceSchema,
        example: { ...PARTICIPANT_BALANCE_EXAMPLE, last_contribution_at: null, balance: 0, boxes_paid: 0 },
      },
      handler: async ({ body, principal }) => {
        const adhesion = await adhesions.integrateByStaff(principal, body.adhesion_id);
        const view = adhesion.participantId === null ? null : await reads.view(adhesion.participantId);
        if (!view) throw notFound();
        return participantBalanceDto(view);
      },
    }),
    route({
      method: 'get',
      path: '/api/tontines/participants/stats',
      summary: 'Participants and money per tontine',
      description:
        "Staff of an SFD see its tontines (the platform admin every SFD's, or `sfd_id`'s): active " +
        "participants, this month's confirmed contributions (count, amount) and commission — the month " +
        "of the SFD's time zone — and the balances its participants hold (ledger). `format=csv` " +
        'answers `text/csv` with a header row, the same columns as the JSON rows.',
      access: 'agent_sfd',
      query: statsQuery,
      response: {
        status: 200,
        description: 'One row per tontine, by id',
        schema: statsSchema,
        alternatives: [
          {
            type: 'text/csv',
            schema: z.string().meta({ description: 'RFC 4180, CRLF, a header row' }),
            example: STATS_CSV_EXAMPLE,
          },
        ],
      },
      handler: async ({ query, principal, ctx }) => {
        const rows = (await reads.stats(principal, query.sfd_id)).map(statsDto);
        if (query.format === 'csv') {
          ctx.type = 'text/csv; charset=utf-8';
          ctx.set('Content-Disposition', 'attachment; filename="tontines-stats.csv"');
          // The declared alternative (response.alternatives): checked against its own schema, a string.
          return toCsv(STATS_COLUMNS, rows) as never;
        }
        return { results: rows };
      },
    }),
  ];
}
