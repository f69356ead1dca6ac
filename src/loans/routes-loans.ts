import { z } from 'zod';
import type { Principal } from '../http/auth';
import { conflict } from '../http/errors';
import { pageOf, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import { scopedSfdFilter, withinScope } from '../http/scope';
import { idParams } from '../http/validate';
import { toCsv } from '../shared/csv';
import { LoanReads, type LoanReadScope } from './loan-reads';
import {
  CALENDAR_COLUMNS,
  CALENDAR_CSV_EXAMPLE,
  calendarCsvRows,
  calendarQuery,
  calendarSchema,
  disbursementBody,
  grantBody,
  instalmentDto,
  loanDetailDto,
  loanDetailSchema,
  loanDto,
  loanListQuery,
  loanSchema,
  totalsOf,
} from './loan-schemas';
import type { LoansContext } from './parts';
import { buildSchedule, dueDateAfter } from './schedule';

/** Whose loans a caller lists: a client their own, staff their SFD's, the platform admin any (or `sfd_id`'s). */
export function loanScopeOf(principal: Principal, sfdId?: number): LoanReadScope {
  if (principal.role === 'client') return { clientId: principal.userId, sfdId: principal.sfdId };
  return { sfdId: scopedSfdFilter(principal, sfdId) };
}

/** GET/POST /api/loans/, GET /api/loans/{id}/, its disbursement and its repayment calendar. */
export function loanRoutes(ctx: LoansContext): RouteSpec[] {
  const reads = new LoanReads(ctx.deps, ctx.needs.accounts);
  const owned = async (principal: Principal, id: number) =>
    withinScope(principal, await reads.loan(id), (l) => l.clientId);

  return [
    route({
      method: 'get',
      path: '/api/loans',
      summary: 'Loans, newest first',
      description:
        "A client sees their own, staff their SFD's, the platform admin every SFD's (or `sfd_id`'s). " +
        'Filters: `status`, `client_id` (staff). Each loan with its outstanding principal (ledger).',
      access: 'user',
      query: loanListQuery,
      response: { status: 200, description: 'A page of loans', schema: pageSchema(loanSchema) },
      handler: async ({ query, principal, ctx: koa }) => {
        const page = pageOf(query);
        const { rows, count, outstanding } = await reads.list(
          loanScopeOf(principal, query.sfd_id),
          { status: query.status, clientId: principal.role === 'client' ? undefined : query.client_id },
          page,
        );
        return paginated(
          koa,
          page,
          count,
          rows.map((l) => loanDto(l, outstanding.get(l.id) ?? 0)),
        );
      },
    }),
    route({
      method: 'post',
      path: '/api/loans',
      summary: 'Grant a loan (the admin decision on a forwarded application)',
      description:
        "An admin_sfd of the application's SFD grants an application forwarded to the admins " +
        '(`transfere_admin`): the same as `POST /api/loans/applications/{id}/admin-decision/` with ' +
        '`decision: approve`. Lower roles and the platform admin: 403; another SFD: 404; an ' +
        'application not awaiting the decision: 409. Answers the loan, `accorde`.',
      access: 'admin_sfd',
      body: grantBody,
      example: { application_id: 42, decision: 'approve' },
      problems: [404, 409],
      response: { status: 201, description: 'The granted loan', schema: loanSchema },
      handler: async ({ body, principal }) => {
        const { loan } = await ctx.applications.decide(principal, body.application_id, {
          decision: 'approve',
        });
        if (!loan) throw conflict('the application was not granted');
        return loanDto(loan, 0);
      },
    }),
    route({
      method: 'post',
      path: '/api/loans/:id/decaissement',
      summary: 'Disburse a granted loan (cash or mobile money)',
      description:
        "Staff (agent or higher) of the loan's SFD; a client or the platform admin: 403; another SFD: " +
        '404. The loan must be `accorde` with no payout under way (409). `cash`: handed over at the ' +
        'branch: `decaisse` at once with its schedule (first due date: the one set with ' +
        '`POST /api/loans/schedules/`, else a month after today), the ledger entry (principal −P, fee ' +
        "income +fees, branch cash +(P − fees)) and the client's SMS. `mobile_money` (the default when " +
        'the provider pays out): the entry is posted on the mobile-money clearing account and a payout ' +
        "of P − fees sent to the client's phone (`disbursement_reference`); the loan stays `accorde` " +
        'until it is paid (then `decaisse`, schedule from that day, SMS); a failed payout is reversed ' +
        'and the loan may be disbursed again. Audited (`loan.disbursement.*`).',
      access: 'agent_sfd',
      params: idParams,
      body: disbursementBody,
      example: { method: 'cash' },
      problems: [404, 409],
      response: { status: 200, description: 'The loan', schema: loanSchema },
      handler: async ({ params, body, principal }) => {
        const loan = await ctx.disbursements.disburse(principal, params.id, { method: body.method });
        return loanDto(loan, (await reads.outstanding([loan])).get(loan.id) ?? 0);
      },
    }),
    route({
      method: 'get',
      path: '/api/loans/:id/calendrier-remboursement',
      summary: "A loan's repayment calendar",
      description:
        "Its client, staff of its SFD, the platform admin (another SFD's or client's: 404). Each row of " +
        'the schedule with what is paid and still due on it, its status on today in the SFD (`paye`, ' +
        '`a_payer`, `en_retard`: unpaid past its due date), the days late and the penalties; the ' +
        'totals. `format=csv` answers `text/csv`. A loan not yet disbursed has no rows.',
      access: 'user',
      params: idParams,
      query: calendarQuery,
      response: {
        status: 200,
        description: 'The calendar',
        schema: calendarSchema,
        alternatives: [
          {
            type: 'text/csv',
            schema: z.string().meta({ description: 'RFC 4180, CRLF, a header row' }),
            example: CALENDAR_CSV_EXAMPLE,
          },
        ],
      },
      handler: async ({ params, query, principal, ctx: koa }) => {
        const loan = await owned(principal, params.id);
        const read = await reads.detail(loan);
        const rows = read.rows.map(instalmentDto);
        if (query.format === 'csv') {
          koa.type = 'text/csv; charset=utf-8';
          koa.set('Content-Disposition', `attachment; filename="calendrier-pret-${loan.id}.csv"`);
          return toCsv(CALENDAR_COLUMNS, calendarCsvRows(rows)) as never;
        }
        const sum = (pick: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + pick(r), 0);
        return {
          loan_id: loan.id,
          status: loan.status,
          today: read.today,
          rows,
          totals: {
            principal: sum((r) => r.principal),
            interest: sum((r) => r.interest),
            total: sum((r) => r.total),
            ...totalsOf(read.rows),
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/api/loans/:id',
      summary: 'One loan, with its terms, guarantees, next instalment and totals',
      description:
        "Its client, staff of its SFD, the platform admin (another SFD's or client's: 404). The next " +
        'instalment is the oldest unpaid row; the totals are what is paid and still due (penalties ' +
        'included); the outstanding principal is read from the ledger.',
      access: 'user',
      params: idParams,
      problems: [404],
      response: { status: 200, description: 'The loan', schema: loanDetailSchema },
      handler: async ({ params, principal }) => {
        const loan = await owned(principal, params.id);
        const read = await reads.detail(loan);
        const instalment =
          read.rows[0]?.row.total ??
          buildSchedule({ ...loan, firstDueDate: loan.firstDueDate ?? dueDateAfter(read.today, 1) })
            .instalment;
        return loanDetailDto(loan, read, instalment);
      },
    }),
  ];
}
