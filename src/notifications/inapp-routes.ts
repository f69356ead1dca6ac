import type { Context } from 'koa';
import type { Deps } from '../deps';
import { authenticate, principalOf, requireRole, type Authenticator } from '../http/auth';
import { paginated, pageQuery, readPage } from '../http/pagination';
import { idParam, Router } from '../http/router';
import { parse } from '../http/validate';
import type { Notification } from './inapp-entities';
import { InAppNotifications } from './inapp';
import { createNotificationBody, listNotificationsQuery } from './inapp-schemas';

/**
 * In-app notifications, for every role; each caller only ever sees their own.
 *
 *   GET  /api/notifications/                     list, newest first: DRF page {count,next,previous,results};
 *                                                ?lue=true|false, ?type=kyc_pending, ?page=, ?page_size=
 *   GET  /api/notifications/{id}/                one (someone else's: 404)
 *   POST /api/notifications/                     { user_id, title, message, type?="info", data?: object }
 *                                                → 201; staff to users of their SFD, admin_plateforme to
 *                                                anyone, clients 403; a recipient out of reach is a 400
 *                                                { user_id: ["unknown user"] }, like a missing one
 *   POST /api/notifications/{id}/marquer-lue/    → 200 the record; already read: unchanged; not yours: 404
 *   POST /api/notifications/marquer-toutes-lues/ → 200 { "updated": n }
 *   GET  /api/notifications/non-lues/            → { count: total unread, results: newest unread, at most
 *                                                ?page_size= (default 20, max 100) }
 *
 * A notification: { id, user_id, type, title, message, data (object|null), lue (boolean: read_at set),
 * read_at (ISO|null), created_at (ISO) }. The original platform's `titre`/`utilisateur`/`date_creation`
 * are `title`/`user_id`/`created_at`; its `canal` is gone (this table is the in-app channel only; SMS
 * have their own outbox).
 */
export const notificationDto = (n: Notification) => ({
  id: n.id,
  user_id: n.userId,
  type: n.type,
  title: n.title,
  message: n.message,
  data: n.data === null ? null : (JSON.parse(n.data) as unknown),
  lue: n.readAt !== null,
  read_at: n.readAt?.toISOString() ?? null,
  created_at: n.createdAt.toISOString(),
});

export function createInAppNotifications(deps: Pick<Deps, 'db' | 'clock'>, authenticator: Authenticator) {
  const service = new InAppNotifications(deps);
  const router = new Router({ prefix: '/api/notifications' });
  router.use(authenticate(authenticator));

  router.get('/', async (ctx: Context) => {
    const page = readPage(ctx);
    const { rows, count } = await service.list(
      principalOf(ctx),
      parse(listNotificationsQuery, ctx.query),
      page,
    );
    ctx.body = paginated(ctx, page, count, rows.map(notificationDto));
  });

  // Any staff role (the rank below is the lowest staff one); clients get 403 before their body is read.
  router.post('/', requireRole('agent_sfd'), async (ctx: Context) => {
    const body = parse(createNotificationBody, ctx.request.body);
    ctx.status = 201;
    ctx.body = notificationDto(await service.create(principalOf(ctx), body));
  });

  // The fixed paths before `/:id`, so `non-lues` is never read as an id.
  router.get('/non-lues', async (ctx: Context) => {
    const { page_size } = parse(pageQuery, ctx.query);
    const { rows, count } = await service.unread(principalOf(ctx), page_size);
    ctx.body = { count, results: rows.map(notificationDto) };
  });

  router.post('/marquer-toutes-lues', async (ctx: Context) => {
    ctx.body = { updated: await service.markAllRead(principalOf(ctx)) };
  });

  router.get('/:id', async (ctx: Context) => {
    ctx.body = notificationDto(await service.get(principalOf(ctx), idParam(ctx)));
  });

  router.post('/:id/marquer-lue', async (ctx: Context) => {
    ctx.body = notificationDto(await service.markRead(principalOf(ctx), idParam(ctx)));
  });

  return { router, service };
}
