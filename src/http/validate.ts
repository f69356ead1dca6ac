import { z } from 'zod';
import { validationFailed, zodFieldErrors } from './errors';

/** Parses with a zod schema; failures become a 400 problem naming each field. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw validationFailed(zodFieldErrors(result.error));
  return result.data;
}

/** A record's id in a path or a filter: a positive INT (anything else cannot name a record). */
export const recordId = z.coerce.number().int().positive().max(2_147_483_647);

/** The `:id` path parameter of every `/…/:id` route. */
export const idParams = z.object({ id: recordId });
