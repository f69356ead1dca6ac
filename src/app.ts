import cors from '@koa/cors';
import Koa from 'koa';
import helmet from 'koa-helmet';
import type { Deps } from './deps';
import { docsRoutes } from './http/docs';
import { problemHandler } from './http/errors';
import { healthRoutes } from './http/health';
import { publicBaseUrl } from './http/pagination';
import { requestContext, stripTrailingSlash } from './http/request-context';
import { mountRoutes, type RouteSpec } from './http/route';
import { apiDocument, type DocumentedRoutes } from './http/openapi';
import { buildModules } from './modules';

/** Builds the Koa app from already-open dependencies (tests call this directly). */
export function createApp(deps: Deps) {
  const { config, logger } = deps;
  const app = new Koa({ proxy: config.TRUST_PROXY });
  const modules = buildModules(deps);

  // Every declared route, by the module that declares it, and the plumbing's own (health, docs).
  // The document is built at its first request, from the same declarations.
  let document: ReturnType<typeof apiDocument> | undefined;
  const groups: DocumentedRoutes[] = [
    { tag: 'platform', routes: [...healthRoutes(deps), ...docsRoutes(() => (document ??= documentOf()))] },
    ...modules.all.map((m) => ({ tag: m.name, routes: m.routes })),
  ];
  const documentOf = () =>
    apiDocument(groups, {
      version: process.env.npm_package_version ?? '0.1.0',
      serverUrl: config.PUBLIC_BASE_URL,
    });
  const routes: RouteSpec[] = groups.flatMap((g) => g.routes);
  const mount = {
    authenticator: modules.accounts.tokens,
    bodyLimit: config.BODY_LIMIT,
    checkResponses: config.NODE_ENV === 'test', // a lying schema fails the tests, never a user
  };
  const lane = mountRoutes(
    routes.filter((r) => r.lane),
    mount,
  );
  const api = mountRoutes(
    routes.filter((r) => !r.lane),
    mount,
  );

  app.on('error', (err: unknown, ctx?: Koa.Context) => {
    const log = (ctx?.state.log as typeof logger | undefined) ?? logger;
    log.error({ err }, 'unhandled error');
  });

  app.use(lane.routes()); // the USSD hop's own short chain: see createUssd
  app.use(requestContext(logger));
  app.use(publicBaseUrl(config.PUBLIC_BASE_URL)); // for the page links, never the Host header
  app.use(problemHandler());
  // No upgrade-insecure-requests: a branch opens the embedded gateway over plain HTTP on its LAN
  // address, where the browser would upgrade the pages' own scripts to an HTTPS nobody serves.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.use(
    cors({
      origin: (ctx) => {
        const origin = ctx.get('Origin');
        return config.CORS_ORIGINS.includes('*') || config.CORS_ORIGINS.includes(origin) ? origin : '';
      },
      allowMethods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
      exposeHeaders: ['X-Request-Id', 'Retry-After'],
    }),
  );
  app.use(stripTrailingSlash());
  // Each typed route parses its own body (route.ts): a callback that must answer 200 to a malformed
  // body reads it itself.
  app.use(api.routes());
  app.use(api.allowedMethods());

  return { app, modules, routes, document: () => (document ??= documentOf()) };
}
