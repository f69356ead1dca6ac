import { execFile } from 'node:child_process';
import { join } from 'node:path';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { apiDocument, documentedPath } from '../../src/http/openapi';
import { mountRoutes, type RouteSpec } from '../../src/http/route';
import Router from '@koa/router';
import { startTestApp, type TestApp } from '../helpers/app';

/**
 * The API document (GET /api/schema) against what the app really registers: every Koa route the app
 * mounts is an operation of the document (the typed routes, and every router mounted on the app), every operation says what it answers and who may call it, the document is valid
 * OpenAPI 3.1, and /docs works offline.
 */

interface Operation {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  security?: Record<string, string[]>[];
  responses: Record<string, { description: string; content?: Record<string, { schema?: unknown }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
}

/** The methods an OpenAPI path item can hold. */
const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** One route Koa answers: a method (or `all`, from `router.all`), a path, and who mounted it. */
interface Mounted {
  method: string;
  path: string;
  by: string;
}

/**
 * The routes on a @koa/router Router, from its stack: each layer's methods and path. A layer's path
 * already carries the router's prefix (and a nested router's mount path); it is added here only if it
 * does not. Middleware layers (`router.use`, no methods) answer nothing themselves and are skipped, as
 * is the HEAD that @koa/router adds to every GET.
 */
function mountedRoutes(router: Router, by: string): Mounted[] {
  const prefix = router.opts.prefix ?? '';
  return router.stack.flatMap((layer) => {
    if (layer.methods.length === 0) return [];
    const raw = typeof layer.path === 'string' ? layer.path : `regexp ${String(layer.path)}`;
    const path = prefix && !raw.startsWith(prefix) ? `${prefix}${raw}` : raw;
    const methods = new Set(layer.methods.map((m) => m.toLowerCase()));
    if (OPERATION_METHODS.every((m) => methods.has(m))) return [{ method: 'all', path, by }];
    if (methods.has('get')) methods.delete('head');
    return [...methods].map((method) => ({ method, path, by }));
  });
}

const describeRoute = (r: Mounted) => `${r.method.toUpperCase()} ${documentedPath(r.path)} (${r.by})`;

/**
 * The mounted routes the document does not describe, one line each. A `router.all` route is covered
 * if its path has any operation (a typed route names its methods).
 */
function undocumented(doc: Document, mounted: Mounted[]): string[] {
  return mounted
    .filter((r) => {
      const item = doc.paths[documentedPath(r.path)];
      if (!item) return true;
      return r.method === 'all' ? !OPERATION_METHODS.some((m) => item[m]) : !item[r.method];
    })
    .map(describeRoute);
}

function expectAllDocumented(doc: Document, mounted: Mounted[]): void {
  const missing = undocumented(doc, mounted);
  if (missing.length > 0) {
    throw new Error(
      `${missing.length} mounted route(s) missing from GET /api/schema:\n  ${missing.join('\n  ')}`,
    );
  }
}

/** The security an operation must declare for its route's `access` (route.ts). */
function expectedSecurity(spec: RouteSpec): Record<string, string[]>[] {
  if (spec.access === 'public') return [];
  if (spec.access === 'callback') {
    return spec.callback && spec.callback !== 'none' ? [{ [spec.callback]: [] }] : [];
  }
  return [{ bearerAuth: [] }];
}

const isJson = (type: string) => /^application\/(?:[\w.-]+\+)?json$/.test(type);

/** What is wrong with an operation's success answer ('' if nothing). */
function successProblems(op: Operation): string[] {
  const success = Object.keys(op.responses).filter((status) => /^2\d\d$/.test(status));
  if (success.length === 0) return ['no 2xx response'];
  return success.flatMap((status) => {
    const { content } = op.responses[status];
    if (status === '204') return content ? ['204 with a body'] : [];
    if (!content || Object.keys(content).length === 0) return [`${status} without content`];
    return Object.entries(content).flatMap(([type, media]) => {
      const schema = media.schema as Record<string, unknown> | undefined;
      if (!schema || typeof schema !== 'object') return [`${status} ${type} without a schema`];
      if (isJson(type) && Object.keys(schema).length === 0) return [`${status} ${type} with an empty schema`];
      return [];
    });
  });
}

/** The operations whose security does not match their route's `access`, one line each. */
function securityProblems(doc: Document, routes: RouteSpec[]): string[] {
  const schemes = doc.components?.securitySchemes ?? {};
  const wrong: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const name = `${method.toUpperCase()} ${path}`;
      const spec = routes.find((r) => documentedPath(r.path) === path && r.method === method);
      if (!spec) {
        wrong.push(`${name}: no typed route declares it`);
        continue;
      }
      if (spec.access === 'callback' && !spec.callback) {
        wrong.push(`${name}: a callback that does not name its scheme (callback: ...)`);
      }
      const expected = expectedSecurity(spec);
      if (JSON.stringify(op.security) !== JSON.stringify(expected)) {
        wrong.push(`${name} (${spec.access}): ${JSON.stringify(op.security)} ≠ ${JSON.stringify(expected)}`);
      }
      for (const requirement of op.security ?? []) {
        for (const scheme of Object.keys(requirement)) {
          if (!schemes[scheme]) wrong.push(`${name}: unknown security scheme ${scheme}`);
        }
      }
    }
  }
  return wrong;
}

