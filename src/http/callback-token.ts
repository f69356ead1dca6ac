import type { Context, Next } from 'koa';
import { safeEqual } from '../infra/crypto';
import { forbidden } from './errors';

/**
 * Provider callbacks (Africa's Talking) carry no signature: when a token is configured, a callback must
 * carry it (query `token`, or header `X-Callback-Token`), or it is refused with 403.
 */
export function callbackToken(expected: string | undefined) {
  return async function callbackToken(ctx: Context, next: Next) {
    if (expected) {
      const given =
        (typeof ctx.query.token === 'string' ? ctx.query.token : '') || ctx.get('X-Callback-Token');
      if (!safeEqual(given, expected)) throw forbidden();
    }
    await next();
  };
}
