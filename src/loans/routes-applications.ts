import { pageOf, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import { idParams } from '../http/validate';
import { decisionBody } from '../workflow/decide';
import { LoanApplicationReads } from './application-reads';
import {
  applicationDto,
  applicationSchema,
  applyBody,
  listApplicationsQuery,
  processBody,
  processedSchema,
  termsDto,
} from './application-schemas';
import type { LoansContext } from './parts';

/** The applications: filed, listed, examined with their terms (and forwarded), decided. */
export function applicationRoutes(ctx: LoansContext): RouteSpec[] {
  const { applications } = ctx;
  const reads = new LoanApplicationReads(ctx.deps, ctx.needs.accounts, ctx.settings);

  return [
    route({
      method: 'get',
      path: '/api/loans/applications',
      summary: 'Loan applications, newest first',
      description:
        "A client sees their own, staff their SFD's, the platform admin every SFD's (or `sfd_id`'s). " +
        "Filters: `status`, `client_id` (staff), `date_from`/`date_to` (created, in the SFD's time zone).",
      access: 'user',
      query: listApplicationsQuery,
      response: {
        status: 200,
        description: 'A page of applications',
        schema: pageSchema(applicationSchema),
      },
      handler: async ({ query, principal, ctx: koa }) => {
        const page = pageOf(query);
        const { rows, count } = await reads.list(
          principal,
          {
            status: query.status,
            clientId: query.client_id,
            sfdId: query.sfd_id,
            date_from: query.date_from,
            date_to: query.date_to,
          },
          page,
        );
        const client = principal.role === 'client';
        return paginated(
          koa,
          page,
          count,
          rows.map((a) => applicationDto(a, { client })),
        );
      },
    }),
    route({
      method: 'post',
      path: '/api/loans/applications',
      summary: 'Apply for a loan',
      description:
        'The client for themself, or staff (agent or higher) of the client’s SFD for `client_id` ' +
        '(another SFD’s client: 404; the platform admin: 403). The client must be eligible: an active ' +
        'savings account opened at least 90 days ago and no application or loan in progress (409 ' +
        '`not_eligible` with `errors.reasons`, or `loan_in_progress`, also when two arrive at once). ' +
        'Amount from 10 000 XOF (400) to 5 × the savings balance now (409 `amount_over_limit`); 1 to 60 ' +
        'months. The application is `soumis`: the SFD’s superviseurs get an in-app notice, the client an SMS.',
      access: 'user',
      body: applyBody,
      example: { client_id: 42, amount: 150000, months: 12, purpose: 'commerce', monthly_income: 90000 },
      problems: [404, 409],
      response: { status: 201, description: 'The application, soumis', schema: applicationSchema },
      handler: async ({ body, principal }) =>
        applicationDto(
          await applications.apply(principal, {
            clientId: body.client_id,
            amount: body.amount,
            months: body.months,
            purpose: body.purpose,
            monthlyIncome: body.monthly_income ?? null,
            channel: 'back_office',
          }),
          { client: principal.role === 'client' },
        ),
    }),
    route({
      method: 'get',
      path: '/api/loans/applications/:id',
      summary: 'One loan application, with its terms',
      description:
        'Its client, staff of its SFD, the platform admin; anyone else 404. `loan_id` once granted.',
      access: 'user',
      params: idParams,
      problems: [404],
      response: { status: 200, description: 'The application', schema: applicationSchema },
      handler: async ({ params, principal }) => {
        const { application, terms, loan } = await applications.get(principal, params.id);
        return applicationDto(application, { terms, loan, client: principal.role === 'client' });
      },
    }),
    route({
      method: 'post',
      path: '/api/loans/applications/:id/process-application',
      summary: 'Examine an application: set its terms, comment, forward to the admin',
      description:
        'A superviseur_sfd or admin_sfd of the application’s SFD (lower roles and clients: 403; another ' +
        'SFD: 404; the platform admin: 403), on an application `soumis` or `en_cours_examen` (else 409). ' +
        'The terms: `amount` (default and at most the amount asked for), `annual_rate` (percent), `months`, ' +
        '`method`, `fees` (below the amount), `daily_penalty_rate` (percent a day), `savings_guarantee_pct`. ' +
        'The schedule is computed with a provisional first due date in one month, and its TEG (fees ' +
        'included): over the SFD’s usury cap → 409 `usury_exceeded` naming both. The terms are stored ' +
        '(revised by a later call while `en_cours_examen`), the application goes `en_cours_examen`; with ' +
        '`forward: true` → `transfere_admin`: the SFD’s admins are told in-app, the client by SMS. Audited.',
      access: 'superviseur_sfd',
      params: idParams,
      body: processBody,
      example: {
        amount: 100000,
        annual_rate: 12,
        months: 12,
        method: 'annuity',
        fees: 2000,
        daily_penalty_rate: 0.1,
        savings_guarantee_pct: 10,
        comment: 'Bon historique d epargne',
        forward: true,
      },
      problems: [404, 409],
      response: {
        status: 200,
        description: 'The application with its terms, the instalment and the TEG',
        schema: processedSchema,
      },
      handler: async ({ params, body, principal }) => {
        const { application, terms, evaluated } = await applications.process(principal, params.id, {
          amount: body.amount,
          months: body.months,
          annualRateBp: body.annual_rate,
          method: body.method,
          fees: body.fees,
          penaltyDailyBp: body.daily_penalty_rate,
          guaranteePct: body.savings_guarantee_pct,
          comment: body.comment,
          forward: body.forward,
        });
        return {
          ...applicationDto(application, { terms, loan: null }),
          terms: termsDto(terms),
          schedule: {
            instalment: evaluated.schedule.instalment,
            first_due_date: evaluated.firstDueDate,
            totals: evaluated.schedule.totals,
          },
          teg: evaluated.teg,
        };
      },
    }),
    route({
      method: 'post',
      path: '/api/loans/applications/:id/admin-decision',
      summary: 'Grant or reject a forwarded application',
      description:
        'An admin_sfd of the application’s SFD only (a superviseur or lower: 403; another SFD: 404; the ' +
        'platform admin: 403), never the one who filed it for the client or set its terms (403 `maker_checker`), on an application ' +
        '`transfere_admin` (else 409). Approve → `accorde`: the TEG is checked again against the cap ' +
        '(409 `usury_exceeded`), the loan is created (`accorde`), the savings guarantee held on the ' +
        'client’s savings (409 `insufficient_funds`: nothing is written); agents and superviseurs are ' +
        'told to disburse, the client gets the amount, instalment, months and TEG by SMS. Reject (reason ' +
        'required) → `rejete`: the client may apply again and is told why. Audited.',
      access: 'admin_sfd',
      params: idParams,
      body: decisionBody,
      example: { decision: 'approve' },
      problems: [404, 409],
      response: {
        status: 200,
        description: 'The decided application (`loan_id` when granted)',
        schema: applicationSchema,
      },
      handler: async ({ params, body, principal }) => {
        const { application, loan } = await applications.decide(principal, params.id, body);
        const { terms } = await applications.get(principal, application.id);
        return applicationDto(application, { terms, loan });
      },
    }),
  ];
}
