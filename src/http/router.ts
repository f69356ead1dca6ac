import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { notFound } from './errors';

export { Router };

const idSchema = z.coerce.number().int().positive().max(2_147_483_647);

/** A path id that is not a positive integer cannot name a record: 404, like a missing one. */
export function idParam(ctx: Context & { params?: Record<string, string> }, name = 'id'): number {
  const parsed = idSchema.safeParse(ctx.params?.[name]);
  if (!parsed.success) throw notFound();
  return parsed.data;
}
