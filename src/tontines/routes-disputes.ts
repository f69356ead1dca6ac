import { z } from 'zod';
import { Problem, validationFailed } from '../http/errors';
import { pageOf, pageQuery, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import { scopedSfdFilter } from '../http/scope';
import { idParams, recordId } from '../http/validate';
import { decisionBody } from '../workflow/decide';
import { localDate, sfdIdFilter } from './contribution-schemas';
import type { DisputeRefusal } from './dispute-notices';
import type { DisputeReads, DisputeView } from './dispute-reads';
import { MAX_DAYS_MISSING, type DisputesService } from './disputes';

const STATUSES = ['ouverte', 'fondee', 'rejetee'] as const;

const openBody = z
  .object({
    code: z
      .string()
      .trim()
      .min(1)
      .max(32)
      .meta({ description: 'The code of the cash receipt SMS (any case; spaces and dashes ignored)' }),
  })
  .meta({ id: 'ContestationRequest' });

/** The one decision body (workflow/decide.ts), with the days an upheld dispute records. */
const disputeDecisionBody = decisionBody
  .safeExtend({
    days_missing: z
      .number()
      .int()
      .min(1)
      .max(MAX_DAYS_MISSING)
      .optional()
      .meta({
        description:
          'Approve (required): the days the collector took and did not record, recorded as a cash ' +
          'contribution collected by them',
      }),
  })
  .refine((b) => b.decision === 'reject' || b.days_missing !== undefined, {
    path: ['days_missing'],
    message: 'required',
  })
  .meta({ id: 'ContestationDecision', example: { decision: 'approve', days_missing: 2 } });

const contestationSchema = z
  .object({
    id: z.number().int(),
    sfd_id: z.number().int(),
    cotisation_id: z.number().int().meta({ description: 'The disputed cash contribution' }),
    receipt_code: z.string(),
    amount: z.number().int().meta({ description: 'XOF: what the disputed receipt says the agent took' }),
    days: z.number().int().meta({ description: 'The boxes the disputed receipt covers' }),
    participant_id: z.number().int(),
    tontine_id: z.number().int(),
    client_id: z.number().int(),
    agent_id: z.number().int().meta({ description: 'The collector who recorded the contribution' }),
    status: z.enum(STATUSES),
    channel: z.enum(['sms', 'ussd']).meta({ description: 'sms: `NON <code>`; ussd: the menu or the API' }),
    reason: z.string().nullable(),
    days_missing: z.number().int().nullable(),
    correction_cotisation_id: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'Upheld: the cash contribution of the missing days' }),
    decided_by: z.number().int().nullable(),
    decided_at: z.iso.datetime().nullable(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'ContestationTontine' });

const dto = ({ contestation: c, cotisation }: DisputeView): z.input<typeof contestationSchema> => ({
  id: c.id,
  sfd_id: c.sfdId,
  cotisation_id: c.cotisationId,
  receipt_code: cotisation.receiptCode ?? '',
  amount: cotisation.amount,
  days: cotisation.days,
  participant_id: c.participantId,
  tontine_id: cotisation.tontineId,
  client_id: c.clientId,
  agent_id: c.agentId,
  status: c.status,
  channel: c.channel,
  reason: c.reason,
  days_missing: c.daysMissing,
  correction_cotisation_id: c.correctionCotisationId,
  decided_by: c.decidedBy,
  decided_at: c.decidedAt?.toISOString() ?? null,
  created_at: c.createdAt.toISOString(),
  updated_at: c.updatedAt.toISOString(),
});

const listQuery = pageQuery.extend({
  status: z.enum(STATUSES).optional(),
  agent_id: recordId.optional(),
  participant_id: recordId.optional(),
  date_from: localDate.optional().meta({ description: "First day opened, in the SFD's time zone" }),
  date_to: localDate.optional().meta({ description: "Last day opened (included), in the SFD's time zone" }),
  sfd_id: sfdIdFilter,
});

