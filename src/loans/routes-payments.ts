import type { Context } from 'koa';
import type { Principal } from '../http/auth';
import { forbidden, validationFailed } from '../http/errors';
import { pageOf, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import { scopedSfdFilter, withinLocalDays, withinScope } from '../http/scope';
import { idParams } from '../http/validate';
import { paymentDto } from '../payments/schemas';
import type { LoansContext } from './parts';
import {
  IDEMPOTENCY_KEY,
  loanPaymentDto,
  loanPaymentSchema,
  repaymentBody,
  repaymentListQuery,
  type RepaymentBody,
} from './payment-schemas';
import { isAgentOf, payableBy } from './repayments';

/**
 * Loan repayments: one POST for both methods, the list, one repayment, and the staff's "ask the
 * provider now". Literal paths only under /api/loans/payments/ besides `:id` and `:id/confirmer`.
 */
export function paymentRoutes(ctx: LoansContext): RouteSpec[] {
  const { repayments } = ctx;

  async function repay(body: RepaymentBody, principal: Principal, koa: Context) {
    const loan = payableBy(principal, await repayments.loan(body.loan_id));
    if (body.method === 'cash') {
      // Cash is taken by the SFD's own staff: not by the client, not by the platform admin.
      if (!isAgentOf(principal, loan.sfdId)) throw forbidden();
      const key = koa.get('Idempotency-Key');
      if (!key) throw validationFailed({ 'Idempotency-Key': ['required'] });
      if (!IDEMPOTENCY_KEY.test(key)) throw validationFailed({ 'Idempotency-Key': ['invalid'] });
      const { payment, replayed } = await repayments.recordCash({
        loanId: loan.id,
        amount: body.amount,
        agent: principal,
        idempotencyKey: key,
      });
      if (replayed) koa.set('Idempotent-Replayed', 'true');
      return loanPaymentDto(payment);
    }
    const { payment, transaction } = await repayments.startMobileMoney(principal, {
      loanId: loan.id,
      amount: body.amount,
      phone: body.phone,
    });
    return { ...loanPaymentDto(payment), payment: paymentDto(transaction) };
  }

  return [
    route({
      method: 'get',
      path: '/api/loans/payments',
      summary: 'Loan repayments, newest first',
      description:
        "A client sees their own, staff their SFD's, the platform admin every SFD's (or `sfd_id`'s). " +
        "Filters: `loan_id`, `status`, `method`, `date_from`/`date_to` (the SFD's local days, on the " +
        'creation time).',
      access: 'user',
      query: repaymentListQuery,
      response: {
        status: 200,
        description: 'A page of repayments',
        schema: pageSchema(loanPaymentSchema),
      },
      handler: async ({ query, principal, ctx: koa }) => {
        const where: Parameters<typeof repayments.list>[0] = {};
        if (principal.role === 'client') where.clientId = principal.userId;
        else {
          const sfd = scopedSfdFilter(principal, query.sfd_id);
          if (sfd !== null) where.sfdId = sfd;
        }
        if (query.loan_id) where.loanId = query.loan_id;
        if (query.status) where.status = query.status;
        if (query.method) where.method = query.method;
        const listed = principal.role === 'client' ? undefined : query.sfd_id;
        const createdAt = await withinLocalDays(principal, listed, query, ctx.needs.accounts);
        if (createdAt) where.createdAt = createdAt;
        const page = pageOf(query);
        const [rows, count] = await repayments.list(where, page);
        return paginated(koa, page, count, rows.map(loanPaymentDto));
      },
    }),
    route({
      method: 'post',
      path: '/api/loans/payments',
      summary: 'Repay a loan (mobile money or cash)',
      description:
        "Mobile money (`method: mobile_money`): the client, or an agent (or higher) of the loan's SFD for " +
        "them, starts a payment pushed to the client's phone (or `phone`); the repayment is `en_attente` " +
        'with its `payment_reference` and becomes `confirme` when the payment succeeds. Cash (`method: ' +
        "cash`): an agent (or higher) of the loan's SFD (not the client, not the platform admin: 403) " +
        'records the cash they took, with an `Idempotency-Key` header (400 without; the same key again ' +
        'answers the first result with `Idempotent-Replayed: true`; for another loan or amount: 409): ' +
        "`confirme` at once, from the agent's cash account. The loan must be `decaisse`, " +
        '`en_remboursement` or `en_defaut` (409) and the amount at most what closes the loan today ' +
        '(409). A repayment pays penalties, then interest, then principal, oldest instalment first; ' +
        "paying the payoff amount closes the loan (`solde`): the current period's interest is due, the " +
        "later ones are waived (only a payoff waives interest). Another client's or SFD's loan: 404.",
      access: 'user',
      body: repaymentBody,
      example: { loan_id: 12, amount: 8885, method: 'mobile_money' },
      problems: [403, 404, 409, 502, 503],
      response: {
        status: 201,
        description: 'The repayment: confirme (cash) or en_attente with its payment (mobile money)',
        schema: loanPaymentSchema,
      },
      handler: ({ body, principal, ctx: koa }) => repay(body, principal, koa),
    }),
    route({
      method: 'get',
      path: '/api/loans/payments/:id',
      summary: 'One loan repayment',
      description: 'Its client, staff of its SFD, or the platform admin; anyone else 404.',
      access: 'user',
      params: idParams,
      problems: [404],
      response: { status: 200, description: 'The repayment', schema: loanPaymentSchema },
      handler: async ({ params, principal }) =>
        loanPaymentDto(withinScope(principal, await repayments.payment(params.id), (p) => p.clientId)),
    }),
    route({
      method: 'post',
      path: '/api/loans/payments/:id/confirmer',
      summary: 'Ask the provider now about a pending mobile-money repayment',
      description:
        "An agent (or higher) of the repayment's SFD (another SFD's: 404; clients and the platform " +
        'admin: 403). For an `en_attente` mobile-money repayment the provider is asked now: the ' +
        'repayment answers `confirme` if the money arrived (applied once, like a webhook), `echoue` if ' +
        'the payment failed or expired, still `en_attente` otherwise. Already final (or cash): 409.',
      access: 'agent_sfd',
      params: idParams,
      problems: [404, 409, 503],
      response: { status: 200, description: 'The repayment, as it is now', schema: loanPaymentSchema },
      handler: async ({ params, principal }) =>
        loanPaymentDto(await repayments.confirm(principal, params.id)),
    }),
  ];
}
