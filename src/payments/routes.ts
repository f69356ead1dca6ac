import type { Context } from 'koa';
import { User } from '../accounts/entities';
import { isPlatformAdmin } from '../http/roles';
import type { Deps } from '../deps';
import { authenticate, principalOf, requireRole, type Authenticator, type Principal } from '../http/auth';
import { notFound, unauthorized, validationFailed } from '../http/errors';
import { paginated, readPage } from '../http/pagination';
import { Router } from '../http/router';
import { parse } from '../http/validate';
import { safeEqual } from '../infra/crypto';
import { PaymentTransaction, type PaymentType } from './entities';
import {
  checkStatusBody,
  initiateBody,
  kkiapayWebhook,
  listQuery,
  momoWebhook,
  sandboxBody,
} from './schemas';
import type { PaymentsService } from './service';

export const paymentDto = (p: PaymentTransaction) => ({
  id: p.id,
  reference: p.reference,
  provider: p.provider,
  provider_transaction_id: p.providerTransactionId,
  type: p.type,
  direction: p.direction,
  amount: p.amount,
  phone: p.phone,
  status: p.status,
  purpose: p.purpose,
  purpose_ref: p.purposeRef,
  sfd_id: p.sfdId,
  client_id: p.clientId,
  initiated_by: p.initiatedBy,
  payment_url: p.paymentUrl,
  failure_reason: p.failureReason,
  created_at: p.createdAt.toISOString(),
  completed_at: p.completedAt?.toISOString() ?? null,
});

/** A client sees their own payments, staff their SFD's, the platform admin all. */
function visible(p: Principal, payment: PaymentTransaction | null): PaymentTransaction {
  if (!payment) throw notFound();
  if (p.role === 'client' && payment.clientId !== p.userId) throw notFound();
  if (p.role !== 'client' && !isPlatformAdmin(p.role) && payment.sfdId !== p.sfdId) throw notFound();
  return payment;
}

export function paymentRoutes(
  deps: Pick<Deps, 'db' | 'config' | 'logger'>,
  payments: PaymentsService,
  authenticator: Authenticator,
): Router {
  const router = new Router({ prefix: '/api/payments' });
  const auth = authenticate(authenticator);

  router.get('/transactions', auth, async (ctx: Context) => {
    const p = principalOf(ctx);
    const page = readPage(ctx);
    const q = parse(listQuery, ctx.query);
    const qb = deps.db.getRepository(PaymentTransaction).createQueryBuilder('t');
    if (p.role === 'client') qb.where('t.client_id = :me', { me: p.userId });
    else if (!isPlatformAdmin(p.role)) qb.where('t.sfd_id = :sfd', { sfd: p.sfdId ?? -1 });
    if (q.status) qb.andWhere('t.status = :status', { status: q.status });
    if (q.type) qb.andWhere('t.type = :type', { type: q.type });
    if (q.client_id) qb.andWhere('t.client_id = :client', { client: q.client_id });
    if (q.reference) qb.andWhere('t.reference = :ref', { ref: q.reference });
    const [rows, count] = await qb.orderBy('t.id', 'DESC').skip(page.skip).take(page.take).getManyAndCount();
    ctx.body = paginated(ctx, page, count, rows.map(paymentDto));
  });

  // A client pays for themself; an agent (or higher) starts a payment on behalf of a client of the SFD.
  router.post('/initiate', auth, async (ctx: Context) => {
    const p = principalOf(ctx);
    const body = parse(initiateBody, ctx.request.body);
    const type = body.type as PaymentType;
    if (!payments.purposes.has(type)) throw validationFailed({ type: ['not available yet'] });
    const clientId = p.role === 'client' ? p.userId : body.client_id;
    if (!clientId) throw validationFailed({ client_id: ['required'] });
    const client = await deps.db.manager.findOne(User, { where: { id: clientId, role: 'client' } });
    if (!client || client.sfdId === null) throw notFound();
    if (p.role !== 'client' && !isPlatformAdmin(p.role) && client.sfdId !== p.sfdId) throw notFound();
    const payment = await payments.collect({
      type,
      amount: body.amount,
      phone: body.phone ?? client.phone,
      clientId: client.id,
      sfdId: client.sfdId,
      purpose: type,
      purposeRef: body.purpose_ref ?? null,
      initiatedBy: p.userId,
    });
    ctx.status = 201;
    ctx.body = paymentDto(payment);
  });

  router.post('/check-status', auth, async (ctx: Context) => {
    const { reference } = parse(checkStatusBody, ctx.request.body);
    const payment = visible(principalOf(ctx), await payments.byReference(reference));
    ctx.body = paymentDto(await payments.refresh(payment));
  });

  // KKiaPay (and the simulator): authenticated by the shared secret; the body is only a hint.
  router.post('/webhook', async (ctx: Context) => {
    if (!safeEqual(ctx.get('x-kkiapay-secret'), deps.config.PAYMENT_WEBHOOK_SECRET)) throw unauthorized();
    const hint = parse(kkiapayWebhook, ctx.request.body);
    const payment =
      (hint.partnerId ? await payments.byReference(hint.partnerId) : null) ??
      (await payments.byProviderId(hint.transactionId));
    if (!payment) {
      deps.logger.warn({ transaction_id: hint.transactionId }, 'webhook for an unknown transaction: ignored');
      ctx.body = { status: 'ignored' };
      return;
    }
    await payments.refresh(payment, hint.transactionId);
    ctx.body = { status: 'ok' };
  });

  // MTN MoMo calls back unauthenticated (with PUT or POST): the call only tells us which payment to verify.
  router.all('/webhook/momo', async (ctx: Context, next) => {
    if (ctx.method !== 'POST' && ctx.method !== 'PUT') return next();
    const hint = parse(momoWebhook, ctx.request.body);
    const payment = await payments.byReference(hint.externalId);
    if (!payment) {
      deps.logger.warn({ external_id: hint.externalId }, 'MoMo callback for an unknown transaction: ignored');
      ctx.body = { status: 'ignored' };
      return;
    }
    await payments.refresh(payment);
    ctx.body = { status: 'ok' };
  });

  // A real round trip with the provider in sandbox or simulator mode; the money lands in suspense.
  router.post('/sandbox-test', auth, requireRole('agent_sfd'), async (ctx: Context) => {
    const sandbox =
      deps.config.PAYMENT_PROVIDER === 'simulator' ||
      (deps.config.PAYMENT_PROVIDER === 'kkiapay' && deps.config.KKIAPAY_SANDBOX) ||
      (deps.config.PAYMENT_PROVIDER === 'momo' && deps.config.MOMO_TARGET_ENVIRONMENT === 'sandbox');
    if (!sandbox) throw notFound();
    const p = principalOf(ctx);
    const body = parse(sandboxBody, ctx.request.body);
    const sfdId = isPlatformAdmin(p.role) ? body.sfd_id : p.sfdId;
    if (!sfdId) throw validationFailed({ sfd_id: ['required'] });
    const payment = await payments.collect({
      type: 'depot_epargne',
      amount: body.amount,
      phone: body.phone,
      clientId: p.userId,
      sfdId,
      purpose: 'sandbox',
      initiatedBy: p.userId,
    });
    ctx.status = 201;
    ctx.body = paymentDto(payment);
  });

  return router;
}
