import { pageOf, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import { USER_COLLECTIONS, type UserCollection } from './collections';
import { createClientBody, createStaffBody, idParams, listUsersQuery, updateUserBody } from './schemas';
import { clientRecordSchema, USER_EXAMPLE, userDto, userSchema } from './serializers';
import type { UsersService } from './users-service';

/** How the document names each collection's members. */
const LABEL: Record<string, { one: string; many: string }> = {
  clients: { one: 'a client', many: 'Clients' },
  'agents-sfd': { one: 'an SFD agent', many: 'SFD agents' },
  'superviseurs-sfd': { one: 'an SFD supervisor', many: 'SFD supervisors' },
  'administrateurs-sfd': { one: 'an SFD administrator', many: 'SFD administrators' },
  'admin-plateforme': { one: 'a platform administrator', many: 'Platform administrators' },
};

const SCOPE =
  'SFD staff reach the members of their own SFD (another SFD’s are a 404), the platform admin every ' +
  'SFD’s. A record of another collection is a 404 here.';

const CLIENTS_PAGE_EXAMPLE = {
  count: 1,
  next: null,
  previous: null,
  results: [USER_EXAMPLE],
};

/** One collection's routes; collections.ts says who may do what. */
function collectionRoutes(users: UsersService, coll: UserCollection): RouteSpec[] {
  const base = `/api/accounts/${coll.path}`;
  const label = LABEL[coll.path] ?? { one: 'a user', many: 'Users' };
  const isClients = coll.role === 'client';
  const createBody = isClients ? createClientBody : createStaffBody;
  return [
    route({
      method: 'get',
      path: base,
      summary: `${label.many}, by id`,
      description: `${SCOPE} The platform admin may filter by \`sfd_id\`.`,
      access: coll.view,
      query: listUsersQuery,
      response: {
        status: 200,
        description: `A page of ${label.many.toLowerCase()}`,
        schema: pageSchema(userSchema),
        ...(isClients ? { example: CLIENTS_PAGE_EXAMPLE } : {}),
      },
      handler: async ({ query, principal, ctx }) => {
        const page = pageOf(query);
        const { users: rows, count } = await users.list(principal, coll, query, page);
        return paginated(ctx, page, count, rows.map(userDto));
      },
    }),
    route({
      method: 'post',
      path: base,
      summary: `Create ${label.one}`,
      description: coll.sfdScoped
        ? 'SFD staff create in their own SFD whatever `sfd_id` says; the platform admin must name one.'
        : undefined,
      access: coll.create,
      body: createBody,
      response: { status: 201, description: 'The new user', schema: userSchema },
      problems: [409],
      handler: async ({ body, principal }) => userDto(await users.create(principal, coll, body)),
    }),
    isClients
      ? route({
          method: 'get',
          path: `${base}/:id`,
          summary: 'One client’s record, with the identity document number',
          description: `${SCOPE} \`id_number\` is decrypted for the SFD’s staff; each read that reveals it is audited (\`user.id_number_read\`).`,
          access: coll.view,
          params: idParams,
          response: { status: 200, description: 'The client', schema: clientRecordSchema },
          handler: async ({ params, principal }) => {
            const { user, idNumber } = await users.clientRecord(principal, coll, params.id);
            return { ...userDto(user), id_number: idNumber };
          },
        })
      : route({
          method: 'get',
          path: `${base}/:id`,
          summary: `One of the ${label.many.toLowerCase()}`,
          description: SCOPE,
          access: coll.view,
          params: idParams,
          response: { status: 200, description: 'The user', schema: userSchema },
          handler: async ({ params, principal }) => userDto(await users.get(principal, coll, params.id)),
        }),
    route({
      method: 'patch',
      path: `${base}/:id`,
      summary: `Update ${label.one}`,
      description:
        `${SCOPE} A role change moves the record to another staff collection the caller manages ` +
        '(400 naming `role` otherwise).' +
        (isClients ? ' `kyc_status` is no longer the way to decide: see `valider-kyc`.' : ''),
      access: coll.update,
      params: idParams,
      body: updateUserBody,
      response: { status: 200, description: 'The updated user', schema: userSchema },
      problems: [409],
      handler: async ({ params, body, principal }) =>
        userDto(await users.update(principal, coll, params.id, body)),
    }),
    route({
      method: 'post',
      path: `${base}/:id/suspend`,
      summary: `Suspend ${label.one}: no more sign-in, every session revoked`,
      description: `${SCOPE} Not oneself (400); already suspended: 409.`,
      access: coll.suspend,
      params: idParams,
      response: { status: 200, description: 'The suspended user', schema: userSchema },
      problems: [400, 409],
      handler: async ({ params, principal }) =>
        userDto(await users.setStatus(principal, coll, params.id, 'suspended')),
    }),
    route({
      method: 'post',
      path: `${base}/:id/reactivate`,
      summary: `Reactivate ${label.one}`,
      description: `${SCOPE} Not oneself (400); already active: 409.`,
      access: coll.suspend,
      params: idParams,
      response: { status: 200, description: 'The active user', schema: userSchema },
      problems: [400, 409],
      handler: async ({ params, principal }) =>
        userDto(await users.setStatus(principal, coll, params.id, 'active')),
    }),
  ];
}

/** The five user collections share one set of routes. */
export function userRoutes(users: UsersService): RouteSpec[] {
  return USER_COLLECTIONS.flatMap((coll) => collectionRoutes(users, coll));
}
