import type { Context } from 'koa';
import { z } from 'zod';
import type { Principal } from '../http/auth';
import { validationFailed } from '../http/errors';
import { pageOf, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import { scopedSfdFilter, withinScope } from '../http/scope';
import { idParams } from '../http/validate';
import { paymentDto } from '../payments/schemas';
import { toCsv } from '../shared/csv';
import { movableBy, isAgentOf, type DepositsService } from './deposits';
import { forbidden } from '../http/errors';
import type { SavingsReadScope, SavingsTransactionReads } from './transaction-reads';
import {
  IDEMPOTENCY_KEY,
  STATISTICS_COLUMNS,
  STATISTICS_CSV_EXAMPLE,
  accountTransactionsQuery,
  depositBody,
  listQuery,
  savingsTransactionDto,
  savingsTransactionSchema,
  savingsWithdrawalDecisionBody,
  statisticsCsvRows,
  statisticsDto,
  statisticsQuery,
  statisticsSchema,
  transactionBody,
  withdrawBody,
  type DepositBody,
  type WithdrawBody,
} from './transaction-schemas';
import type { SavingsWithdrawalsService } from './withdrawals';

function scopeOf(principal: Principal, sfdId?: number): SavingsReadScope {
  if (principal.role === 'client') return { clientId: principal.userId };
  return { sfdId: scopedSfdFilter(principal, sfdId) };
}

/**
 * Savings money: deposits (mobile money or cash), withdrawal requests and their validation, the lists
 * and the statistics. Literal paths only under /api/savings/transactions/ besides `:id/validate`.
 */
export function savingsTransactionRoutes(
  deposits: DepositsService,
  withdrawals: SavingsWithdrawalsService,
  reads: SavingsTransactionReads,
): RouteSpec[] {
  /** POST …/accounts/:id/deposit and POST /api/savings/transactions (type depot): one handler. */
  async function deposit(accountId: number, body: DepositBody, principal: Principal, ctx: Context) {
    const account = movableBy(principal, await reads.account(accountId));
    if (body.method === 'cash') {
      // Cash is taken by the SFD's own staff: not by the client, not by the platform admin.
      if (!isAgentOf(principal, account.sfdId)) throw forbidden();
      const key = ctx.get('Idempotency-Key');
      if (!key) throw validationFailed({ 'Idempotency-Key': ['required'] });
      if (!IDEMPOTENCY_KEY.test(key)) throw validationFailed({ 'Idempotency-Key': ['invalid'] });
      const { transaction, replayed } = await deposits.recordCash({
        accountId: account.id,
        amount: body.amount,
        agent: principal,
        idempotencyKey: key,
      });
      if (replayed) ctx.set('Idempotent-Replayed', 'true');
      return savingsTransactionDto(transaction);
    }
    const { transaction, payment } = await deposits.startMobileMoney(principal, {
      accountId: account.id,
      amount: body.amount,
      phone: body.phone,
    });
    return { ...savingsTransactionDto(transaction), payment: paymentDto(payment) };
  }

  /** POST …/accounts/:id/withdraw and POST /api/savings/transactions (type retrait): one handler. */
  async function withdraw(accountId: number, body: WithdrawBody, principal: Principal) {
    return savingsTransactionDto(await withdrawals.request(principal, { accountId, amount: body.amount }));
  }

  const transactionsResponse = {
    status: 200,
    description: 'A page of deposits and withdrawals, newest first',
    schema: pageSchema(savingsTransactionSchema),
  } as const;

  return [
    route({
      method: 'post',
      path: '/api/savings/accounts/:id/deposit',
      summary: 'Deposit on a savings account',
      description:
        "Mobile money (`method: mobile_money`): the client, or an agent (or higher) of the account's SFD " +
        "for them, starts a payment pushed to the client's phone (or `phone`); the deposit is `en_cours` " +
        'with its `payment_reference` and becomes `confirmee` when the payment succeeds, with an SMS ' +
        'receipt giving the new balance and the account number. Cash (`method: cash`): an agent (or ' +
        'higher) of the SFD records the cash they took, with an `Idempotency-Key` header (the same key ' +
        'again answers the first result; for another amount or account: 409): `confirmee` at once, on ' +
        "the agent's cash account, with an SMS receipt naming the agent. The account must be `actif` " +
        '(409). At least 100 XOF.',
      access: 'user',
      params: idParams,
      body: depositBody,
      example: { amount: 5000, method: 'cash' },
      problems: [404, 409, 502, 503],
      response: {
        status: 201,
        description: 'The deposit: confirmee (cash) or en_cours with its payment (mobile money)',
        schema: savingsTransactionSchema,
      },
      handler: ({ params, body, principal, ctx }) => deposit(params.id, body, principal, ctx),
    }),
    route({
      method: 'post',
      path: '/api/savings/accounts/:id/withdraw',
      summary: 'Ask to withdraw from a savings account',
      description:
        "The client, or an agent (or higher) of the account's SFD for them. At least 500 XOF and at " +
        'most the available balance (the balance minus the holds and the withdrawals awaiting an agent), ' +
        'checked under a lock on the account, so parallel requests never promise more than it holds ' +
        "(409 `insufficient_funds`). The request is `en_cours`: the SFD's agents get an in-app notice, " +
        'the client an SMS. The account must be `actif` (409).',
      access: 'user',
      params: idParams,
      body: withdrawBody,
      example: { amount: 5000 },
      problems: [404, 409],
      response: { status: 201, description: 'The withdrawal request', schema: savingsTransactionSchema },
      handler: ({ params, body, principal }) => withdraw(params.id, body, principal),
    }),
    route({
      method: 'get',
      path: '/api/savings/accounts/:id/transactions',
      summary: "A savings account's deposits and withdrawals",
      description:
        'Its client, or staff of its SFD (the platform admin any). Filters: `type`, `status`, `method`, ' +
        "`date_from`/`date_to` (in the SFD's time zone).",
      access: 'user',
      params: idParams,
      query: accountTransactionsQuery,
      problems: [404],
      response: transactionsResponse,
      handler: async ({ params, query, principal, ctx }) => {
        const account = withinScope(principal, await reads.account(params.id), (a) => a.clientId);
        const page = pageOf(query);
        const { rows, count } = await reads.list(
          { sfdId: account.sfdId },
          {
            accountId: account.id,
            type: query.type,
            status: query.status,
            method: query.method,
            from: query.date_from,
            to: query.date_to,
          },
          page,
        );
        return paginated(ctx, page, count, rows.map(savingsTransactionDto));
      },
    }),
    route({
      method: 'get',
      path: '/api/savings/transactions/statistics',
      summary: 'Savings statistics per SFD',
      description:
        "Staff (agent or higher) see their SFD's, the platform admin every SFD's (or `sfd_id`'s): the " +
        "confirmed deposits and withdrawals (count, amount) in all and month by month (the SFD's local " +
        'months), the active accounts and their average balance (ledger). `format=csv` answers ' +
        '`text/csv`: per SFD a `total` row, then one row per month.',
      access: 'agent_sfd',
      query: statisticsQuery,
      response: {
        status: 200,
        description: 'One row per SFD, by id',
        schema: statisticsSchema,
        alternatives: [
          {
            type: 'text/csv',
            schema: z.string().meta({ description: 'RFC 4180, CRLF, a header row' }),
            example: STATISTICS_CSV_EXAMPLE,
          },
        ],
      },
      handler: async ({ query, principal, ctx }) => {
        const rows = (await reads.statistics(scopedSfdFilter(principal, query.sfd_id))).map(statisticsDto);
        if (query.format === 'csv') {
          ctx.type = 'text/csv; charset=utf-8';
          ctx.set('Content-Disposition', 'attachment; filename="savings-statistics.csv"');
          // The declared alternative (response.alternatives): checked against its own schema, a string.
          return toCsv(STATISTICS_COLUMNS, statisticsCsvRows(rows)) as never;
        }
        return { results: rows };
      },
    }),
    route({
      method: 'get',
      path: '/api/savings/transactions',
      summary: 'Savings deposits and withdrawals, newest first',
      description:
        "A client sees their own, staff their SFD's, the platform admin every SFD's (or `sfd_id`'s). " +
        'Filters: `account_id`, `client_id` (staff), `type`, `status`, `method`, `date_from`/`date_to` ' +
        "(in the SFD's time zone).",
      access: 'user',
      query: listQuery,
      response: transactionsResponse,
      handler: async ({ query, principal, ctx }) => {
        const page = pageOf(query);
        const { rows, count } = await reads.list(
          scopeOf(principal, query.sfd_id),
          {
            accountId: query.account_id,
            clientId: principal.role === 'client' ? undefined : query.client_id,
            type: query.type,
            status: query.status,
            method: query.method,
            from: query.date_from,
            to: query.date_to,
          },
          page,
          principal.role === 'client' ? principal.sfdId : scopedSfdFilter(principal, query.sfd_id),
        );
        return paginated(ctx, page, count, rows.map(savingsTransactionDto));
      },
    }),
    route({
      method: 'post',
      path: '/api/savings/transactions',
      summary: 'A deposit or a withdrawal request (account in the body)',
      description:
        'The same as `POST /api/savings/accounts/{id}/deposit/` (`type: depot`, with `method`) or ' +
        '`POST /api/savings/accounts/{id}/withdraw/` (`type: retrait`), with `account_id` in the body; ' +
        'a cash deposit needs its `Idempotency-Key` header.',
      access: 'user',
      body: transactionBody,
      example: { type: 'depot', account_id: 12, amount: 5000, method: 'cash' },
      problems: [404, 409, 502, 503],
      response: {
        status: 201,
        description: 'The deposit or the withdrawal request',
        schema: savingsTransactionSchema,
      },
      handler: ({ body, principal, ctx }) =>
        body.type === 'depot'
          ? deposit(body.account_id, body, principal, ctx)
          : withdraw(body.account_id, body, principal),
    }),
    route({
      method: 'post',
      path: '/api/savings/transactions/:id/validate',
      summary: 'Decide on a withdrawal request: approve (and pay out) or reject',
      description:
        "An agent (or higher) of the account's SFD (another SFD's: 404; the platform admin: 403) decides " +
        'on a withdrawal awaiting a decision (else 409). Approve: the available balance is checked again ' +
        'and the ledger entry posted with the decision (409 `insufficient_funds`); `method: cash` (handed ' +
        'over at the branch) → `confirmee`; mobile money → stays `en_cours` (decided) and a payout to ' +
        "the client's phone (`payment_reference`), `confirmee` when paid; a failed payout gives the " +
        'money back and ends `echouee` (`payout_failed`). Reject → `annulee` with the reason. The client ' +
        'gets an SMS at each step; the decision is audited (`savings.retrait.approve` / `.reject`).',
      access: 'agent_sfd',
      params: idParams,
      body: savingsWithdrawalDecisionBody,
      example: { decision: 'approve', method: 'cash' },
      problems: [404, 409],
      response: { status: 200, description: 'The decided withdrawal', schema: savingsTransactionSchema },
      handler: async ({ params, body, principal }) =>
        savingsTransactionDto(await withdrawals.decide(principal, params.id, body)),
    }),
  ];
}
