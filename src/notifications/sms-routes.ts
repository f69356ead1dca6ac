import type { Context } from 'koa';
import { z } from 'zod';
import type { Deps } from '../deps';
import { readCallbackBody } from '../http/callback-body';
import { carriesCallbackToken } from '../http/callback-token';
import { forbidden } from '../http/errors';
import { route, type RouteSpec } from '../http/route';
import type { Logger } from '../infra/logger';
import { DeliveryReports } from './delivery-reports';
import type { InboundSms } from './inbound';

/**
 * Africa's Talking's SMS callbacks (form-encoded; JSON accepted too):
 *
 *   POST /sms/delivery-reports  id, status, phoneNumber, failureReason, networkCode, retryCount
 *                               → the outbox row whose provider_message_id is `id` moves forward
 *   POST /sms/inbound           from, to, text, date, id, linkId, networkCode
 *                               → SOLDE|BALANCE, AIDE|HELP, ARRET|STOP, REPRISE|START (inbound.ts),
 *                                 and the modules' keywords (NON <code>: tontines; RELEVE|STATEMENT: savings)
 *
 * Both answer 200 `OK` to whatever they were sent, known or not, well-formed or not: AT retries a
 * callback that is not answered 2xx, and a retry would not make it better. Two exceptions: a missing or
 * wrong AT_CALLBACK_TOKEN (403 problem+json), and our own failure (5xx), which AT's retry may cure
 * (the inbound dedupe key and the conditional updates make a retry safe). Each refused or malformed
 * callback leaves one warning line with the reason (and the phone, masked by the logger, if there is one).
 *
 * So they read their own body (`bodyType: 'own'`, route.ts): the API's parser would
 * answer invalid JSON or an oversized body 400/413 before the route, and AT would retry it for nothing.
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

/** The sender's or recipient's number as posted, for the log line (the logger masks `phone`). */
function phoneIn(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  return typeof value === 'string' ? value.slice(0, 32) : undefined;
}

const fieldsOf = (err: z.ZodError) => [...new Set(err.issues.map((i) => i.path.join('.')))];

const plainOk = z.literal('OK');

export function smsCallbackRoutes(
  deps: Pick<Deps, 'db' | 'outbox' | 'kv' | 'clock' | 'config' | 'logger'>,
  inbound: InboundSms,
): RouteSpec[] {
  const reports = new DeliveryReports(deps);
  const logOf = (ctx: Context) => (ctx.state.log as Logger | undefined) ?? deps.logger;
  // Checked before the body is read: an unauthenticated caller's body is not worth reading.
  const checkToken = (ctx: Context) => {
    if (!carriesCallbackToken(ctx, deps.config.AT_CALLBACK_TOKEN)) {
      logOf(ctx).warn(
        { path: ctx.path, reason: 'missing or wrong AT_CALLBACK_TOKEN' },
        'SMS callback refused',
      );
      throw forbidden(); // 403 problem+json
    }
  };
  const answer = {
    status: 200,
    description: 'Always `OK`, known or not, well-formed or not',
    schema: plainOk,
    type: 'text/plain',
  } as const;

  /**
   * The token, then the body read and parsed: the fields, or null once the refusal is logged (`what`
   * names the callback in the warning; `phoneField` the number to show, masked).
   */
  async function readCallback<S extends z.ZodType>(
    ctx: Context,
    schema: S,
    what: string,
    phoneField: string,
  ): Promise<z.output<S> | null> {
    checkToken(ctx);
    const read = await readCallbackBody(ctx, deps.config.BODY_LIMIT);
    if ('reason' in read) {
      logOf(ctx).warn({ reason: read.reason }, `${what} malformed`);
      return null;
    }
    const parsed = schema.safeParse(read.body);
    if (!parsed.success) {
      const fields = fieldsOf(parsed.error);
      logOf(ctx).warn(
        { reason: 'missing or invalid fields', fields, phone: phoneIn(read.body, phoneField) },
        `${what} malformed`,
      );
      return null;
    }
    return parsed.data;
  }

  return [
    route({
      method: 'post',
      path: '/sms/delivery-reports',
      summary: "Africa's Talking SMS delivery report",
      description: 'The outbox row whose provider_message_id is `id` moves forward.',
      access: 'callback',
      callback: 'callbackToken',
      bodyType: 'own',
      body: reportBody,
      problems: [403],
      response: answer,
      handler: async ({ ctx }) => {
        const report = await readCallback(ctx, reportBody, 'SMS delivery report', 'phoneNumber');
        if (!report) return 'OK' as const;
        const log = logOf(ctx);
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
        } else if (outcome === 'ignored') {
          log.warn({ dlr }, "SMS delivery report for an unknown id that is not Africa's Talking's: dropped");
        } else if (outcome === 'dropped') {
          log.warn({ dlr }, 'SMS delivery report for an unknown id beyond DLR_HOLD_PER_MINUTE: dropped');
        } else {
          log.info({ dlr }, 'SMS delivery report');
        }
        return 'OK' as const;
      },
    }),
    route({
      method: 'post',
      path: '/sms/inbound',
      summary: "Africa's Talking inbound SMS",
      description:
        'Keywords: SOLDE|BALANCE, AIDE|HELP, ARRET|STOP, REPRISE|START (inbound.ts), and NON <code> ' +
        '(disputes a cash receipt: tontines), RELEVE|STATEMENT (the savings mini statement: savings).',
      access: 'callback',
      callback: 'callbackToken',
      bodyType: 'own',
      body: inboundBody,
      problems: [403],
      response: answer,
      handler: async ({ ctx }) => {
        const msg = await readCallback(ctx, inboundBody, 'inbound SMS', 'from');
        if (!msg) return 'OK' as const;
        const log = logOf(ctx);
        const outcome = await inbound.handle({ id: msg.id || undefined, from: msg.from, text: msg.text });
        // Never the text: a client may well type their PIN into an SMS.
        const sms = { id: msg.id, from: msg.from, to: msg.to, network: msg.networkCode, ...outcome };
        if (outcome.result === 'invalid_sender' || outcome.result === 'throttled') {
          const reason = outcome.result.replace('_', ' ');
          log.warn({ reason, sms_inbound: sms }, `inbound SMS not answered: ${reason}`);
        } else {
          log.info({ sms_inbound: sms }, 'inbound SMS');
        }
        return 'OK' as const;
      },
    }),
  ];
}
