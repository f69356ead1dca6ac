import type { Context } from 'koa';
import { principalOf, requireRole } from '../http/auth';
import { paginated, readPage } from '../http/pagination';
import { idParam, Router } from '../http/router';
import { parse } from '../http/validate';
import { createSfdBody, listSfdsQuery, updateSfdBody } from './schemas';
import { sfdDto } from './serializers';
import type { SfdsService } from './sfds-service';

export function sfdRoutes(router: Router, sfds: SfdsService): void {
  router.get('/sfds', requireRole('agent_sfd'), async (ctx: Context) => {
    const page = readPage(ctx);
    const { sfds: rows, count } = await sfds.list(principalOf(ctx), parse(listSfdsQuery, ctx.query), page);
    ctx.body = paginated(ctx, page, count, rows.map(sfdDto));
  });

  router.post('/sfds', requireRole('admin_plateforme'), async (ctx: Context) => {
    ctx.status = 201;
    ctx.body = sfdDto(await sfds.create(principalOf(ctx), parse(createSfdBody, ctx.request.body)));
  });

  router.get('/sfds/:id', requireRole('agent_sfd'), async (ctx: Context) => {
    ctx.body = sfdDto(await sfds.get(principalOf(ctx), idParam(ctx)));
  });

  router.patch('/sfds/:id', requireRole('admin_sfd'), async (ctx: Context) => {
    const body = parse(updateSfdBody, ctx.request.body);
    ctx.body = sfdDto(await sfds.update(principalOf(ctx), idParam(ctx), body));
  });

  router.post('/sfds/:id/suspend', requireRole('admin_plateforme'), async (ctx: Context) => {
    ctx.body = sfdDto(await sfds.setStatus(principalOf(ctx), idParam(ctx), 'suspended'));
  });

  router.post('/sfds/:id/reactivate', requireRole('admin_plateforme'), async (ctx: Context) => {
    ctx.body = sfdDto(await sfds.setStatus(principalOf(ctx), idParam(ctx), 'active'));
  });
}
