import { pageOf, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import { createSfdBody, idParams, listSfdsQuery, updateSfdBody } from './schemas';
import { sfdDto, sfdSchema } from './serializers';
import type { SfdsService } from './sfds-service';

const SCOPE = 'SFD staff reach their own SFD only (another is a 404); the platform admin all of them.';

export function sfdRoutes(sfds: SfdsService): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/accounts/sfds',
      summary: 'SFDs, by id',
      description: SCOPE,
      access: 'agent_sfd',
      query: listSfdsQuery,
      response: { status: 200, description: 'A page of SFDs', schema: pageSchema(sfdSchema) },
      handler: async ({ query, principal, ctx }) => {
        const page = pageOf(query);
        const { sfds: rows, count } = await sfds.list(principal, query, page);
        return paginated(ctx, page, count, rows.map(sfdDto));
      },
    }),
    route({
      method: 'post',
      path: '/api/accounts/sfds',
      summary: 'Create an SFD, with its ledger accounts',
      access: 'admin_plateforme',
      body: createSfdBody,
      example: { name: 'FECECAM Benin', code: 'FECECAM', city: 'Cotonou', phone: '+2290121300000' },
      response: { status: 201, description: 'The new SFD', schema: sfdSchema },
      problems: [409],
      handler: async ({ body, principal }) => sfdDto(await sfds.create(principal, body)),
    }),
    route({
      method: 'get',
      path: '/api/accounts/sfds/:id',
      summary: 'One SFD',
      description: SCOPE,
      access: 'agent_sfd',
      params: idParams,
      response: { status: 200, description: 'The SFD', schema: sfdSchema },
      handler: async ({ params, principal }) => sfdDto(await sfds.get(principal, params.id)),
    }),
    route({
      method: 'patch',
      path: '/api/accounts/sfds/:id',
      summary: 'Update an SFD (its code never changes)',
      description: `${SCOPE} An SFD administrator updates their own SFD.`,
      access: 'admin_sfd',
      params: idParams,
      body: updateSfdBody,
      response: { status: 200, description: 'The updated SFD', schema: sfdSchema },
      handler: async ({ params, body, principal }) => sfdDto(await sfds.update(principal, params.id, body)),
    }),
    route({
      method: 'post',
      path: '/api/accounts/sfds/:id/suspend',
      summary: 'Suspend an SFD: its staff and clients can no longer sign in',
      access: 'admin_plateforme',
      params: idParams,
      response: { status: 200, description: 'The suspended SFD', schema: sfdSchema },
      problems: [409],
      handler: async ({ params, principal }) =>
        sfdDto(await sfds.setStatus(principal, params.id, 'suspended')),
    }),
    route({
      method: 'post',
      path: '/api/accounts/sfds/:id/reactivate',
      summary: 'Reactivate an SFD',
      access: 'admin_plateforme',
      params: idParams,
      response: { status: 200, description: 'The active SFD', schema: sfdSchema },
      problems: [409],
      handler: async ({ params, principal }) => sfdDto(await sfds.setStatus(principal, params.id, 'active')),
    }),
  ];
}
