import { bodyParser } from '@koa/bodyparser';
import cors from '@koa/cors';
import Koa from 'koa';
import helmet from 'koa-helmet';
import { createAccounts } from './accounts/module';
import type { Deps } from './deps';
import { problemHandler } from './http/errors';
import { healthRoutes } from './http/health';
import { publicBaseUrl } from './http/pagination';
import { requestContext, stripTrailingSlash } from './http/request-context';
import { createUssd } from './ussd/module';
import { simulatorRoutes } from './ussd/simulator-routes';
import { ledgerRouter } from './ledger/routes';
import { createPayments } from './payments/module';
import { createInAppNotifications } from './notifications/inapp-routes';
import { createSmsCallbacks } from './notifications/sms-routes';

/** Builds the Koa app from already-open dependencies (tests call this directly). */
export function createApp(deps: Deps) {
  const { config, logger } = deps;
  const app = new Koa({ proxy: config.TRUST_PROXY });
  const accounts = createAccounts(deps);
  const ussd = createUssd(deps, accounts.clients);
  const payments = createPayments(deps, accounts.tokens);

  app.on('error', (err: unknown, ctx?: Koa.Context) => {
    const log = (ctx?.state.log as typeof logger | undefined) ?? logger;
    log.error({ err }, 'unhandled error');
  });

  app.use(ussd.lane.routes()); // the USSD hop's own short chain: see createUssd
  app.use(requestContext(logger));
  app.use(publicBaseUrl(config.PUBLIC_BASE_URL)); // for the page links, never the Host header
  app.use(problemHandler());
  app.use(helmet());
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
  // Africa's Talking's USSD end-of-session and SMS callbacks read their own body (a malformed one is
  // answered 200, not 400/413), so they come before the API's parser.
  app.use(ussd.router.routes());
  app.use(createSmsCallbacks(deps, ussd.clients).router.routes());
  app.use(
    bodyParser({
      enableTypes: ['json', 'form'],
      jsonLimit: config.BODY_LIMIT,
      formLimit: config.BODY_LIMIT,
      encoding: 'utf-8',
    }),
  );

  const health = healthRoutes(deps);
  app.use(health.routes());
  app.use(simulatorRoutes(deps).routes()); // the web phone, and in demo mode the SMS it received
  app.use(accounts.router.routes());
  app.use(ledgerRouter(deps, accounts.tokens).routes());
  app.use(payments.router.routes());
  app.use(payments.payPage.routes());
  app.use(createInAppNotifications(deps, accounts.tokens).router.routes());
  app.use(accounts.router.allowedMethods());

  return { app, accounts, ussd, payments };
}
