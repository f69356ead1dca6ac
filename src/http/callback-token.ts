import type { Context } from 'koa';
import { safeEqual } from '../infra/crypto';

/**
 * Provider callbacks (Africa's Talking) carry no signature: when a token is configured, a callback must
 * carry it. Whether it does: the expected token (query `token`, or header `X-Callback-Token`),
 * compared in constant time; always true when no token is configured.
 */
export function carriesCallbackToken(ctx: Context, expected: string | undefined): boolean {
  if (!expected) return true;
  const given = (typeof ctx.query.token === 'string' ? ctx.query.token : '') || ctx.get('X-Callback-Token');
  return safeEqual(given, expected);
}
