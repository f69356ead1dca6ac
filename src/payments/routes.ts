import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { Deps } from '../deps';
import { notFound, unauthorized, validationFailed } from '../http/errors';
import { pageOf, pageSchema, paginated } from '../http/pagination';
import { isPlatformAdmin } from '../http/roles';
import { route, type RouteSpec } from '../http/route';
import { sfdScope, withinScope } from '../http/scope';
import { parse } from '../http/validate';
import { safeEqual } from '../infra/crypto';
import type { Logger } from '../infra/logger';
import type { PaymentReads } from './reads';
import {
  callbackAnswer,
  checkStatusBody,
  initiateBody,
  kkiapayWebhook,
  listQuery,
  momoWebhook,
  paymentDto,
  paymentSchema,
  sandboxBody,
} from './schemas';
import type { PaymentsService } from './service';

/** The example payment of the document. */
const EXAMPLE = {
  id: 812,
  reference: 'TFDE250106090000A1B2C3D4E5',
  provider: 'momo',
  provider_transaction_id: '3f6c1b9e-2d4a-4c8e-9b7f-1a2b3c4d5e6f',
  type: 'depot_epargne',
  direction: 'collection',
  amount: 5000,
  phone: '+2290197000001',
  status: 'pending',
  purpose: 'depot_epargne',
  purpose_ref: null,
  sfd_id: 3,
  client_id: 77,
  initiated_by: 77,
  payment_url: null,
  failure_reason: null,
  created_at: '2025-01-06T09:00:00.000Z',
  completed_at: null,
};

