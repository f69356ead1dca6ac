import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../infra/logger';

const VALID_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Request id (kept from X-Request-Id when sane), a child logger, and one access-log line per request. */
export function requestContext(logger: Logger) {
  return async function requestContext(ctx: Context, next: Next) {
    const incoming = ctx.get('X-Request-Id');
    const requestId = VALID_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ request_id: requestId });
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      (ctx.state.log as Logger).info(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    }
  };
}

/** Trailing slash optional everywhere: `/api/accounts/me/` and `/api/accounts/me` are one route. */
export function stripTrailingSlash() {
  return async function stripTrailingSlash(ctx: Context, next: Next) {
    if (ctx.path.length > 1 && ctx.path.endsWith('/')) ctx.path = ctx.path.replace(/\/+$/, '') || '/';
    await next();
  };
}
