import { z } from 'zod';
import { idParams } from '../http/validate';
import { pageOf, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import type { InAppNotifications } from './inapp';
import type { Notification } from './inapp-entities';
import {
  createNotificationBody,
  listNotificationsQuery,
  notificationSchema,
  unreadQuery,
} from './inapp-schemas';

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
 * The original platform's `titre`/`utilisateur`/`date_creation` are `title`/`user_id`/`created_at`;
 * its `canal` is gone (this table is the in-app channel only; SMS have their own outbox).
 */
export const notificationDto = (n: Notification): z.input<typeof notificationSchema> => ({
  id: n.id,
  user_id: n.userId,
  type: n.type,
  title: n.title,
  message: n.message,
  data: n.data === null ? null : (JSON.parse(n.data) as Record<string, unknown>),
  lue: n.readAt !== null,
  read_at: n.readAt?.toISOString() ?? null,
  created_at: n.createdAt.toISOString(),
});

const example = {
  id: 42,
  user_id: 12,
  type: 'info',
  title: 'Réunion',
  message: 'Assemblée des membres samedi à 9 h.',
  data: { room: 2 },
  lue: false,
  read_at: null,
  created_at: '2025-03-03T09:00:00.000Z',
};

/**
 * The routes, fixed paths before `/:id` (a router runs the first matching route, and `non-lues` must
 * never be read as an id; the id schema would make it a 404).
 */
export function inAppRoutes(service: InAppNotifications): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/notifications',
      summary: 'My notifications, newest first',
      access: 'user',
      query: listNotificationsQuery,
      response: {
        status: 200,
        description: 'A page of notifications',
        schema: pageSchema(notificationSchema),
      },
      handler: async ({ query, principal, ctx }) => {
        const page = pageOf(query);
        const { rows, count } = await service.list(principal, query, page);
        return paginated(ctx, page, count, rows.map(notificationDto));
      },
    }),
    route({
      method: 'post',
      path: '/api/notifications',
      summary: 'Notify a user',
      description:
        'Staff notify the users of their own SFD, the platform admin anyone. A recipient out of ' +
        'reach is answered like a missing one: 400 `{ "user_id": ["unknown user"] }`.',
      access: 'agent_sfd', // the lowest staff rank: any staff; clients 403 before their body is read
      body: createNotificationBody,
      example: { user_id: 12, title: 'Réunion', message: 'Assemblée des membres samedi à 9 h.' },
      response: { status: 201, description: 'The notification', schema: notificationSchema, example },
      handler: async ({ body, principal }) => notificationDto(await service.create(principal, body)),
    }),
    route({
      method: 'get',
      path: '/api/notifications/non-lues',
      summary: 'My unread notifications: how many, and the newest of them',
      access: 'user',
      query: unreadQuery,
      response: {
        status: 200,
        description: 'The unread count and at most page_size of the newest unread',
        schema: z.object({ count: z.number().int(), results: z.array(notificationSchema) }),
      },
      handler: async ({ query, principal }) => {
        const { rows, count } = await service.unread(principal, query.page_size);
        return { count, results: rows.map(notificationDto) };
      },
    }),
    route({
      method: 'post',
      path: '/api/notifications/marquer-toutes-lues',
      summary: 'Mark all my notifications read',
      access: 'user',
      response: {
        status: 200,
        description: 'How many were unread',
        schema: z.object({ updated: z.number().int() }),
        example: { updated: 3 },
      },
      handler: async ({ principal }) => ({ updated: await service.markAllRead(principal) }),
    }),
    route({
      method: 'get',
      path: '/api/notifications/:id',
      summary: 'One of my notifications',
      access: 'user',
      params: idParams,
      response: { status: 200, description: 'The notification', schema: notificationSchema, example },
      handler: async ({ params, principal }) => notificationDto(await service.get(principal, params.id)),
    }),
    route({
      method: 'post',
      path: '/api/notifications/:id/marquer-lue',
      summary: 'Mark one of my notifications read',
      description: 'Idempotent: one already read keeps its first `read_at`.',
      access: 'user',
      params: idParams,
      response: { status: 200, description: 'The notification', schema: notificationSchema, example },
      handler: async ({ params, principal }) => notificationDto(await service.markRead(principal, params.id)),
    }),
  ];
}