function refusal(outcome: DisputeRefusal): Problem {
  switch (outcome) {
    case 'unknown':
      return validationFailed({ code: ['unknown_receipt'] });
    case 'late':
      return new Problem(409, 'dispute_too_late');
    case 'already':
      return new Problem(409, 'dispute_already_open');
  }
}

/** Disputes of cash receipts: the client opens one, the agent's superviseur decides. */
export function disputeRoutes(service: DisputesService, reads: DisputeReads): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/api/tontines/contestations',
      summary: 'Dispute a cash receipt',
      description:
        'The client, for one of their own confirmed cash contributions, within 48 h of it: the same as ' +
        "answering `NON <code>` to the receipt SMS. The agent's superviseurs get an in-app notice, the " +
        "client an SMS. A code that is not one of the caller's cash receipts: 400 (`code`); past 48 h: " +
        '409 `dispute_too_late`; already disputed: 409 `dispute_already_open`.',
      access: 'client',
      body: openBody,
      example: { code: 'K7M2QX' },
      problems: [409],
      response: { status: 201, description: 'The open dispute', schema: contestationSchema },
      handler: async ({ body, principal }) => {
        const r = await service.openAsClient(principal.userId, body.code, 'ussd');
        if (r.outcome !== 'opened') throw refusal(r.outcome);
        return dto({ contestation: r.contestation, cotisation: r.cotisation });
      },
    }),
    route({
      method: 'get',
      path: '/api/tontines/contestations',
      summary: 'Disputes of cash receipts, newest first',
      description:
        "The superviseurs and admins of an SFD see their SFD's, the platform admin every SFD's (`sfd_id` " +
        'to choose one). Filters: status, the agent, the participant, the days opened.',
      access: 'superviseur_sfd',
      query: listQuery,
      response: { status: 200, description: 'A page of disputes', schema: pageSchema(contestationSchema) },
      handler: async ({ query, principal, ctx }) => {
        const page = pageOf(query);
        const { rows, count } = await reads.list(
          scopedSfdFilter(principal, query.sfd_id),
          {
            status: query.status,
            agentId: query.agent_id,
            participantId: query.participant_id,
            from: query.date_from,
            to: query.date_to,
          },
          page,
        );
        return paginated(ctx, page, count, rows.map(dto));
      },
    }),
    route({
      method: 'get',
      path: '/api/tontines/contestations/:id',
      summary: 'One dispute of a cash receipt',
      description: "A superviseur or admin of the dispute's SFD (another SFD's: 404), or the platform admin.",
      access: 'superviseur_sfd',
      params: idParams,
      problems: [404],
      response: { status: 200, description: 'The dispute', schema: contestationSchema },
      handler: async ({ params, principal }) => dto(await reads.get(principal, params.id)),
    }),
    route({
      method: 'post',
      path: '/api/tontines/contestations/:id/decider',
      summary: 'Decide on a dispute: uphold (record the missing days) or reject',
      description:
        "A superviseur or admin of the dispute's SFD (another SFD's: 404; the platform admin: 403) " +
        'decides on an `ouverte` dispute (else 409). Approve → `fondee`: `days_missing` days are ' +
        'recorded as a cash contribution collected by the disputed agent (carnets, ledger: their cash ' +
        "account owes it; the client's receipt), `correction_cotisation_id`. Reject → `rejetee` with the " +
        'reason. The client gets an SMS of the outcome; audited (`tontine.contestation.approve` / ' +
        '`.reject`).',
      access: 'superviseur_sfd',
      params: idParams,
      body: disputeDecisionBody,
      example: { decision: 'approve', days_missing: 2 },
      problems: [404, 409],
      response: { status: 200, description: 'The decided dispute', schema: contestationSchema },
      handler: async ({ params, body, principal }) => {
        const decided = await service.decide(principal, params.id, body);
        return dto((await reads.withReceipts([decided]))[0]);
      },
    }),
  ];
}
