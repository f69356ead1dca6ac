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

/**
 * The ledger's refusals (ledger/service.ts LedgerError), known by name and code: http imports no module.
 * The message names ledger accounts, so it never becomes the detail.
 */
const LEDGER_PROBLEMS: Record<string, { status: number; code: string }> = {
  insufficient_funds: { status: 409, code: 'insufficient_funds' },
  key_reused: { status: 409, code: 'conflict' },
  unknown_account: { status: 409, code: 'account_unavailable' },
  // Programming errors (a caller built a bad entry): still a problem, and logged as an error.
  unbalanced: { status: 422, code: 'ledger_rejected' },
  invalid_amount: { status: 422, code: 'ledger_rejected' },
};

function ledgerProblem(err: unknown): Problem | undefined {
  const e = err as { name?: unknown; code?: unknown } | null;
  if (e?.name !== 'LedgerError' || typeof e.code !== 'string') return undefined;
  const known = LEDGER_PROBLEMS[e.code] ?? LEDGER_PROBLEMS.unbalanced;
  return new Problem(known.status, known.code);
}

/** Ledger refusals that are our bug, not the caller's: answered 422, emitted like a 5xx. */
function isLedgerBug(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | null;
  return e?.name === 'LedgerError' && LEDGER_PROBLEMS[String(e.code)]?.status !== 409;
}

/** MySQL/MariaDB ER_LOCK_WAIT_TIMEOUT (1205) and ER_LOCK_DEADLOCK (1213), raw or wrapped by TypeORM. */
const LOCK_ERRNOS = new Set([1205, 1213]);
const LOCK_RETRY_AFTER_SECONDS = 1;

function isLockConflict(err: unknown): boolean {
  const e = err as { errno?: unknown; driverError?: { errno?: unknown } } | null;
  const errno = e?.driverError?.errno ?? e?.errno;
  return typeof errno === 'number' && LOCK_ERRNOS.has(errno);
}

function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  if (err instanceof ZodError) return validationFailed(zodFieldErrors(err));
  const ledger = ledgerProblem(err);
  if (ledger) return ledger;
  // Another transaction holds the account's row (balance updates lock it): retrying soon may succeed.
  if (isLockConflict(err)) {
    return new Problem(409, 'account_locked', undefined, undefined, {
      'Retry-After': String(LOCK_RETRY_AFTER_SECONDS),
    });
  }
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
      if (problem.status >= 500 || isLedgerBug(err)) ctx.app.emit('error', err, ctx);
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
