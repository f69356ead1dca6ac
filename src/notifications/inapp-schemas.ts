import { z } from 'zod';
import { safeText } from '../http/text';

/** DRF's BooleanFilter spellings, so `?lue=True` from the original clients works too. */
const booleanParam = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0']))
  .transform((v) => v === 'true' || v === '1');

const type = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'lowercase letters, digits and _ (max 32)');

export const listNotificationsQuery = z.object({
  lue: booleanParam.optional(),
  type: type.optional(),
});
export type ListNotificationsQuery = z.infer<typeof listNotificationsQuery>;

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
