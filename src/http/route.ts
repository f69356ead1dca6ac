import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware, Next } from 'koa';
import type { z } from 'zod';
import { authenticate, principalOf, type Authenticator, type Principal } from './auth';
import { forbidden, notFound } from './errors';
import { hasRank, type Role } from './roles';
import Router from '@koa/router';
import { parse } from './validate';

/**
 * Typed routes: one declaration per endpoint registers the Koa route and feeds the OpenAPI document
 * (openapi.ts), from the same zod schemas, so the document cannot drift from what the code accepts.
 *
 * Who may call it (`access`):
 * - `public`: no token (login, sign-up, the docs);
 * - `callback`: a provider's callback, authenticated by the handler with its own secret (a token in
 *   the URL or a header; see `callback`), never by a user's token;
 * - `user`: any signed-in user; `client`: signed-in clients only (staff 403);
 * - a staff role: signed in with at least that rank (roles.ts).
 */
export type Access = 'public' | 'callback' | 'user' | 'client' | Exclude<Role, 'client'>;

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** How a callback proves who sends it: the scheme named in the document (openapi.ts). */
export type CallbackAuth = 'callbackToken' | 'kkiapaySecret' | 'none';

type ZodObj = z.ZodType<Record<string, unknown>>;

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The caller; routes with `access: 'public' | 'callback'` have none and must not read it. */
  principal: Principal;
  ctx: Context;
}

export interface RouteSpec<
  P extends ZodObj | undefined = ZodObj | undefined,
  Q extends ZodObj | undefined = ZodObj | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  R extends z.ZodType | undefined = z.ZodType | undefined,
> {
  method: Method;
  /** Koa's syntax (`/api/accounts/sfds/:id`), without the trailing slash (stripped before routing). */
  path: string;
  summary: string;
  description?: string;
  /** The document's group; defaults to the module's name (see `routesOf`). */
  tag?: string;
  access: Access;
  /** For `access: 'callback'`: the secret it checks, for the document. */
  callback?: CallbackAuth;
  /** Path parameters; required when the path has any. A path that does not parse is a 404. */
  params?: P;
  query?: Q;
  body?: B;
  /**
   * `json-or-form` (default: what the original platform's clients send), `json`, `form`, or `own`: the handler reads the body itself (a
   * callback that answers 200 to a malformed body); `body` then only documents it.
   */
  bodyType?: 'json' | 'form' | 'json-or-form' | 'own';
  /** With `bodyType: 'own'`: the content type the document names for `body` (e.g. `multipart/form-data`). */
  bodyMediaType?: string;
  response: {
    status: 200 | 201 | 202 | 204;
    description: string;
    /** The answer's schema; absent only with status 204. */
    schema?: R;
    /** Default application/json. */
    type?: string;
    example?: unknown;
    /**
     * Other content types the handler may answer instead (it sets `ctx.type`, e.g. for `?format=csv`),
     * documented beside the main one; such an answer is checked against its own schema.
     */
    alternatives?: { type: string; schema: z.ZodType; example?: unknown }[];
  };
  /** Example request body for the document. */
  example?: unknown;
  /** Problems beyond the ones the declaration implies (400 for input, 401/403 for access, 404 for params). */
  problems?: number[];
  /** The USSD hop: mounted ahead of the API's middleware (app.ts), see createUssd. */
  lane?: boolean;
  handler(
    input: RouteInput<
      P extends z.ZodType ? z.output<P> : Record<string, never>,
      Q extends z.ZodType ? z.output<Q> : Record<string, never>,
      B extends z.ZodType ? (B extends undefined ? undefined : z.output<B>) : undefined
    >,
  ): Promise<R extends z.ZodType ? z.input<R> : void> | (R extends z.ZodType ? z.input<R> : void);
}

/** Declares a route; the identity function that gives the handler its types. */
export function route<
  P extends ZodObj | undefined = undefined,
  Q extends ZodObj | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<P, Q, B, R>): RouteSpec {
  return spec as unknown as RouteSpec;
}

export interface MountOptions {
  authenticator: Authenticator;
  bodyLimit: string;
  /**
   * Check every answer against its declared schema (tests and development): an answer that does not
   * match is a bug in the declaration or the handler, and fails loudly instead of documenting a lie.
   */
  checkResponses: boolean;
}

const EMPTY = Object.freeze({}) as Record<string, never>;

function authorize(access: Exclude<Access, 'public' | 'callback'>): Middleware {
  return async function authorize(ctx: Context, next: Next) {
    const { role } = principalOf(ctx);
    const allowed = access === 'user' || (access === 'client' ? role === 'client' : hasRank(role, access));
    if (!allowed) throw forbidden();
    await next();
  };
}

/** Registers `routes` on a new router: authenticate → authorize → parse → handler. */
export function mountRoutes(routes: RouteSpec[], options: MountOptions): Router {
  const router = new Router();
  const auth = authenticate(options.authenticator);
  const parsers = {
    json: bodyParser({ enableTypes: ['json'], jsonLimit: options.bodyLimit, encoding: 'utf-8' }),
    form: bodyParser({ enableTypes: ['form'], formLimit: options.bodyLimit, encoding: 'utf-8' }),
    'json-or-form': bodyParser({
      enableTypes: ['json', 'form'],
      jsonLimit: options.bodyLimit,
      formLimit: options.bodyLimit,
      encoding: 'utf-8',
    }),
  };
  for (const spec of routes) {
    if (pathParams(spec.path).length > 0 && !spec.params) {
      throw new Error(`route ${spec.method.toUpperCase()} ${spec.path}: its path parameters need a schema`);
    }
    const chain: Middleware[] = [];
    if (spec.access !== 'public' && spec.access !== 'callback') chain.push(auth, authorize(spec.access));
    const bodyType = spec.bodyType ?? 'json-or-form';
    if (spec.method !== 'get' && bodyType !== 'own') chain.push(parsers[bodyType]);
    chain.push(handle(spec, options.checkResponses));
    router[spec.method](spec.path, ...chain);
  }
  return router;
}

function handle(spec: RouteSpec, checkResponses: boolean): Middleware {
  const readsBody = spec.body && spec.bodyType !== 'own';
  return async function routeHandler(ctx: Context) {
    const params = spec.params
      ? spec.params.safeParse((ctx as Context & { params?: unknown }).params)
      : { success: true as const, data: EMPTY };
    if (!params.success) throw notFound(); // an id that cannot name a record is like a missing one
    const input = {
      params: params.data,
      query: spec.query ? parse(spec.query, ctx.query) : EMPTY,
      body: readsBody ? parse(spec.body as z.ZodType, ctx.request.body) : undefined,
      principal: ctx.state.principal as Principal,
      ctx,
    };
    // The declared status and type, set first: a handler may still choose others (a readiness check's 503).
    ctx.status = spec.response.status;
    if (spec.response.type) ctx.type = spec.response.type;
    const result: unknown = await spec.handler(input as never);
    const status = ctx.status;
    if (status === 204) return;
    const alternative = spec.response.alternatives?.find((a) => a.type === ctx.type);
    const schema = alternative ? alternative.schema : spec.response.type ? undefined : spec.response.schema;
    if (checkResponses && schema) {
      const checked = schema.safeParse(result);
      if (!checked.success) {
        throw new Error(
          `${spec.method.toUpperCase()} ${spec.path} answered outside its schema: ${checked.error.message}`,
        );
      }
    }
    ctx.body = result;
    ctx.status = status;
  };
}

/** `/api/x/:id/y/:code` → ['id', 'code']. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_]\w*)/g)].map((m) => m[1]);
}