export function paymentRoutes(
  deps: Pick<Deps, 'config' | 'logger'>,
  payments: PaymentsService,
  reads: PaymentReads,
): RouteSpec[] {
  const { config } = deps;
  const logOf = (ctx: Context) => (ctx.state.log as Logger | undefined) ?? deps.logger;
  // KKiaPay's webhook is read only once its secret checked: the API's parser, run by the handler.
  const kkiapayBody = bodyParser({
    enableTypes: ['json', 'form'],
    jsonLimit: config.BODY_LIMIT,
    formLimit: config.BODY_LIMIT,
    encoding: 'utf-8',
  });
  const sandboxMode =
    config.PAYMENT_PROVIDER === 'simulator' ||
    (config.PAYMENT_PROVIDER === 'kkiapay' && config.KKIAPAY_SANDBOX) ||
    (config.PAYMENT_PROVIDER === 'momo' && config.MOMO_TARGET_ENVIRONMENT === 'sandbox');

  // MTN MoMo calls back unauthenticated, with PUT or POST: the call only tells us which payment to verify.
  const momoCallback = (method: 'post' | 'put') =>
    route({
      method,
      path: '/api/payments/webhook/momo',
      summary: `MTN MoMo callback (${method.toUpperCase()})`,
      description:
        'The request-to-pay or transfer status body. Not authenticated by MoMo: only `externalId` (our ' +
        'reference) is read, and the status is then asked from MoMo. Unknown references are ignored.',
      access: 'callback',
      callback: 'none',
      bodyType: 'json-or-form',
      body: momoWebhook,
      problems: [503],
      response: { status: 200, description: 'Verified (or ignored)', schema: callbackAnswer },
      handler: async ({ body, ctx }) => {
        const payment = await payments.byReference(body.externalId);
        if (!payment) {
          logOf(ctx).warn(
            { external_id: body.externalId },
            'MoMo callback for an unknown transaction: ignored',
          );
          return { status: 'ignored' as const };
        }
        await payments.refresh(payment);
        return { status: 'ok' as const };
      },
    });

  return [
    route({
      method: 'get',
      path: '/api/payments/transactions',
      summary: 'Payments, newest first',
      description: "A client sees their own payments, staff their SFD's, the platform admin every SFD's.",
      access: 'user',
      query: listQuery,
      response: { status: 200, description: 'A page of payments', schema: pageSchema(paymentSchema) },
      handler: async ({ query, principal, ctx }) => {
        const page = pageOf(query);
        const scope =
          principal.role === 'client' ? { clientId: principal.userId } : { sfdId: sfdScope(principal) };
        const { rows, count } = await reads.list(
          scope,
          { status: query.status, type: query.type, clientId: query.client_id, reference: query.reference },
          page,
        );
        return paginated(ctx, page, count, rows.map(paymentDto));
      },
    }),
    route({
      method: 'post',
      path: '/api/payments/initiate',
      summary: 'Start a collection',
      description:
        'A client pays for themself; an agent (or higher) starts a payment on behalf of a client of the ' +
        'SFD (`client_id`). The operator then prompts the phone (MTN MoMo), or a payment link goes by ' +
        'SMS (KKiaPay). The outcome arrives by webhook; POST /api/payments/check-status/ asks for it.',
      access: 'user',
      body: initiateBody,
      example: { type: 'depot_epargne', amount: 5000, purpose_ref: 'livret-42' },
      problems: [404, 502, 503],
      response: { status: 201, description: 'The pending payment', schema: paymentSchema, example: EXAMPLE },
      handler: async ({ body, principal }) => {
        const purpose = body.purpose ?? body.type;
        if (!payments.purposes.initiable(body.type, purpose)) {
          throw validationFailed({ [body.purpose ? 'purpose' : 'type']: ['purpose_unavailable'] });
        }
        const clientId = principal.role === 'client' ? principal.userId : body.client_id;
        if (!clientId) throw validationFailed({ client_id: ['required'] });
        const client = withinScope(principal, await payments.client(clientId), (c) => c.id);
        if (client.sfdId === null) throw notFound();
        const phone = body.phone ?? client.phone;
        if (!phone) throw validationFailed({ phone: ['required'] });
        const payment = await payments.collect({
          type: body.type,
          amount: body.amount,
          phone,
          clientId: client.id,
          sfdId: client.sfdId,
          purpose,
          purposeRef: body.purpose_ref ?? null,
          initiatedBy: principal.userId,
        });
        return paymentDto(payment);
      },
    }),
    route({
      method: 'post',
      path: '/api/payments/check-status',
      summary: "Ask the provider for a payment's outcome",
      description: 'Applies the outcome (once) if the provider has one, and answers the payment.',
      access: 'user',
      body: checkStatusBody,
      problems: [404, 503],
      response: { status: 200, description: 'The payment, as it is now', schema: paymentSchema },
      handler: async ({ body, principal }) => {
        const payment = withinScope(principal, await payments.byReference(body.reference), (p) => p.clientId);
        return paymentDto(await payments.refresh(payment, undefined, principal));
      },
    }),
    route({
      method: 'post',
      path: '/api/payments/webhook',
      summary: 'KKiaPay webhook (and the simulator’s)',
      description:
        'Authenticated by `x-kkiapay-secret` (checked before the body is read). The body is only a hint: ' +
        'the transaction is verified with KKiaPay, then applied once. Unknown transactions are ignored.',
      access: 'callback',
      callback: 'kkiapaySecret',
      bodyType: 'own',
      body: kkiapayWebhook,
      example: { transactionId: 'kk-123', partnerId: EXAMPLE.reference },
      problems: [400, 401, 413, 503],
      response: { status: 200, description: 'Verified (or ignored)', schema: callbackAnswer },
      handler: async ({ ctx }) => {
        if (!safeEqual(ctx.get('x-kkiapay-secret'), config.PAYMENT_WEBHOOK_SECRET)) throw unauthorized();
        await kkiapayBody(ctx, async () => {});
        const hint = parse(kkiapayWebhook, ctx.request.body);
        const payment =
          (hint.partnerId ? await payments.byReference(hint.partnerId) : null) ??
          (await payments.byProviderId(hint.transactionId));
        if (!payment) {
          logOf(ctx).warn(
            { transaction_id: hint.transactionId },
            'webhook for an unknown transaction: ignored',
          );
          return { status: 'ignored' as const };
        }
        await payments.refresh(payment, hint.transactionId);
        return { status: 'ok' as const };
      },
    }),
    momoCallback('post'),
    momoCallback('put'),
    route({
      method: 'post',
      path: '/api/payments/sandbox-test',
      summary: 'A sandbox round trip with the provider',
      description:
        "Only with the simulator, KKiaPay's sandbox or MoMo's sandbox (404 otherwise). The money lands " +
        "in the SFD's suspense account.",
      access: 'agent_sfd',
      body: sandboxBody,
      problems: [404, 502, 503],
      response: { status: 201, description: 'The pending test payment', schema: paymentSchema },
      handler: async ({ body, principal }) => {
        if (!sandboxMode) throw notFound();
        const sfdId = isPlatformAdmin(principal.role) ? body.sfd_id : principal.sfdId;
        if (!sfdId) throw validationFailed({ sfd_id: ['required'] });
        const payment = await payments.collect({
          type: 'depot_epargne',
          amount: body.amount,
          phone: body.phone,
          clientId: principal.userId,
          sfdId,
          purpose: 'sandbox',
          initiatedBy: principal.userId,
        });
        return paymentDto(payment);
      },
    }),
  ];
}
