import { pageOf, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import { FIRST_DUE_DAYS } from './disbursements';
import { LoanReads } from './loan-reads';
import {
  dueSoonQuery,
  firstDueBody,
  instalmentDto,
  instalmentListQuery,
  instalmentSchema,
  lateQuery,
  schedulePreviewDto,
  schedulePreviewSchema,
} from './loan-schemas';
import type { LoansContext } from './parts';
import { loanScopeOf } from './routes-loans';

/**
 * The schedules: instalments listed (all, due soon, late) and the first due date staff set before a
 * disbursement. Literal paths (`a-venir`, `en-retard`) are declared before any parameterized one.
 */
export function scheduleRoutes(ctx: LoansContext): RouteSpec[] {
  const reads = new LoanReads(ctx.deps, ctx.needs.accounts);
  const pageOfInstalments = {
    status: 200,
    description: 'A page of instalments',
    schema: pageSchema(instalmentSchema),
  } as const;

  return [
    route({
      method: 'get',
      path: '/api/loans/schedules/a-venir',
      summary: 'Unpaid instalments falling due in the next days',
      description:
        "A client sees their own, staff their SFD's, the platform admin every SFD's (or `sfd_id`'s): " +
        "the unpaid instalments due from today to today + `jours` (1 to 60, default 7; the SFD's local " +
        'days), soonest first.',
      access: 'user',
      query: dueSoonQuery,
      response: pageOfInstalments,
      handler: async ({ query, principal, ctx: koa }) => {
        const page = pageOf(query);
        const { rows, count } = await reads.instalments(
          loanScopeOf(principal, query.sfd_id),
          { withinDays: query.jours },
          page,
          'due',
        );
        return paginated(koa, page, count, rows.map(instalmentDto));
      },
    }),
    route({
      method: 'get',
      path: '/api/loans/schedules/en-retard',
      summary: 'Late instalments',
      description:
        "A client sees their own, staff their SFD's, the platform admin every SFD's (or `sfd_id`'s): " +
        "the unpaid instalments whose due date has passed (the SFD's local date), oldest first, with " +
        'the days late, what is still due and the penalties accrued.',
      access: 'user',
      query: lateQuery,
      response: pageOfInstalments,
      handler: async ({ query, principal, ctx: koa }) => {
        const page = pageOf(query);
        const { rows, count } = await reads.instalments(
          loanScopeOf(principal, query.sfd_id),
          { status: 'en_retard' },
          page,
          'due',
        );
        return paginated(koa, page, count, rows.map(instalmentDto));
      },
    }),
    route({
      method: 'get',
      path: '/api/loans/schedules',
      summary: 'Instalments of the loans in reach',
      description:
        "A client sees their own, staff their SFD's, the platform admin every SFD's (or `sfd_id`'s). " +
        "Filters: `loan_id`, `status` (`paye`, `a_payer`, `en_retard`, on today's date in the SFD), " +
        '`date_from`/`date_to` (due dates, both included). By loan (newest first), then by number.',
      access: 'user',
      query: instalmentListQuery,
      response: pageOfInstalments,
      handler: async ({ query, principal, ctx: koa }) => {
        const page = pageOf(query);
        const { rows, count } = await reads.instalments(
          loanScopeOf(principal, query.sfd_id),
          { loanId: query.loan_id, status: query.status, from: query.date_from, to: query.date_to },
          page,
        );
        return paginated(koa, page, count, rows.map(instalmentDto));
      },
    }),
    route({
      method: 'post',
      path: '/api/loans/schedules',
      summary: "Set a granted loan's first due date, and preview its schedule",
      description:
        "Staff (agent or higher) of the loan's SFD; a client or the platform admin: 403; another SFD: " +
        '404. The loan must be `accorde`, not yet disbursed nor being paid out (409). `first_due_date` ' +
        `${FIRST_DUE_DAYS.min} to ${FIRST_DUE_DAYS.max} days after today (the SFD's local date: about a month, ` +
        'since the first period is charged a whole month of interest), else 400; a loan disbursed so late ' +
        'that the date is no longer in that window after the disbursement day gets a month instead. The ' +
        'disbursement then builds the schedule from it. Audited (`loan.first_due_date`). Answers the ' +
        'schedule the loan will have.',
      access: 'agent_sfd',
      body: firstDueBody,
      example: { loan_id: 12, first_due_date: '2027-01-15' },
      problems: [404, 409],
      response: { status: 200, description: 'The schedule preview', schema: schedulePreviewSchema },
      handler: async ({ body, principal }) => {
        const { loan, schedule } = await ctx.disbursements.setFirstDueDate(
          principal,
          body.loan_id,
          body.first_due_date,
        );
        return schedulePreviewDto(loan.id, loan.firstDueDate, schedule);
      },
    }),
  ];
}
