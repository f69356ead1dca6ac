import { z } from 'zod';
import { idParams, recordId } from '../http/validate';
import type { Principal } from '../http/auth';
import { pageOf, pageQuery, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import { scopedSfdFilter } from '../http/scope';
import { safeText } from '../http/text';
import type { Retrait } from './entities';
import type { WithdrawalReads, WithdrawalScope } from './withdrawal-reads';
import type { WithdrawalsService } from './withdrawals';

const localDate = z.iso.date();
const STATUSES = ['pending', 'approved', 'rejected', 'confirmee'] as const;

const requestBody = z.object({
  participant_id: z.number().int().positive().max(2_147_483_647),
  amount: z.number().int().positive().max(1_000_000_000).meta({ description: 'XOF' }),
});

/** The one decision body (workflow/decide.ts), with how an approved withdrawal is paid. */
const withdrawalDecisionBody = z
  .object({
    decision: z.enum(['approve', 'reject']),
    reason: safeText(1, 300).optional(),
    method: z
      .enum(['mobile_money', 'cash'])
      .optional()
      .meta({
        description:
          "Approve: mobile money to the client's phone (the default when the provider pays out), or " +
          'cash handed over at the branch by the deciding agent',
      }),
  })
  .refine((b) => b.decision === 'approve' || (b.reason !== undefined && b.reason.length > 0), {
    path: ['reason'],
    message: 'required',
  })
  .meta({ id: 'WithdrawalDecision' });

const retraitSchema = z
  .object({
    id: z.number().int(),
    sfd_id: z.number().int(),
    participant_id: z.number().int(),
    tontine_id: z.number().int(),
    client_id: z.number().int(),
    amount: z.number().int(),
    status: z.enum(STATUSES),
    reason: z.string().nullable(),
    decided_by: z.number().int().nullable(),
    decided_at: z.iso.datetime().nullable(),
    payment_reference: z.string().nullable().meta({ description: 'Mobile money: the payout' }),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'RetraitTontine' });

const retraitDto = (r: Retrait, tontineId: number): z.input<typeof retraitSchema> => ({
  id: r.id,
  sfd_id: r.sfdId,
  participant_id: r.participantId,
  tontine_id: tontineId,
  client_id: r.clientId,
  amount: r.amount,
  status: r.status,
  reason: r.reason,
  decided_by: r.decidedBy,
  decided_at: r.decidedAt?.toISOString() ?? null,
  payment_reference: r.paymentReference,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
});

const listQuery = pageQuery.extend({
  participant_id: recordId.optional(),
  tontine_id: recordId.optional(),
  client_id: recordId.optional().meta({ description: 'Staff only' }),
  status: z.enum(STATUSES).optional(),
  date_from: localDate.optional().meta({ description: "First day, in the SFD's time zone" }),
  date_to: localDate.optional().meta({ description: "Last day (included), in the SFD's time zone" }),
  sfd_id: recordId.optional().meta({ description: 'Platform admin only' }),
});

function scopeOf(principal: Principal, sfdId?: number): WithdrawalScope {
  if (principal.role === 'client') return { clientId: principal.userId };
  return { sfdId: scopedSfdFilter(principal, sfdId) };
}

/** Withdrawals: the request, the list, the agent's decision and the payout. */
export function withdrawalRoutes(service: WithdrawalsService, reads: WithdrawalReads): RouteSpec[] {
  const dto = async (r: Retrait) =>
    retraitDto(r, (await reads.tontineIds([r])).get(r.participantId) as number);
  return [
    route({
      method: 'post',
      path: '/api/tontines/retraits',
      summary: 'Ask to withdraw from a tontine balance',
      description:
        'The client for their own participation, or an agent (or higher) of its SFD for the client. The ' +
        "amount is at least the tontine's `min_withdrawal` and at most the available balance: the " +
        'balance (ledger) minus the pending withdrawals, checked under a lock on the participant, so ' +
        'parallel requests never promise more than the balance (409 `insufficient_funds`). The request ' +
        "is `pending`: the SFD's agents get an in-app notice, the client an SMS.",
      access: 'user',
      body: requestBody,
      example: { participant_id: 12, amount: 5000 },
      problems: [404, 409],
      response: { status: 201, description: 'The pending withdrawal', schema: retraitSchema },
      handler: async ({ body, principal }) =>
        dto(await service.request(principal, { participantId: body.participant_id, amount: body.amount })),
    }),
    route({
      method: 'get',
      path: '/api/tontines/retraits',
      summary: 'Withdrawals, newest first',
      description: "A client sees their own, staff their SFD's, the platform admin every SFD's.",
      access: 'user',
      query: listQuery,
      response: { status: 200, description: 'A page of withdrawals', schema: pageSchema(retraitSchema) },
      handler: async ({ query, principal, ctx }) => {
        const page = pageOf(query);
        const { rows, count } = await reads.list(
          scopeOf(principal, query.sfd_id),
          {
            participantId: query.participant_id,
            tontineId: query.tontine_id,
            clientId: principal.role === 'client' ? undefined : query.client_id,
            status: query.status,
            from: query.date_from,
            to: query.date_to,
          },
          page,
        );
        const tontines = await reads.tontineIds(rows);
        return paginated(
          ctx,
          page,
          count,
          rows.map((r) => retraitDto(r, tontines.get(r.participantId) as number)),
        );
      },
    }),
    route({
      method: 'post',
      path: '/api/tontines/retraits/:id/valider',
      summary: 'Decide on a withdrawal: approve (and pay out) or reject',
      description:
        "An agent (or higher) of the client's own SFD (another SFD's: 404; the platform admin: 403) " +
        'decides on a `pending` withdrawal (else 409). Approve: the ledger entry is posted with the ' +
        'status change (an overdraft is refused: 409 `insufficient_funds`); `method: cash` (the agent ' +
        'hands the cash over) → `confirmee`; mobile money → `approved` and a payout to the client’s ' +
        'phone (`payment_reference`); a failed payout gives the money back and ends `rejected` ' +
        '(`payout_failed`). Reject → `rejected` with the reason. The client gets an SMS at each step; ' +
        'the decision is audited (`tontine.retrait.approve` / `.reject`).',
      access: 'agent_sfd',
      params: idParams,
      body: withdrawalDecisionBody,
      example: { decision: 'approve', method: 'cash' },
      problems: [404, 409],
      response: { status: 200, description: 'The decided withdrawal', schema: retraitSchema },
      handler: async ({ params, body, principal }) => dto(await service.decide(principal, params.id, body)),
    }),
  ];
}
