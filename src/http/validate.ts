import type { z } from 'zod';
import { validationFailed, zodFieldErrors } from './errors';

/** Parses with a zod schema; failures become a 400 problem naming each field. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw validationFailed(zodFieldErrors(result.error));
  return result.data;
}
