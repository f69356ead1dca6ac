import type { Context } from 'koa';
import { z } from 'zod';
import { idParams } from '../http/validate';
import type { Principal } from '../http/auth';
import { forbidden, validationFailed } from '../http/errors';
import { pageOf, pageSchema, paginated } from '../http/pagination';
import { hasRank } from '../http/roles';
import { route, type RouteSpec } from '../http/route';
import { scopedSfdFilter, withinScope } from '../http/scope';
import { paymentDto } from '../payments/schemas';
import type { ContributionReads, ReadScope } from './contribution-reads';
import type { ContributionsService } from './contributions';
import {
  cotiserBody,
  cotisationBody,
  type CotiserBody,
  cotisationSchema,
  cotisationDto,
  pendingContribution,
  listQuery,
  carnetsQuery,
  carnetSchema,
  soldesQuery,
  soldeSchema,
  IDEMPOTENCY_KEY,
} from './contribution-schemas';

function scopeOf(principal: Principal, sfdId?: number): ReadScope {
  if (principal.role === 'client') return { clientId: principal.userId };
  return { sfdId: scopedSfdFilter(principal, sfdId) };
}

/** Contributions: paying boxes (mobile money or cash), the list, the carnets, the balances. */
export function contributionRoutes(service: ContributionsService, reads: ContributionReads): RouteSpec[] {
  /** POST …/participants/:id/cotiser and POST /api/tontines/cotisations: one handler for both. */
  async function cotiser(participantId: number, body: CotiserBody, principal: Principal, ctx: Context) {
    const participant = withinScope(principal, await reads.participant(participantId), (p) => p.clientId);
    if (body.method === 'cash') {
      // Cash is taken by the SFD's own staff: not by the client, not by the platform admin.
      if (!hasRank(principal.role, 'agent_sfd') || principal.sfdId !== participant.sfdId) {
        throw forbidden();
      }
      const key = ctx.get('Idempotency-Key');
      if (!key) throw validationFailed({ 'Idempotency-Key': ['required'] });
      if (!IDEMPOTENCY_KEY.test(key)) throw validationFailed({ 'Idempotency-Key': ['invalid'] });
      const { cotisation, replayed } = await service.recordCash({
        participantId: participant.id,
        days: body.days,
        agent: principal,
        idempotencyKey: key,
      });
      if (replayed) ctx.set('Idempotent-Replayed', 'true');
      return cotisationDto(cotisation);
    }
    const { allocation, payment } = await service.startMobileMoney({
      participantId: participant.id,
      days: body.days,
      phone: body.phone,
      initiatedBy: principal.userId,
    });
    return {
      method: 'mobile_money' as const,
      status: 'pending' as const,
      participant_id: participant.id,
      days: body.days,
      amount: allocation.amount,
      commission: allocation.commission,
      payment: paymentDto(payment),
    };
  }

  return [
    route({
      method: 'post',
      path: '/api/tontines/participants/:id/cotiser',
      summary: 'Pay boxes of the carnet',
      description:
        "Mobile money (`method: mobile_money`): the client, or staff of the participant's SFD, starts a " +
        "payment of days × stake pushed to the client's phone; the contribution is recorded when the " +
        'payment succeeds, and the client gets an SMS receipt. Cash (`method: cash`): a field agent (or ' +
        "higher) of the participant's SFD records the cash they took, with an `Idempotency-Key` header: " +
        'the same key again answers the first result and never counts twice. The client gets an SMS ' +
        'receipt naming the agent, with a code to dispute it.',
      access: 'user',
      params: idParams,
      body: cotiserBody,
      example: { days: 3, method: 'cash' },
      problems: [404, 409, 502, 503],
      response: {
        status: 201,
        description: 'The confirmed contribution (cash), or the pending payment (mobile money)',
        schema: z.union([cotisationSchema, pendingContribution]),
      },
      handler: ({ params, body, principal, ctx }) => cotiser(params.id, body, principal, ctx),
    }),
    route({
      method: 'get',
      path: '/api/tontines/cotisations',
      summary: 'Contributions, newest first',
      description: "A client sees their own, staff their SFD's, the platform admin every SFD's.",
      access: 'user',
      query: listQuery,
      response: { status: 200, description: 'A page of contributions', schema: pageSchema(cotisationSchema) },
      handler: async ({ query, principal, ctx }) => {
        const page = pageOf(query);
        const { rows, count } = await reads.list(
          scopeOf(principal, query.sfd_id),
          {
            tontineId: query.tontine_id,
            clientId: principal.role === 'client' ? undefined : query.client_id,
            participantId: query.participant_id,
            status: query.status,
            from: query.date_from,
            to: query.date_to,
          },
          page,
        );
        return paginated(ctx, page, count, rows.map(cotisationDto));
      },
    }),
    route({
      method: 'post',
      path: '/api/tontines/cotisations',
      summary: 'Pay boxes of the carnet (participant in the body)',
      description:
        'The same as `POST /api/tontines/participants/{id}/cotiser/`, with `participant_id` in the body: ' +
        "mobile money pushed to the client's phone (the client, or staff of the SFD), or cash recorded by " +
        "a field agent (or higher) of the participant's SFD with an `Idempotency-Key` header.",
      access: 'user',
      body: cotisationBody,
      example: { participant_id: 812, days: 3, method: 'cash' },
      problems: [404, 409, 502, 503],
      response: {
        status: 201,
        description: 'The confirmed contribution (cash), or the pending payment (mobile money)',
        schema: z.union([cotisationSchema, pendingContribution]),
      },
      handler: ({ body, principal, ctx }) => cotiser(body.participant_id, body, principal, ctx),
    }),
    route({
      method: 'get',
      path: '/api/tontines/carnets-cotisation',
      summary: "A participant's carnets, box by box",
      description:
        'Newest cycle first; each carnet lists its 31 boxes with the local date each was paid (null: not ' +
        'yet) and whether it is the commission box (box 1).',
      access: 'user',
      query: carnetsQuery,
      problems: [404],
      response: { status: 200, description: 'A page of carnets', schema: pageSchema(carnetSchema) },
      handler: async ({ query, principal, ctx }) => {
        const participant = withinScope(
          principal,
          await reads.participant(query.participant_id),
          (p) => p.clientId,
        );
        const page = pageOf(query);
        const { rows, count } = await reads.carnets(participant, page);
        return paginated(
          ctx,
          page,
          count,
          rows.map(({ carnet, boxes }) => ({
            id: carnet.id,
            participant_id: carnet.participantId,
            cycle: carnet.cycle,
            stake: carnet.stake,
            started_on: carnet.startedOn,
            boxes_paid: carnet.boxesPaid,
            completed_at: carnet.completedAt?.toISOString() ?? null,
            boxes: boxes.map((b) => ({
              box: b.box,
              paid_on: b.paidOn,
              commission: b.commission,
              cotisation_id: b.cotisationId,
            })),
          })),
        );
      },
    }),
    route({
      method: 'get',
      path: '/api/tontines/soldes',
      summary: 'Tontine balances',
      description:
        "Each participation's balance, read from its ledger account, with its current carnet. A client " +
        "sees their own, staff their SFD's.",
      access: 'user',
      query: soldesQuery,
      response: { status: 200, description: 'A page of balances', schema: pageSchema(soldeSchema) },
      handler: async ({ query, principal, ctx }) => {
        const page = pageOf(query);
        const { rows, count } = await reads.soldes(
          scopeOf(principal, query.sfd_id),
          {
            tontineId: query.tontine_id,
            clientId: principal.role === 'client' ? undefined : query.client_id,
          },
          page,
        );
        return paginated(
          ctx,
          page,
          count,
          rows.map(({ participant, balance, carnet }) => ({
            participant_id: participant.id,
            tontine_id: participant.tontineId,
            client_id: participant.clientId,
            sfd_id: participant.sfdId,
            balance,
            stake: participant.stake,
            cycle: carnet?.cycle ?? 1,
            boxes_paid: carnet?.boxesPaid ?? 0,
          })),
        );
      },
    }),
  ];
}