/**
 * @seriousme/openapi-schema-validator is an ES module, which Jest's CommonJS runtime cannot load:
 * it runs in a plain Node process, given the document on stdin.
 */
function validateOpenApi(doc: unknown): Promise<{ valid: boolean; errors?: unknown }> {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const v = new Validator();
    const result = await v.validate(JSON.parse(input));
    process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors }));
  `;
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: join(__dirname, '..', '..'), maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`validator failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as { valid: boolean; errors?: unknown });
      },
    );
    child.stdin?.end(JSON.stringify(doc));
  });
}

let t: TestApp;
let built: ReturnType<typeof createApp>;
let request: ReturnType<typeof supertest>;
let doc: Document;

beforeAll(async () => {
  t = await startTestApp();
  // One app whose routers, route list and document are all read from the same build.
  built = createApp(t.deps);
  request = supertest(built.app.callback());
  const res = await request.get('/api/schema/');
  expect(res.status).toBe(200);
  doc = res.body as Document;
});
afterAll(async () => {
  for (const m of built?.modules.all ?? []) await m.close?.();
  await t?.close();
});

/** The typed routes as Koa registers them: mounted the way app.ts mounts them. */
function typedRoutes(): Mounted[] {
  const router = mountRoutes(built.routes, {
    authenticator: built.modules.accounts.tokens,
    bodyLimit: '1mb',
    checkResponses: false,
  });
  return mountedRoutes(router, 'typed route');
}

/**
 * Every route of every router the app itself mounts (app.middleware: @koa/router's `routes()`
 * middleware carries its router), whoever declared it: what a client can reach.
 */
function appRoutes(): Mounted[] {
  return built.app.middleware.flatMap((mw, i) => {
    const router = (mw as { router?: Router }).router;
    return router ? mountedRoutes(router, `app router #${i + 1}`) : [];
  });
}

