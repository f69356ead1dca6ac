import type { Context } from 'koa';
import { z } from 'zod';
import type { Deps } from '../deps';
import { callbackToken } from '../http/callback-token';
import { Router } from '../http/router';
import type { Logger } from '../infra/logger';
import { DeliveryReports } from './delivery-reports';
import { InboundSms, type CallerLookup } from './inbound';

/**
 * Africa's Talking's SMS callbacks (form-encoded; JSON accepted too):
 *
 *   POST /sms/delivery-reports  id, status, phoneNumber, failureReason, networkCode, retryCount
 *                               → the outbox row whose provider_message_id is `id` moves forward
 *   POST /sms/inbound           from, to, text, date, id, linkId, networkCode
 *                               → SOLDE|BALANCE, AIDE|HELP, ARRET|STOP, REPRISE|START (inbound.ts)
 *
 * Both answer 200 `OK` to whatever they were sent, known or not, well-formed or not: AT retries a
 * callback that is not answered 2xx, and a retry would not make it better. Two exceptions: a missing or
 * wrong AT_CALLBACK_TOKEN (403 problem+json), and our own failure (5xx), which AT's retry may cure
 * (the inbound dedupe key and the conditional updates make a retry safe).
 */

/** AT posts strings; a JSON caller may send numbers. Overlong values are cut, not refused. */
const text = (max: number) =>
  z
    .union([z.string(), z.number()])
    .transform((v) => String(v).trim().slice(0, max))
    .optional();

const reportBody = z.object({
  id: z.string().trim().min(1).max(100),
  status: z.string().trim().min(1).max(32),
  phoneNumber: text(32),
  failureReason: text(120),
  networkCode: text(16),
  retryCount: text(8),
});

const inboundBody = z.object({
  from: z.string().trim().min(1).max(32),
  to: text(32),
  text: text(1000).default(''),
  date: text(40),
  id: text(100),
  linkId: text(100),
  networkCode: text(16),
});

const fieldsOf = (err: z.ZodError) => [...new Set(err.issues.map((i) => i.path.join('.')))];

const ok = (ctx: Context) => {
  ctx.type = 'text/plain';
  ctx.body = 'OK';
};

export function createSmsCallbacks(
  deps: Pick<Deps, 'db' | 'outbox' | 'kv' | 'clock' | 'config' | 'logger'>,
  callers: CallerLookup,
) {
  const reports = new DeliveryReports(deps);
  const inbound = new InboundSms(deps, callers);
  const router = new Router({ prefix: '/sms' });
  router.use(callbackToken(deps.config.AT_CALLBACK_TOKEN));
  const logOf = (ctx: Context) => (ctx.state.log as Logger | undefined) ?? deps.logger;

  router.post('/delivery-reports', async (ctx: Context) => {
    const log = logOf(ctx);
    const parsed = reportBody.safeParse(ctx.request.body ?? {});
    if (!parsed.success) {
      log.warn({ fields: fieldsOf(parsed.error) }, 'SMS delivery report malformed');
      return ok(ctx);
    }
    const report = parsed.data;
    const outcome = await reports.apply(report);
    const dlr = {
      id: report.id,
      status: report.status,
      failure_reason: report.failureReason,
      network: report.networkCode,
      retry: report.retryCount,
      phone: report.phoneNumber, // masked by the logger
      outcome,
    };
    if (outcome === 'unknown_status') {
      log.warn({ dlr }, 'SMS delivery report: unknown status');
    } else {
      log.info({ dlr }, 'SMS delivery report');
    }
    ok(ctx);
  });

  router.post('/inbound', async (ctx: Context) => {
    const log = logOf(ctx);
    const parsed = inboundBody.safeParse(ctx.request.body ?? {});
    if (!parsed.success) {
      log.warn({ fields: fieldsOf(parsed.error) }, 'inbound SMS malformed');
      return ok(ctx);
    }
    const msg = parsed.data;
    const outcome = await inbound.handle({ id: msg.id || undefined, from: msg.from, text: msg.text });
    // Never the text: a client may well type their PIN into an SMS.
    const sms = { id: msg.id, from: msg.from, to: msg.to, network: msg.networkCode, ...outcome };
    if (outcome.result === 'invalid_sender' || outcome.result === 'throttled') {
      log.warn({ sms_inbound: sms }, `inbound SMS not answered: ${outcome.result.replace('_', ' ')}`);
    } else {
      log.info({ sms_inbound: sms }, 'inbound SMS');
    }
    ok(ctx);
  });

  return { router, reports, inbound };
}
