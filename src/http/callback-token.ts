import type { Context, Next } from 'koa';
import { safeEqual } from '../infra/crypto';
import { forbidden } from './errors';

/**
 * Whether a provider callback carries the expected token (query `token`, or header `X-Callback-Token`),
 * compared in constant time; always true when no token is configured.
 */
export function carriesCallbackToken(ctx: Context, expected: string | undefined): boolean {
  if (!expected) return true;
  const given = (typeof ctx.query.token === 'string' ? ctx.query.token : '') || ctx.get('X-Callback-Token');
  return safeEqual(given, expected);
}

/**
 * Provider callbacks (Africa's Talking) carry no signature: when a token is configured, a callback must
 * carry it, or it is refused with 403. (POST /ussd checks it itself: it answers an END, never an HTTP
 * error, see src/ussd/module.ts.)
 */
export function callbackToken(expected: string | undefined) {
  return async function callbackToken(ctx: Context, next: Next) {
    if (!carriesCallbackToken(ctx, expected)) throw forbidden();
    await next();
  };
}