describe('GET /api/schema covers every mounted route', () => {
  it('documents every typed route, as Koa registers it', () => {
    const mounted = typedRoutes();
    expect(mounted.length).toBe(built.routes.length);
    expectAllDocumented(doc, mounted);
  });

  // Whatever else mounts a router on the app must document each of its routes, or this test lists
  // the missing ones.
  it('documents every route of every router the app mounts', () => {
    const mounted = appRoutes();
    expect(mounted.length).toBeGreaterThanOrEqual(built.routes.length);
    expectAllDocumented(doc, mounted);
  });

  it('documents nothing the app does not mount', () => {
    const mounted = [...typedRoutes(), ...appRoutes()];
    const ghosts = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => OPERATION_METHODS.includes(m))
        .filter(
          (m) =>
            !mounted.some((r) => documentedPath(r.path) === path && (r.method === m || r.method === 'all')),
        )
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(ghosts).toEqual([]);
  });

  it('reports a route the document leaves out (the check can fail)', () => {
    const [left, ...kept] = built.routes;
    const partial = apiDocument([{ tag: 'test', routes: kept }], {
      version: '0',
      serverUrl: 'http://127.0.0.1',
    }) as unknown as Document;
    const mounted = typedRoutes();
    expect(undocumented(partial, mounted)).toEqual([
      `${left.method.toUpperCase()} ${documentedPath(left.path)} (typed route)`,
    ]);
    expect(() => expectAllDocumented(partial, mounted)).toThrow(
      `1 mounted route(s) missing from GET /api/schema:\n  ${left.method.toUpperCase()} ${documentedPath(left.path)}`,
    );
    expect(undocumented(doc, mounted)).toEqual([]);

    // A legacy router's routes, a prefix, a nested router, a middleware layer, HEAD and router.all.
    const outer = new Router({ prefix: '/api/things' });
    const inner = new Router();
    inner.use((_ctx, next) => next());
    inner.get('/:id', () => undefined);
    outer.post('/', () => undefined);
    outer.all('/hook', () => undefined);
    outer.use(inner.routes());
    const things = mountedRoutes(outer, 'things');
    expect(things).toEqual([
      { method: 'post', path: '/api/things', by: 'things' },
      { method: 'all', path: '/api/things/hook', by: 'things' },
      { method: 'get', path: '/api/things/:id', by: 'things' },
    ]);
    expect(undocumented(doc, things)).toEqual([
      'POST /api/things/ (things)',
      'ALL /api/things/hook/ (things)',
      'GET /api/things/{id}/ (things)',
    ]);
  });
});

describe('each operation of GET /api/schema', () => {
  it('has a schema for its success answer', () => {
    const wrong = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).flatMap(([method, op]) =>
        successProblems(op).map((p) => `${method.toUpperCase()} ${path}: ${p}`),
      ),
    );
    expect(wrong).toEqual([]);
  });

  it('declares the security its access needs: bearerAuth signed in, none public, its scheme for a callback', () => {
    expect(doc.components?.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(securityProblems(doc, built.routes)).toEqual([]);
  });

  it('has its own operationId and declares each parameter of its path', () => {
    const ids = new Map<string, string[]>();
    const wrong: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (!op.operationId) wrong.push(`${name}: no operationId`);
        else ids.set(op.operationId, [...(ids.get(op.operationId) ?? []), name]);
        const declared = (op.parameters ?? []).filter((p) => p.in === 'path' && p.required);
        for (const [, param] of path.matchAll(/\{(\w+)\}/g)) {
          if (!declared.some((p) => p.name === param))
            wrong.push(`${name}: path parameter ${param} undeclared`);
        }
      }
    }
    for (const [id, names] of ids) if (names.length > 1) wrong.push(`operationId ${id}: ${names.join(', ')}`);
    expect(wrong).toEqual([]);
  });

  it('reports a missing success schema or a wrong security (the checks can fail)', () => {
    expect(successProblems({ responses: { '200': { description: 'ok' } } })).toEqual(['200 without content']);
    expect(
      successProblems({ responses: { '201': { description: 'ok', content: { 'application/json': {} } } } }),
    ).toEqual(['201 application/json without a schema']);
    expect(successProblems({ responses: { '400': { description: 'no' } } })).toEqual(['no 2xx response']);

    const signedIn = built.routes.find((r) => !['public', 'callback'].includes(r.access));
    const callback = built.routes.find((r) => r.access === 'callback');
    if (!signedIn || !callback) throw new Error('expected a signed-in route and a callback');
    const altered = structuredClone(doc);
    altered.paths[documentedPath(signedIn.path)][signedIn.method].security = [];
    altered.paths[documentedPath(callback.path)][callback.method].security = [{ bearerAuth: [] }];
    delete altered.components?.securitySchemes?.bearerAuth;
    const problems = securityProblems(altered, built.routes);
    expect(problems).toEqual(
      expect.arrayContaining([
        `${signedIn.method.toUpperCase()} ${documentedPath(signedIn.path)} (${signedIn.access}): [] ≠ [{"bearerAuth":[]}]`,
        `${callback.method.toUpperCase()} ${documentedPath(callback.path)} (callback): [{"bearerAuth":[]}] ≠ ${JSON.stringify(expectedSecurity(callback))}`,
        expect.stringMatching(/: unknown security scheme bearerAuth$/),
      ]),
    );
  });
});

