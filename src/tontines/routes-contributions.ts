import { z } from 'zod';
import { phoneSchema } from '../accounts/phone';
import type { Principal } from '../http/auth';
import { forbidden, validationFailed } from '../http/errors';
import { pageOf, pageQuery, pageSchema, paginated } from '../http/pagination';
import { hasRank } from '../http/roles';
import { route, type RouteSpec } from '../http/route';
import { scopedSfdFilter, withinScope } from '../http/scope';
import { paymentDto, paymentSchema } from '../payments/schemas';
import { MAX_DAYS, MIN_DAYS } from './carnet';
import type { ContributionReads, ReadScope } from './contribution-reads';
import type { ContributionsService } from './contributions';
import type { Cotisation } from './entities';

const id = z.coerce.number().int().positive().max(2_147_483_647);
const idParams = z.object({ id });
const localDate = z.iso.date();
const sfdIdFilter = id.optional().meta({ description: 'Platform admin only' });

const cotiserBody = z.object({
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

const cotisationSchema = z
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

const cotisationDto = (c: Cotisation): z.input<typeof cotisationSchema> => ({
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

const pendingContribution = z
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

const listQuery = pageQuery.extend({
  tontine_id: id.optional(),
  client_id: id.optional().meta({ description: 'Staff only' }),
  participant_id: id.optional(),
  status: z.enum(['pending', 'confirmee', 'rejetee']).optional(),
  date_from: localDate.optional().meta({ description: "First day, in the SFD's time zone" }),
  date_to: localDate.optional().meta({ description: "Last day (included), in the SFD's time zone" }),
  sfd_id: sfdIdFilter,
});

const carnetsQuery = pageQuery.extend({ participant_id: id });

const carnetSchema = z
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

const soldesQuery = pageQuery.extend({
  tontine_id: id.optional(),
  client_id: id.optional().meta({ description: 'Staff only' }),
  sfd_id: sfdIdFilter,
});

const soldeSchema = z
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

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,100}$/;

function scopeOf(principal: Principal, sfdId?: number): ReadScope {
  if (principal.role === 'client') return { clientId: principal.userId };
  return { sfdId: scopedSfdFilter(principal, sfdId) };
}

/** Contributions: paying boxes (mobile money or cash), the list, the carnets, the balances. */
export function contributionRoutes(service: ContributionsService, reads: ContributionReads): RouteSpec[] {
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
      handler: async ({ params, body, principal, ctx }) => {
        const participant = withinScope(principal, await reads.participant(params.id), (p) => p.clientId);
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
      },
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
