import { pageOf, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import {
  createTontineBody,
  idParams,
  listParticipantsQuery,
  listTontinesQuery,
  updateTontineBody,
} from './schemas';
import {
  PARTICIPANT_EXAMPLE,
  TONTINE_EXAMPLE,
  participantDto,
  participantSchema,
  tontineDto,
  tontineSchema,
} from './serializers';
import type { TontinesService } from './tontines-service';

/** GET/POST /api/tontines: no path parameter, so they may come anywhere in the list. */
export function tontineCollectionRoutes(tontines: TontinesService): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/tontines',
      summary: 'Tontines',
      description:
        "Staff see their SFD's tontines (the platform admin every SFD's, or `sfd_id`'s), filtered by " +
        '`status`; a client sees the active tontines of their SFD (the ones they may join).',
      access: 'user',
      query: listTontinesQuery,
      response: { status: 200, description: 'A page of tontines', schema: pageSchema(tontineSchema) },
      handler: async ({ query, principal, ctx }) => {
        const page = pageOf(query);
        const { rows, count } = await tontines.list(principal, query, page);
        return paginated(ctx, page, count, rows.map(tontineDto));
      },
    }),
    route({
      method: 'post',
      path: '/api/tontines',
      summary: 'Create a tontine',
      description:
        'An SFD admin creates one for their own SFD; the platform admin names the SFD (`sfd_id`, ' +
        'required). It starts `active`. Audited (`tontine.create`).',
      access: 'admin_sfd',
      body: createTontineBody,
      example: {
        name: TONTINE_EXAMPLE.name,
        stake_min: 200,
        stake_max: 5000,
        joining_fee: 1000,
        min_withdrawal: 500,
        withdrawal_notice_days: 0,
      },
      response: {
        status: 201,
        description: 'The new tontine',
        schema: tontineSchema,
        example: TONTINE_EXAMPLE,
      },
      handler: async ({ body, principal }) => tontineDto(await tontines.create(principal, body)),
    }),
  ];
}

/**
 * The routes under /api/tontines/:id. Mounted after every literal path of the module
 * (/api/tontines/adhesions, /api/tontines/participants…), which `:id` would otherwise catch.
 */
export function tontineItemRoutes(tontines: TontinesService): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/tontines/:id',
      summary: 'One tontine',
      description: "Its SFD's staff and clients (the platform admin: any); any other SFD's is a 404.",
      access: 'user',
      params: idParams,
      response: { status: 200, description: 'The tontine', schema: tontineSchema, example: TONTINE_EXAMPLE },
      handler: async ({ params, principal }) => tontineDto(await tontines.visible(principal, params.id)),
    }),
    route({
      method: 'patch',
      path: '/api/tontines/:id',
      summary: 'Change a tontine',
      description:
        'An SFD admin changes their SFD’s tontine: name, status (active, fermee, suspendue), stake ' +
        'bounds (for new adhesions; a participant keeps their stake), joining fee, withdrawal rules. ' +
        'Audited with before and after (`tontine.update`).',
      access: 'admin_sfd',
      params: idParams,
      body: updateTontineBody,
      example: { status: 'suspendue' },
      response: { status: 200, description: 'The updated tontine', schema: tontineSchema },
      handler: async ({ params, body, principal }) =>
        tontineDto(await tontines.update(principal, params.id, body)),
    }),
    route({
      method: 'get',
      path: '/api/tontines/:id/participants',
      summary: "A tontine's participants",
      description: "For its SFD's staff (agent or higher), filtered by `status`.",
      access: 'agent_sfd',
      params: idParams,
      query: listParticipantsQuery,
      response: {
        status: 200,
        description: 'A page of participants',
        schema: pageSchema(participantSchema),
        example: { count: 1, next: null, previous: null, results: [PARTICIPANT_EXAMPLE] },
      },
      handler: async ({ params, query, principal, ctx }) => {
        const page = pageOf(query);
        const { rows, count } = await tontines.participants(principal, params.id, query.status, page);
        return paginated(ctx, page, count, rows.map(participantDto));
      },
    }),
  ];
}
