import { validationFailed } from '../http/errors';
import { pageOf, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import { LoanApplicationReads } from './application-reads';
import {
  listTermsQuery,
  scheduleDto,
  settingsBody,
  settingsDto,
  settingsQuery,
  settingsSchema,
  simulateQuery,
  simulationSchema,
  termsBody,
  termsDto,
  termsSchema,
} from './application-schemas';
import type { LoansContext } from './parts';
import { percentOf } from './rate';
import { buildSchedule, dueDateAfter } from './schedule';
import { teg } from './teg';
import { feesError, MAX_FEES_PCT } from './terms';
import { addDays } from '../shared/sfd-calendar';

/** The terms (set, listed, simulated) and the SFD's loan settings. Literal paths before `:id` ones. */
export function termsRoutes(ctx: LoansContext): RouteSpec[] {
  const { applications } = ctx;
  const reads = new LoanApplicationReads(ctx.deps, ctx.needs.accounts, ctx.settings);

  return [
    route({
      method: 'get',
      path: '/api/loans/terms/simuler-amortissement',
      summary: 'Simulate a repayment schedule',
      description:
        'Any signed-in user. `montant` (XOF, at least 10 000), `taux` (annual percent, e.g. 12 or 13.5), ' +
        '`duree` (months, 1–60), `methode` (`annuity`, the default, or `flat`), `frais` (XOF, in the ' +
        `TEG, at most ${MAX_FEES_PCT} % of the amount), \`premiere_echeance\` (after today, within a year; ` +
        'default: in one month). Answers the instalment, ' +
        'every row (integer XOF, rounded half up, the last row absorbing the rounding), the totals and ' +
        'the TEG (percent, fees included). Invalid input: 400.',
      access: 'user',
      query: simulateQuery,
      response: { status: 200, description: 'The schedule and its TEG', schema: simulationSchema },
      handler: async ({ query, principal }) => {
        const fees = feesError(query.frais, query.montant);
        if (fees) throw validationFailed({ frais: fees });
        const today = await applications.todayIn(principal.sfdId, ctx.deps.clock.now());
        // Within a year from today: a schedule's dates stay real calendar days (a far year is a 400).
        const first = query.premiere_echeance;
        if (first !== undefined && (first <= today || first > addDays(today, 366))) {
          throw validationFailed({ premiere_echeance: ['out_of_range'] });
        }
        const schedule = buildSchedule({
          principal: query.montant,
          annualRateBp: query.taux,
          months: query.duree,
          method: query.methode,
          firstDueDate: query.premiere_echeance ?? dueDateAfter(today, 1),
        });
        return {
          amount: query.montant,
          annual_rate: percentOf(query.taux),
          months: query.duree,
          method: query.methode,
          fees: query.frais,
          ...scheduleDto(schedule),
          teg: teg({ principal: query.montant, fees: query.frais, rows: schedule.rows }),
        };
      },
    }),
    route({
      method: 'get',
      path: '/api/loans/terms',
      summary: "The terms of the SFD's applications",
      description:
        "Staff (agent or higher) see their SFD's, the platform admin every SFD's (or `sfd_id`'s); clients " +
        '403. Filter: `application_id`.',
      access: 'agent_sfd',
      query: listTermsQuery,
      response: {
        status: 200,
        description: 'A page of terms, newest first',
        schema: pageSchema(termsSchema),
      },
      handler: async ({ query, principal, ctx: koa }) => {
        const page = pageOf(query);
        const { rows, count } = await reads.terms(
          principal,
          { applicationId: query.application_id, sfdId: query.sfd_id },
          page,
        );
        return paginated(koa, page, count, rows.map(termsDto));
      },
    }),
    route({
      method: 'post',
      path: '/api/loans/terms',
      summary: "Set or revise an application's terms",
      description:
        'The same as `POST /api/loans/applications/{id}/process-application/` without `forward`, the ' +
        'application in the body: a superviseur_sfd or admin_sfd of its SFD, on an application `soumis` ' +
        'or `en_cours_examen` (409 otherwise), the TEG within the usury cap (409 `usury_exceeded`).',
      access: 'superviseur_sfd',
      body: termsBody,
      example: { application_id: 7, annual_rate: 12, months: 12, daily_penalty_rate: 0.1, fees: 0 },
      problems: [404, 409],
      response: { status: 201, description: 'The terms as stored', schema: termsSchema },
      handler: async ({ body, principal }) => {
        const { terms } = await applications.process(principal, body.application_id, {
          amount: body.amount,
          months: body.months,
          annualRateBp: body.annual_rate,
          method: body.method,
          fees: body.fees,
          penaltyDailyBp: body.daily_penalty_rate,
          guaranteePct: body.savings_guarantee_pct,
          comment: body.comment,
          forward: false,
        });
        return termsDto(terms);
      },
    }),
    route({
      method: 'get',
      path: '/api/loans/settings',
      summary: "The SFD's loan settings",
      description:
        "Staff (agent or higher) read their SFD's; the platform admin names one with `sfd_id` (400 " +
        'without). `usury_cap`: the percent a TEG may not exceed (default 24); `default_after_days`: how ' +
        'late the oldest unpaid instalment may be before the loan is `en_defaut` (default 90).',
      access: 'agent_sfd',
      query: settingsQuery,
      problems: [404],
      response: { status: 200, description: 'The settings', schema: settingsSchema },
      handler: async ({ query, principal }) => settingsDto(await reads.settingsOf(principal, query.sfd_id)),
    }),
    route({
      method: 'put',
      path: '/api/loans/settings',
      summary: "Change the SFD's loan settings",
      description:
        'An admin_sfd of the SFD (lower roles, clients and the platform admin: 403): `usury_cap` ' +
        '(percent, above 0, at most 100, two decimals at most) and/or `default_after_days` (1–365). ' +
        'Audited (`loan.settings.update`, before and after). Applications already forwarded are checked ' +
        'against the new cap when the admin decides.',
      access: 'admin_sfd',
      body: settingsBody,
      example: { usury_cap: 24, default_after_days: 90 },
      response: { status: 200, description: 'The settings now', schema: settingsSchema },
      handler: async ({ body, principal }) =>
        settingsDto(
          await reads.updateSettings(principal, {
            usuryCapBp: body.usury_cap,
            defaultAfterDays: body.default_after_days,
          }),
        ),
    }),
  ];
}
