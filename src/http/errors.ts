import type { Context, Next } from 'koa';
import { ZodError } from 'zod';
import { pickLanguage, t } from '../infra/i18n';

export type FieldErrors = Record<string, string[]>;

/**
 * An error meant for the client: becomes an RFC 7807 problem. `code` is a key of locales/xx/errors.json
 * and the last segment of the stable `type` URI.
 */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail?: string,
    readonly errors?: FieldErrors,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? code);
  }
}

export const badRequest = (detail?: string) => new Problem(400, 'bad_request', detail);
export const validationFailed = (errors: FieldErrors) => new Problem(400, 'validation', undefined, errors);
export const unauthorized = (code = 'unauthorized', detail?: string) => new Problem(401, code, detail);
export const forbidden = (code = 'forbidden', detail?: string) => new Problem(403, code, detail);
export const notFound = () => new Problem(404, 'not_found');
export const conflict = (detail?: string, errors?: FieldErrors) =>
  new Problem(409, 'conflict', detail, errors);
export const duplicate = (field: string) =>
  new Problem(409, 'duplicate', `${field} already in use`, { [field]: ['unique'] });
export const tooManyRequests = (retryAfterSeconds: number) =>
  new Problem(429, 'too_many_requests', undefined, undefined, {
    'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
  });

export function zodFieldErrors(err: ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of err.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'non_field_errors';
    (errors[field] ??= []).push(issue.message);
  }
  return errors;
}

/** What Koa's own middleware (body parser, ...) throws: an http-errors object with a status. */
function statusOf(err: unknown): number | undefined {
  const s =
    (err as { status?: unknown; statusCode?: unknown })?.status ??
    (err as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' && s >= 400 && s < 600 ? s : undefined;
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  501: 'not_implemented',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'unavailable',
};

function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  if (err instanceof ZodError) return validationFailed(zodFieldErrors(err));
  const status = statusOf(err);
  if (status && status < 500 && (err as { expose?: boolean }).expose !== false) {
    return new Problem(status, CODE_BY_STATUS[status] ?? 'bad_request', (err as Error).message);
  }
  // A dependency that does not answer (e.g. a payment provider): 503, the client may retry.
  if ((err as Error)?.name === 'ProviderUnavailable') return new Problem(503, 'unavailable');
  // Anything else is our fault: nothing about it leaves the process.
  return new Problem(status === 503 ? 503 : 500, status === 503 ? 'unavailable' : 'internal');
}

/** The one place where errors become responses. 5xx are emitted on the app for logging. */
export function problemHandler() {
  return async function problemHandler(ctx: Context, next: Next) {
    try {
      await next();
      // Nobody answered (404), or the router answered 405/501 with only an Allow header.
      if (ctx.body === undefined && [404, 405, 501].includes(ctx.status)) {
        throw new Problem(ctx.status, CODE_BY_STATUS[ctx.status] ?? 'not_found');
      }
    } catch (err) {
      const problem = toProblem(err);
      if (problem.status >= 500) ctx.app.emit('error', err, ctx);
      const tr = t(pickLanguage(ctx.get('Accept-Language')), 'errors');
      const errors = problem.errors
        ? Object.fromEntries(
            Object.entries(problem.errors).map(([k, msgs]) => [
              k,
              msgs.map((m) => (/^[a-z_]+$/.test(m) ? tr(`field.${m}`, { defaultValue: m }) : m)),
            ]),
          )
        : undefined;
      ctx.status = problem.status;
      ctx.set(problem.headers);
      ctx.type = 'application/problem+json';
      ctx.body = {
        type: `https://tontiflex.app/problems/${problem.code.replace(/_/g, '-')}`,
        title: tr(problem.code),
        status: problem.status,
        detail: problem.status >= 500 ? tr(problem.code) : (problem.detail ?? tr(problem.code)),
        instance: ctx.path,
        request_id: ctx.state.requestId as string | undefined,
        ...(errors ? { errors } : {}),
      };
    }
  };
}
