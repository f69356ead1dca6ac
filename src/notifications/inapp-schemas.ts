import { z } from 'zod';
import { pageQuery } from '../http/pagination';
import { safeText } from '../http/text';

/** DRF's BooleanFilter spellings, so `?lue=True` from the original clients works too. */
const booleanParam = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0']))
  .transform((v) => v === 'true' || v === '1');

/**
 * A notification's type: free (each module declares the ones it creates in its `inAppKinds`, and staff
 * may write their own), but a safe token: lowercase letters, digits and _, at most 32 (the column).
 */
const type = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, 'lowercase letters, digits and _ (max 32)')
  .meta({ example: 'kyc_pending' });

export const listNotificationsQuery = pageQuery.extend({
  lue: booleanParam
    .optional()
    .meta({ description: 'true: the read ones; false: the unread (DRF spellings)' }),
  type: type.optional(),
});
export type ListNotificationsQuery = z.infer<typeof listNotificationsQuery>;

/** `non-lues`: how many of the unread to return with the count. */
export const unreadQuery = pageQuery.pick({ page_size: true });

/** `data` is stored as JSON text: keep it a small object so a list page stays small. */
const DATA_MAX_CHARS = 2000;

export const createNotificationBody = z.object({
  user_id: z.number().int().positive(),
  type: type.default('info'),
  // Shown in the back office and the client app: one line of plain text each (see safeText).
  title: safeText(1, 200),
  message: safeText(1, 2000),
  data: z
    .record(z.string(), z.unknown())
    .nullable()
    .optional()
    .refine(
      (d) => d === null || d === undefined || JSON.stringify(d).length <= DATA_MAX_CHARS,
      `at most ${DATA_MAX_CHARS} characters of JSON`,
    ),
});
export type CreateNotificationBody = z.infer<typeof createNotificationBody>;

export const notificationSchema = z
  .object({
    id: z.number().int(),
    user_id: z.number().int(),
    type: z.string(),
    title: z.string(),
    message: z.string(),
    data: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: 'Machine-readable details, e.g. {"client_id": 12}' }),
    lue: z.boolean().meta({ description: 'Read: read_at is set' }),
    read_at: z.iso.datetime().nullable(),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'Notification' });
