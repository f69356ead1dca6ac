import coBody from 'co-body';
import type { Context } from 'koa';
import { parse as parseQueryString } from 'node:querystring';
import { z } from 'zod';
import { buildFlows, mainFlow, type MenuServices } from '../../menus';
import { CALLER_TTL_S, callerKey } from '../accounts/caller-cache';
import type { AccountsDirectory } from '../accounts/directory';
import { normalizeMobile } from '../accounts/phone';
import type { Module } from '../contract';
import type { Deps } from '../deps';
import { readCallbackBody } from '../http/callback-body';
import { carriesCallbackToken } from '../http/callback-token';
import { forbidden } from '../http/errors';
import { route } from '../http/route';
import { t } from '../infra/i18n';
import { maskPhone } from '../infra/logger';
import { UssdEngine } from './engine';
import { ussdEntities } from './entities';
import { SessionEnds } from './session-ends';
import { simulatorRoutes } from './simulator-routes';
import { foldToGsm7 } from '../shared/gsm7';
import { eventBody, hopBody } from './schemas';

/**
 * normalizeMobile (libphonenumber with full metadata) costs about 10 µs, on the first hop of every session,
 * for numbers that dial again and again: the answers are kept (a pure function), a refusal (null) too.
 * Bounded: 50,000 numbers take about 6 MB, and the map starts over when full.
 */
function phoneNormalizer(limit = 50_000) {
  const known = new Map<string, string | null>();
  return (phoneNumber: string): string | null => {
    let phone = known.get(phoneNumber);
    if (phone === undefined) {
      phone = normalizeMobile(phoneNumber);
      if (known.size >= limit) known.clear();
      known.set(phoneNumber, phone);
    }
    return phone;
  };
}

/** Why a /ussd callback is answered without a hop (the `reason` of its warning). */
type Refusal = 'token' | 'content_type' | 'body_too_large' | 'malformed_body' | 'invalid_fields';

/** co-body's (raw-body's, inflate's) errors carry an HTTP status: 413 too large, 415 encoding, else 400. */
function bodyRefusal(err: unknown): Refusal {
  const status = (err as { status?: unknown } | null)?.status;
  return status === 413 ? 'body_too_large' : 'malformed_body';
}

