import type { Context, Next } from 'koa';
import { z } from 'zod';

export const pageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
});

export interface Page {
  page: number;
  pageSize: number;
  skip: number;
  take: number;
}

/**
 * Puts PUBLIC_BASE_URL (no trailing slash) where the page links find it. The links are never built
 * from the request's Host or X-Forwarded-Host: whoever sends the request chooses those, and a link
 * to their host in our answer (or in a cache that keeps it) sends the next page's token-bearing
 * request to them.
 */
export function publicBaseUrl(base: string) {
  return async function publicBaseUrl(ctx: Context, next: Next) {
    ctx.state.publicBaseUrl = base;
    await next();
  };
}

function pageUrl(ctx: Context, page: number): string {
  const base = ctx.state.publicBaseUrl as string | undefined;
  if (!base) throw new Error('pagination: publicBaseUrl middleware not mounted');
  // Concatenated, not resolved: a path like `//evil.example/x` stays a path under our base.
  const url = new URL(base + ctx.path + ctx.search);
  url.searchParams.set('page', String(page));
  return url.toString();
}

/** Django REST Framework's list shape, so the original platform's clients keep working. */
export function paginated<T>(ctx: Context, page: Page, count: number, results: T[]) {
  return {
    count,
    next: page.skip + results.length < count ? pageUrl(ctx, page.page + 1) : null,
    previous: page.page > 1 ? pageUrl(ctx, page.page - 1) : null,
    results,
  };
}

/** The Page of a query parsed with a schema that extends `pageQuery`. */
export function pageOf(query: { page: number; page_size: number }): Page {
  const { page, page_size } = query;
  return { page, pageSize: page_size, skip: (page - 1) * page_size, take: page_size };
}

/** The documented shape of `paginated`'s answer. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    count: z.number().int(),
    next: z.string().nullable(),
    previous: z.string().nullable(),
    results: z.array(item),
  });
}
