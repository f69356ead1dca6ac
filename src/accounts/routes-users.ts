import type { Context } from 'koa';
import { principalOf, requireRole } from '../http/auth';
import { paginated, readPage } from '../http/pagination';
import { idParam, Router } from '../http/router';
import { parse } from '../http/validate';
import { USER_COLLECTIONS } from './collections';
import { createClientBody, createStaffBody, listUsersQuery, updateUserBody } from './schemas';
import { userDto } from './serializers';
import type { UsersService } from './users-service';

/** The five user collections share one set of routes; collections.ts says who may do what. */
export function userRoutes(router: Router, users: UsersService): void {
  for (const coll of USER_COLLECTIONS) {
    const base = `/${coll.path}`;
    const createBody = coll.role === 'client' ? createClientBody : createStaffBody;

    router.get(base, requireRole(coll.view), async (ctx: Context) => {
      const page = readPage(ctx);
      const { users: rows, count } = await users.list(
        principalOf(ctx),
        coll,
        parse(listUsersQuery, ctx.query),
        page,
      );
      ctx.body = paginated(ctx, page, count, rows.map(userDto));
    });

    router.post(base, requireRole(coll.create), async (ctx: Context) => {
      const user = await users.create(principalOf(ctx), coll, parse(createBody, ctx.request.body));
      ctx.status = 201;
      ctx.body = userDto(user);
    });

    router.get(`${base}/:id`, requireRole(coll.view), async (ctx: Context) => {
      ctx.body = userDto(await users.get(principalOf(ctx), coll, idParam(ctx)));
    });

    router.patch(`${base}/:id`, requireRole(coll.update), async (ctx: Context) => {
      const body = parse(updateUserBody, ctx.request.body);
      ctx.body = userDto(await users.update(principalOf(ctx), coll, idParam(ctx), body));
    });

    router.post(`${base}/:id/suspend`, requireRole(coll.suspend), async (ctx: Context) => {
      ctx.body = userDto(await users.setStatus(principalOf(ctx), coll, idParam(ctx), 'suspended'));
    });

    router.post(`${base}/:id/reactivate`, requireRole(coll.suspend), async (ctx: Context) => {
      ctx.body = userDto(await users.setStatus(principalOf(ctx), coll, idParam(ctx), 'active'));
    });
  }
}
