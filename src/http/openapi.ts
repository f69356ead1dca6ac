import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import type { RouteSpec } from './route';

/** The RFC 7807 body every error answers with (errors.ts). */
export const problemSchema = z
  .object({
    type: z.string().meta({ example: 'https://tontiflex.app/problems/validation' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    request_id: z.string().optional(),
    errors: z.record(z.string(), z.array(z.string())).optional(),
  })
  .meta({ id: 'Problem' });

const PROBLEM_TEXT: Record<number, string> = {
  400: 'Invalid input (field errors in `errors`)',
  401: 'No valid access token',
  403: 'The role may not do this',
  404: 'No such record in the caller’s reach',
  409: 'The record’s state does not allow it',
  413: 'Body too large',
  429: 'Too many requests (Retry-After)',
  503: 'A dependency does not answer; retry later',
};

/**
 * The documented path: Koa's `:id` becomes `{id}`, and the API's paths end with a slash, as the original
 * platform's (Django REST Framework) do; the app answers both forms.
 */
export function documentedPath(path: string): string {
  const templated = path.replace(/:([A-Za-z_]\w*)/g, '{$1}');
  return templated.startsWith('/api/') && !templated.endsWith('/') ? `${templated}/` : templated;
}

function security(spec: RouteSpec): ZodOpenApiOperationObject['security'] {
  if (spec.access === 'public') return [];
  if (spec.access === 'callback') {
    const scheme = spec.callback ?? 'none';
    return scheme === 'none' ? [] : [{ [scheme]: [] }];
  }
  return [{ bearerAuth: [] }];
}

function whoMayCall(spec: RouteSpec): string {
  switch (spec.access) {
    case 'public':
      return 'Anyone (no token).';
    case 'callback':
      return 'A provider callback, authenticated by its own secret.';
    case 'user':
      return 'Any signed-in user.';
    case 'client':
      return 'Clients only.';
    default:
      return `Staff with at least the role \`${spec.access}\` (platform admin: every SFD).`;
  }
}

function problems(spec: RouteSpec): number[] {
  const implied = new Set<number>(spec.problems ?? []);
  if (spec.query || (spec.body && spec.bodyType !== 'own')) implied.add(400);
  if (spec.access !== 'public' && spec.access !== 'callback') implied.add(401);
  if (spec.access !== 'public' && spec.access !== 'callback' && spec.access !== 'user') implied.add(403);
  if (spec.params) implied.add(404);
  return [...implied].sort();
}

function operation(spec: RouteSpec, tag: string): ZodOpenApiOperationObject {
  const { response } = spec;
  const type = response.type ?? 'application/json';
  const bodyType =
    spec.bodyType === 'own' && spec.bodyMediaType
      ? [spec.bodyMediaType]
      : spec.bodyType === 'form'
        ? ['application/x-www-form-urlencoded']
        : spec.bodyType === 'json'
          ? ['application/json']
          : ['application/json', 'application/x-www-form-urlencoded'];
  return {
    operationId: `${spec.method}${documentedPath(spec.path)
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((w) => w[0].toUpperCase() + w.slice(1))
      .join('')}`,
    summary: spec.summary,
    description: [spec.description, whoMayCall(spec)].filter(Boolean).join('\n\n'),
    tags: [spec.tag ?? tag],
    security: security(spec),
    requestParams: {
      ...(spec.params ? { path: spec.params as never } : {}),
      ...(spec.query ? { query: spec.query as never } : {}),
    },
    requestBody: spec.body
      ? {
          required: true,
          content: Object.fromEntries(
            bodyType.map((t) => [
              t,
              { schema: spec.body, ...(spec.example ? { example: spec.example } : {}) },
            ]),
          ),
        }
      : undefined,
    responses: {
      [String(response.status)]: {
        description: response.description,
        content: response.schema
          ? {
              [type]: {
                schema: response.schema,
                ...(response.example !== undefined ? { example: response.example } : {}),
              },
              ...Object.fromEntries(
                (response.alternatives ?? []).map((a) => [
                  a.type,
                  { schema: a.schema, ...(a.example !== undefined ? { example: a.example } : {}) },
                ]),
              ),
            }
          : undefined,
      },
      ...Object.fromEntries(
        problems(spec).map((status) => [
          String(status),
          {
            description: PROBLEM_TEXT[status] ?? 'Problem',
            content: { 'application/problem+json': { schema: problemSchema } },
          },
        ]),
      ),
    },
  };
}

export interface DocumentedRoutes {
  /** The module (or plumbing) that declares them: the document's tag. */
  tag: string;
  routes: RouteSpec[];
}

/** The OpenAPI 3.1 document of every declared route. */
export function apiDocument(groups: DocumentedRoutes[], info: { version: string; serverUrl: string }) {
  const paths: ZodOpenApiPathsObject = {};
  for (const { tag, routes } of groups) {
    for (const spec of routes) {
      const path = documentedPath(spec.path);
      (paths[path] ??= {})[spec.method] = operation(spec, tag);
    }
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'TontiFlex API',
      version: info.version,
      description:
        'Back office, payments and provider callbacks of the TontiFlex gateway. Errors are RFC 7807 ' +
        '`application/problem+json`; lists are `{count, next, previous, results}` pages (`?page=`, ' +
        '`?page_size=` up to 100); money is an integer number of XOF.',
    },
    servers: [{ url: info.serverUrl }],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The `access` token from POST /api/accounts/login/ (15 minutes).',
        },
        callbackToken: {
          type: 'apiKey',
          in: 'query',
          name: 'token',
          description:
            'Africa’s Talking callbacks: the token configured in the callback URL (or X-Callback-Token).',
        },
        kkiapaySecret: {
          type: 'apiKey',
          in: 'header',
          name: 'x-kkiapay-secret',
          description: 'KKiaPay’s webhook secret.',
        },
      },
    },
    paths,
  });
}