describe('the document', () => {
  it('is valid OpenAPI 3.1', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const result = await validateOpenApi(doc);
    if (!result.valid) console.error(JSON.stringify(result.errors, null, 2));
    expect(result).toEqual({ valid: true });
    // The validator does refuse a broken document (no info.title, a response without description).
    const broken = structuredClone(doc) as Document & { info: Record<string, unknown> };
    delete broken.info.title;
    const [anyPath] = Object.keys(broken.paths);
    const [anyMethod] = Object.keys(broken.paths[anyPath]);
    for (const response of Object.values(broken.paths[anyPath][anyMethod].responses)) {
      delete (response as { description?: string }).description;
    }
    expect(await validateOpenApi(broken)).toMatchObject({ valid: false, errors: expect.any(Array) });
  });

  it('is what createApp(...).document() builds', () => {
    expect(doc).toEqual(JSON.parse(JSON.stringify(built.document())));
  });
});

describe('/docs', () => {
  const CONTENT_TYPES: Record<string, RegExp> = {
    css: /^text\/css/,
    js: /^(?:application|text)\/javascript/,
    png: /^image\/png$/,
  };

  it('serves Swagger UI whose every asset is local and answers with its content type', async () => {
    const page = await request.get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('id="swagger-ui"');
    // No URL to another host (a CDN): the branches are offline half the time.
    expect(page.text.match(/\b(?:https?:)?\/\/[^\s"'<>]+/g) ?? []).toEqual([]);

    const assets = [...page.text.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(expect.arrayContaining(['/docs/swagger-ui-bundle.js', '/docs/init.js']));
    for (const asset of assets) {
      expect(asset).toMatch(/^\/docs\//);
      const res = await request.get(asset);
      const ext = asset.split('.').pop() ?? '';
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
      expect(CONTENT_TYPES[ext]).toBeDefined();
      expect({ asset, type: res.headers['content-type'] }).toEqual({
        asset,
        type: expect.stringMatching(CONTENT_TYPES[ext]),
      });
      expect(Number(res.headers['content-length'] ?? (res.body as Buffer).length)).toBeGreaterThan(100);
    }
  });

  it('starts Swagger UI on this document, with no online validator badge (an image from swagger.io)', async () => {
    const init = await request.get('/docs/init.js');
    expect(init.status).toBe(200);
    expect(init.text).toContain("url: '/api/schema'");
    expect(init.text.match(/\bhttps?:\/\//g) ?? []).toEqual([]);
    // Swagger UI's default validatorUrl is https://validator.swagger.io: off, or every visit from a
    // host other than localhost would fetch (and be refused by the CSP) an image from the Internet.
    expect(init.text).toMatch(/validatorUrl: null/);
  });

  it('answers 404 for a file Swagger UI does not ship', async () => {
    expect((await request.get('/docs/package.json')).status).toBe(404);
    expect((await request.get('/docs/..%2Fpackage.json')).status).toBe(404);
  });
});
