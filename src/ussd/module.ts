import coBody from 'co-body';
import type { Context, Next } from 'koa';
import { parse as parseQueryString } from 'node:querystring';
import { buildFlows } from '../../menus';
import { CALLER_TTL_S, callerKey } from '../accounts/caller-cache';
import { ClientSelfService } from '../accounts/client-self-service';
import type { PinGuard } from '../accounts/pin-guard';
import { normalizePhone } from '../accounts/phone';
import type { Deps } from '../deps';
import { problemHandler } from '../http/errors';
import { callbackToken } from '../http/callback-token';
import { Router } from '../http/router';
import { uniqueViolationField } from '../infra/db-errors';
import { t } from '../infra/i18n';
import { UssdEngine } from './engine';
import { UssdSessionLog } from './entities';
import { foldToGsm7 } from './gsm7';
import { menuServices } from './menu-services';
import { eventBody, hopBody } from './schemas';
import { sessionKey, type SessionRecord } from './session';

/**
 * normalizePhone (libphonenumber with full metadata) costs about 7 µs, on the first hop of every
 * session, for numbers that dial again and again: the answers are kept (a pure function). Bounded:
 * 50,000 numbers take about 6 MB, and the map starts over when full.
 */
function phoneNormalizer(limit = 50_000) {
  const known = new Map<string, string>();
  return (phoneNumber: string): string => {
    let phone = known.get(phoneNumber);
    if (phone === undefined) {
      phone = normalizePhone(phoneNumber) ?? phoneNumber;
      if (known.size >= limit) known.clear();
      known.set(phoneNumber, phone);
    }
    return phone;
  };
}

/**
 * Africa's Talking's form: read by co-body (length limit, charset, its 400/413 errors) and split by
 * node's querystring. The API's parser hands forms to qs, whose nested keys and dotted paths serve
 * nothing in five flat fields and cost about 5 µs of a hop. A body of another type is left unread, and
 * the hop answers it as malformed.
 */
function formParser(limit: string) {
  return async (ctx: Context, next: Next) => {
    if (ctx.is('application/x-www-form-urlencoded')) {
      ctx.request.body = parseQueryString(await coBody.text(ctx, { limit, encoding: 'utf-8' }));
    }
    await next();
  };
}

export function createUssd(deps: Deps, pins: PinGuard) {
  const { config, kv, logger, db, clock } = deps;
  const clients = new ClientSelfService(deps, pins);
  const flows = buildFlows(config.USSD_PIN_KEY, menuServices(clients, kv, logger, config.USSD_PIN_KEY));
  const engine = new UssdEngine(
    flows,
    kv,
    {
      phone: phoneNormalizer(),
      key: callerKey,
      ttlS: CALLER_TTL_S,
      load: (phone) => clients.findByPhone(phone),
    },
    {
      sessionTtlS: config.USSD_SESSION_TTL_S,
      resumeTtlS: config.USSD_RESUME_S,
      screenLimit: config.USSD_SCREEN_LIMIT,
      hopBudgetMs: config.USSD_HOP_BUDGET_MS,
      maxInvalid: config.USSD_MAX_INVALID,
      params: { minutes: config.PIN_LOCK_MINUTES },
      textKey: config.USSD_PIN_KEY,
    },
    logger,
  );
  const malformed = `END ${foldToGsm7(t('fr', 'ussd')('common.failed'))}`;

  const token = callbackToken(config.USSD_CALLBACK_TOKEN);

  /**
   * POST /ussd is the hot path (every hop of every session), so it has a short chain of its own, mounted
   * first: problem handling, the form parser, the token, the hop. It skips the API's per-request access
   * log, security headers, CORS and JSON parsing, which cost ~40% of a hop and serve no browser here; a
   * failed hop is still logged by the engine with its session id.
   */
  const lane = new Router();
  // Africa's Talking wants 200 text/plain starting with CON or END, whatever happens.
  lane.post('/ussd', problemHandler(), formParser(config.BODY_LIMIT), token, async (ctx: Context) => {
    ctx.type = 'text/plain';
    const parsed = hopBody.safeParse(ctx.request.body);
    if (!parsed.success) {
      ctx.body = malformed;
      return;
    }
    const { sessionId, phoneNumber, text } = parsed.data;
    ctx.body = await engine.hop({ sessionId, phoneNumber, text });
  });

  const router = new Router();

  router.post('/ussd/events', token, async (ctx: Context) => {
    const event = eventBody.parse(ctx.request.body);
    const key = sessionKey(event.sessionId);
    const raw = await kv.get(key);
    const rec = raw ? (JSON.parse(raw) as SessionRecord) : null;
    try {
      await db.manager.insert(UssdSessionLog, {
        sessionId: event.sessionId,
        phone: normalizePhone(event.phoneNumber) ?? event.phoneNumber,
        serviceCode: event.serviceCode ?? null,
        networkCode: event.networkCode ?? null,
        status: event.status,
        durationMs: event.durationInMillis,
        hops: event.hopsCount || rec?.hops || 0,
        flow: rec?.frame?.flow ?? null,
        // The app's last screen, never the inputs: they contain PINs.
        lastScreen: event.lastAppResponse ?? rec?.reply ?? null,
        errorMessage: event.errorMessage?.slice(0, 255) ?? null,
        createdAt: clock.now(),
      });
    } catch (err) {
      if (!uniqueViolationField(err)) throw err; // a retried notification: already recorded
    }
    await kv.del(key);
    ctx.type = 'text/plain';
    ctx.body = 'OK';
  });

  return { lane, router, engine, clients };
}