export function createUssd(deps: Deps, needs: { accounts: AccountsDirectory; modules: Module[] }) {
  const { config, kv, logger } = deps;
  const sessionEnds = new SessionEnds(deps);
  const { accounts } = needs;
  // The main menu is this module's; every other flow, and the services they invoke, come from the
  // module that owns the business.
  const contributed = needs.modules.flatMap((m) => (m.ussd ? [m.ussd] : []));
  const flows = buildFlows(
    config.USSD_PIN_KEY,
    Object.assign({}, ...contributed.map((u) => u.services)) as MenuServices,
    Object.assign({ main: mainFlow }, ...contributed.map((u) => u.flows)),
  );
  const engine = new UssdEngine(
    flows,
    kv,
    {
      phone: phoneNormalizer(),
      key: callerKey,
      ttlS: CALLER_TTL_S,
      load: (phone) => accounts.findByPhone(phone),
    },
    {
      sessionTtlS: config.USSD_SESSION_TTL_S,
      resumeTtlS: config.USSD_RESUME_S,
      screenLimit: config.USSD_SCREEN_LIMIT,
      hopBudgetMs: config.USSD_HOP_BUDGET_MS,
      maxInvalid: config.USSD_MAX_INVALID,
      // accountCode: the dial string that opens "Mon compte" (*123# → *123*6#), shown by the main menu's help.
      params: {
        minutes: config.PIN_LOCK_MINUTES,
        accountCode: config.USSD_SERVICE_CODE.replace(/#$/, '*6#'),
      },
      textKey: config.USSD_PIN_KEY,
    },
    logger,
  );
  const malformed = `END ${foldToGsm7(t('fr', 'ussd')('common.failed'))}`;

  const limit = config.BODY_LIMIT;

  /**
   * One hop: the token, Africa's Talking's form, the engine. The form is read by co-body (length limit,
   * charset) and split by node's querystring: the API's parser hands forms to qs, whose nested keys and
   * dotted paths serve nothing in five flat fields and cost about 5 µs of a hop. Nothing is read of a
   * callback without the token, nor of a body of another type. A refused callback is answered by the
   * caller with `malformed` and one warning.
   */
  async function answer(ctx: Context): Promise<string | { refused: Refusal; phone?: unknown }> {
    if (!carriesCallbackToken(ctx, config.USSD_CALLBACK_TOKEN)) return { refused: 'token' };
    if (!ctx.is('application/x-www-form-urlencoded')) return { refused: 'content_type' };
    let form: Record<string, unknown>;
    try {
      form = parseQueryString(await coBody.text(ctx, { limit, encoding: 'utf-8' }));
    } catch (err) {
      return { refused: bodyRefusal(err) };
    }
    const parsed = hopBody.safeParse(form);
    if (!parsed.success) return { refused: 'invalid_fields', phone: form.phoneNumber };
    const { sessionId, phoneNumber, text } = parsed.data;
    return engine.hop({ sessionId, phoneNumber, text }); // never throws: failures are a logged END
  }

  /**
   * POST /ussd is the hot path (every hop of every session), so it has a short chain of its own, mounted
   * first. It skips the API's per-request access log, security headers, CORS, JSON parsing and problem
   * handling, which cost ~40% of a hop and serve no browser here. Africa's Talking wants 200 text/plain
   * starting with CON or END, whatever happens (an HTTP error ends the session with an error on the
   * phone): a missing or wrong token, another content type, a body over BODY_LIMIT or one that does not
   * parse, invalid fields, are all answered `END <failed>` and leave one warning each; so are the hops
   * the engine refuses (an invalid number, another phone's session), and a failed hop.
   */
  const hop = route({
    method: 'post',
    path: '/ussd',
    summary: "Africa's Talking USSD hop",
    description:
      'Form fields sessionId, serviceCode, phoneNumber, text (the inputs so far, `*`-separated). Always 200 ' +
      'text/plain starting with `CON ` (a screen awaiting input) or `END ` (the last one).',
    access: 'callback',
    callback: 'callbackToken',
    bodyType: 'own',
    body: hopBody,
    lane: true,
    response: {
      status: 200,
      description: '`CON <screen>` or `END <screen>`',
      schema: z.string(),
      type: 'text/plain',
      example: 'CON Bienvenue sur TontiFlex\n1. Tontines\n2. Epargne',
    },
    handler: async ({ ctx }) => {
      const reply = await answer(ctx);
      if (typeof reply === 'string') return reply;
      const phone = typeof reply.phone === 'string' ? maskPhone(reply.phone) : undefined;
      logger.warn(
        { reason: reply.refused, phone, content_type: ctx.get('Content-Type').slice(0, 100) },
        'ussd callback refused',
      );
      return malformed;
    },
  });

  /**
   * Africa's Talking's end-of-session notification, read before the API's body parser: a wrong token
   * is a 403; a body that cannot be used is answered 200 (a retry would not make it better). Each
   * refusal leaves one warning.
   */
  const events = route({
    method: 'post',
    path: '/ussd/events',
    summary: "Africa's Talking USSD end-of-session notification",
    description:
      'Recorded in ussd_session_logs; the session is deleted. A body that cannot be used is answered 200.',
    access: 'callback',
    callback: 'callbackToken',
    bodyType: 'own',
    body: eventBody,
    problems: [403],
    response: { status: 200, description: 'Always `OK`', schema: z.literal('OK'), type: 'text/plain' },
    handler: async ({ ctx }) => {
      const refuse = (reason: string, phone?: unknown, sessionId?: string) => {
        logger.warn(
          { reason, phone: typeof phone === 'string' ? maskPhone(phone) : undefined, session_id: sessionId },
          'ussd end-of-session notification refused',
        );
        return 'OK' as const;
      };
      if (!carriesCallbackToken(ctx, config.USSD_CALLBACK_TOKEN)) {
        refuse('token');
        throw forbidden();
      }
      const read = await readCallbackBody(ctx, config.BODY_LIMIT);
      if ('reason' in read) return refuse(read.reason);
      const parsed = eventBody.safeParse(read.body);
      if (!parsed.success) return refuse('invalid_fields', read.body.phoneNumber);
      const event = parsed.data;
      const outcome = await sessionEnds.record(event);
      if (outcome === 'phone_mismatch') return refuse('phone_mismatch', event.phoneNumber, event.sessionId);
      return 'OK' as const;
    },
  });

  return {
    name: 'ussd',
    entities: ussdEntities,
    routes: [hop, events, ...simulatorRoutes(deps)],
    engine,
  } satisfies Module & Record<string, unknown>;
}
