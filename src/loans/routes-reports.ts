import { z } from 'zod';
import { route, type RouteSpec } from '../http/route';
import { toCsv } from '../shared/csv';
import { applicationParams } from './document-schemas';
import type { LoansContext } from './parts';
import {
  STATISTICS_COLUMNS,
  analysisDto,
  analysisSchema,
  statisticsCsvRows,
  statisticsDto,
  statisticsQuery,
  statisticsSchema,
} from './report-schemas';

const CSV_EXAMPLE =
  `${STATISTICS_COLUMNS.join(',')}\r\n` +
  '1,2026-06-30,40,4000000,38,2950000,1200000,1110000,0.9250,4,320000,2,150000,1,90000,0,0,0.0814,0.0305,' +
  '40,52.5,2,5,32,1,0,1,1,2,40,3\r\n';

/** The analysis report of an application and the portfolio statistics. */
export function reportRoutes(ctx: LoansContext): RouteSpec[] {
  const reports = ctx.reports;
  return [
    route({
      method: 'get',
      path: '/api/loans/reports/statistiques',
      summary: 'Loan portfolio statistics per SFD',
      description:
        "Staff (agent or higher) see their SFD's, the platform admin every SFD with loan applications " +
        "(or `sfd_id`'s); clients 403. Per SFD, as of its local today: the amount disbursed (principal " +
        'of the loans disbursed; with `date_from`/`date_to`, SFD-local days both included, only those ' +
        'disbursed then), the loans out (decaisse, en_remboursement, en_defaut) and their gross ' +
        'outstanding principal; the repayment rate = principal + interest paid ÷ principal + interest ' +
        'due on the instalments due on or before today (interest waived by an early payoff is not due; ' +
        'a payment ahead of its date is not counted); the arrears buckets 1–30, 31–90, 91–180 and over ' +
        "180 days, each loan aged by its OLDEST unpaid instalment's days late, with the count and the " +
        "loans' outstanding principal; PAR30 and PAR90 = outstanding principal of the loans more than 30 " +
        '/ 90 days late ÷ gross outstanding; the average processing time (creation → grant, hours, of ' +
        'the applications granted in the period); the loans and applications by status. Ratios are ' +
        'decimal strings with 4 places ("0.0814" is 8.14 %), null when there is nothing to divide by. ' +
        '`format=csv` answers `text/csv`, one row per SFD.',
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
            example: CSV_EXAMPLE,
          },
        ],
      },
      handler: async ({ query, principal, ctx: koa }) => {
        const rows = await reports.statistics(principal, {
          sfdId: query.sfd_id,
          dateFrom: query.date_from,
          dateTo: query.date_to,
        });
        if (query.format === 'csv') {
          koa.type = 'text/csv; charset=utf-8';
          koa.set('Content-Disposition', 'attachment; filename="loans-statistics.csv"');
          // The declared alternative (response.alternatives): checked against its own schema, a string.
          return toCsv(STATISTICS_COLUMNS, statisticsCsvRows(rows)) as never;
        }
        return { results: rows.map(statisticsDto) };
      },
    }),
    route({
      method: 'get',
      path: '/api/loans/applications/:id/rapport-analyse',
      summary: 'The analysis report of a loan application',
      description:
        "Staff (agent or higher) of the application's SFD (the platform admin: any); another SFD's is a " +
        '404, a client a 403. Read now: the eligibility (apart from this application itself), the ' +
        'savings history of the last 6 local months from the ledger (deposits, withdrawals, closing ' +
        "balance), the tontine record (the client's tontine accounts in the SFD: contributions, months " +
        'active), the repayment history of earlier loans (late instalments, most days late, penalties ' +
        "paid), debt-to-income (the terms' instalment, or before any terms the asked amount over the " +
        'asked months at 0 %, ÷ the declared monthly income; null when unknown), the TEG of the terms ' +
        "with the SFD's usury cap, and a reliability score 0–100 with its factors (savings age 20, " +
        'savings regularity 30, tontine record 15, past repayment 25, debt-to-income 10).',
      access: 'agent_sfd',
      params: applicationParams,
      response: { status: 200, description: 'The report', schema: analysisSchema },
      handler: async ({ params, principal }) => analysisDto(await reports.analysis(principal, params.id)),
    }),
  ];
}
