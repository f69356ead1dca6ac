import type { Context } from 'koa';
import { z } from 'zod';
import { parse } from './validate';

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

export function readPage(ctx: Context): Page {
  const { page, page_size } = parse(pageQuery, ctx.query);
  return { page, pageSize: page_size, skip: (page - 1) * page_size, take: page_size };
}

function pageUrl(ctx: Context, page: number): string {
  const url = new URL(ctx.href);
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
