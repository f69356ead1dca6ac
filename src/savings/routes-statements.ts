import { z } from 'zod';
import { route, type RouteSpec } from '../http/route';
import { t } from '../infra/i18n';
import { idParams } from '../http/validate';
import { toCsv } from '../shared/csv';
import { renderStatementPdf } from './statement-pdf';
import { MAX_STATEMENT_DAYS, type Statement, type StatementsService } from './statements';

const localDate = z.iso.date();

export const statementQuery = z.object({
  from: localDate.optional().meta({
    description: "First day (included), in the SFD's time zone; default the first day of `to`'s month",
  }),
  to: localDate
    .optional()
    .meta({ description: "Last day (included), in the SFD's time zone; default today" }),
  format: z
    .enum(['json', 'csv', 'pdf'])
    .default('json')
    .meta({ description: '`csv`: text/csv with a header row; `pdf`: an A4 PDF to print for the client' }),
});

const movementSchema = z.object({
  date: localDate.meta({ description: "The SFD's local date" }),
  at: z.iso.datetime(),
  type: z.enum(['depot', 'retrait', 'reversal', 'credit', 'debit']).meta({
    description:
      '`depot`/`retrait`: a savings transaction; `reversal`: one given back (a failed payout); ' +
      '`credit`/`debit`: another movement of the account',
  }),
  method: z.enum(['mobile_money', 'cash']).nullable(),
  agent: z.string().nullable().meta({ description: 'The agent who took or handed over the cash' }),
  transaction_id: z.number().int().nullable(),
  label: z.string().meta({ description: "In the client's language" }),
  amount: z.number().int().meta({ description: 'XOF, + in, − out' }),
  balance: z.number().int().meta({ description: 'The ledger balance right after this movement' }),
});

export const statementSchema = z
  .object({
    account_id: z.number().int(),
    account_number: z.string(),
    sfd: z.object({ id: z.number().int(), name: z.string() }),
    client: z.object({ id: z.number().int(), first_name: z.string(), last_name: z.string() }),
    currency: z.literal('XOF'),
    time_zone: z.string(),
    from: localDate,
    to: localDate,
    opening_balance: z.number().int().meta({ description: 'The ledger balance before `from`' }),
    total_credits: z.number().int(),
    total_debits: z.number().int(),
    closing_balance: z.number().int().meta({ description: 'The ledger balance at the end of `to`' }),
    movements: z.array(movementSchema),
  })
  .meta({ id: 'SavingsStatement' });

export const STATEMENT_COLUMNS = ['date', 'label', 'type', 'method', 'amount', 'balance'] as const;

const EXAMPLE = {
  account_id: 1234,
  account_number: 'CSC-0001234-7',
  sfd: { id: 3, name: 'SFD Alafia' },
  client: { id: 58, first_name: 'Awa', last_name: 'Dossou' },
  currency: 'XOF' as const,
  time_zone: 'Africa/Porto-Novo',
  from: '2026-11-01',
  to: '2026-11-30',
  opening_balance: 2000,
  total_credits: 5000,
  total_debits: 1000,
  closing_balance: 6000,
  movements: [
    {
      date: '2026-11-04',
      at: '2026-11-04T08:12:30.000Z',
      type: 'depot' as const,
      method: 'cash' as const,
      agent: 'Koffi Agbo',
      transaction_id: 77,
      label: 'Depot especes (agent Koffi Agbo)',
      amount: 5000,
      balance: 7000,
    },
    {
      date: '2026-11-20',
      at: '2026-11-20T15:40:02.000Z',
      type: 'retrait' as const,
      method: 'mobile_money' as const,
      agent: null,
      transaction_id: 81,
      label: 'Retrait mobile money',
      amount: -1000,
      balance: 6000,
    },
  ],
};

const CSV_EXAMPLE =
  'date,label,type,method,amount,balance\r\n' +
  "2026-11-01,Solde d'ouverture,opening,,,2000\r\n" +
  '2026-11-04,Depot especes (agent Koffi Agbo),depot,cash,5000,7000\r\n' +
  '2026-11-20,Retrait mobile money,retrait,mobile_money,-1000,6000\r\n' +
  '2026-11-30,Solde de cloture,closing,,,6000\r\n';

export function statementDto(s: Statement): z.input<typeof statementSchema> {
  return {
    account_id: s.account.id,
    account_number: s.accountNumber,
    sfd: { id: s.sfd.id, name: s.sfd.name },
    client: { id: s.client.id, first_name: s.client.firstName, last_name: s.client.lastName },
    currency: 'XOF',
    time_zone: s.sfd.timeZone,
    from: s.from,
    to: s.to,
    opening_balance: s.opening,
    total_credits: s.totalIn,
    total_debits: s.totalOut,
    closing_balance: s.closing,
    movements: s.lines.map((l) => ({
      date: l.date,
      at: l.at.toISOString(),
      type: l.type,
      method: l.method,
      agent: l.agent,
      transaction_id: l.transactionId,
      label: l.label,
      amount: l.amount,
      balance: l.balance,
    })),
  };
}

/** The statement as CSV: the opening balance, each movement, the closing balance (labels of `opening`/`closing`). */
export function statementCsv(s: Statement, labels: { opening: string; closing: string }): string {
  return toCsv(STATEMENT_COLUMNS, [
    { date: s.from, label: labels.opening, type: 'opening', method: null, amount: null, balance: s.opening },
    ...s.lines.map((l) => ({
      date: l.date,
      label: l.label,
      type: l.type,
      method: l.method,
      amount: l.amount,
      balance: l.balance,
    })),
    { date: s.to, label: labels.closing, type: 'closing', method: null, amount: null, balance: s.closing },
  ]);
}

/** The CSV's opening and closing rows' labels, in the statement's language. */
export function statementLabels(s: Statement): { opening: string; closing: string } {
  const tr = t(s.lang, 'statements');
  return { opening: tr('opening'), closing: tr('closing') };
}

/** GET /api/savings/accounts/{id}/releve/: the statement in JSON, CSV or PDF. */
export function statementRoutes(
  statements: StatementsService,
  labels: (s: Statement) => { opening: string; closing: string } = statementLabels,
): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/savings/accounts/:id/releve',
      summary: 'A savings account statement (releve)',
      description:
        "The account's movements from `from` to `to` (days of the SFD's time zone, both included; " +
        `default: the current month to today; at most ${MAX_STATEMENT_DAYS} days, else 400): the ` +
        'opening balance (every movement before `from`), each movement with its running balance, the ' +
        "totals and the closing balance — all read from the ledger, so each line's balance is the " +
        "ledger's after it. The account's owner, staff of its SFD and the platform admin may read it " +
        "(another SFD's or client's: 404). `format=csv` answers `text/csv` (a header row, then the " +
        "opening row, the movements and the closing row); `format=pdf` an A4 PDF with the SFD's name, " +
        'the client, the account number and the period, to print for the client at the branch. Labels ' +
        "are in the client's language. A staff member's CSV or PDF download is audited " +
        '(`savings.statement`).',
      access: 'user',
      params: idParams,
      query: statementQuery,
      response: {
        status: 200,
        description: 'The statement',
        schema: statementSchema,
        example: EXAMPLE,
        alternatives: [
          {
            type: 'text/csv',
            schema: z.string().meta({ description: 'RFC 4180, CRLF, a header row' }),
            example: CSV_EXAMPLE,
          },
          {
            type: 'application/pdf',
            schema: z
              .custom<Buffer>((v) => Buffer.isBuffer(v))
              .meta({ override: { type: 'string', format: 'binary' }, description: 'An A4 PDF' }),
          },
        ],
      },
      handler: async ({ params, query, principal, ctx }) => {
        const statement = await statements.statement(principal, params.id, query);
        if (query.format === 'json') return statementDto(statement);
        await statements.auditDownload(principal, statement, query.format);
        const name = `releve-${statement.accountNumber}-${statement.from}-${statement.to}`;
        if (query.format === 'csv') {
          ctx.type = 'text/csv; charset=utf-8';
          ctx.set('Content-Disposition', `attachment; filename="${name}.csv"`);
          // The declared alternative (response.alternatives): checked against its own schema, a string.
          return statementCsv(statement, labels(statement)) as never;
        }
        ctx.type = 'application/pdf';
        ctx.set('Content-Disposition', `attachment; filename="${name}.pdf"`);
        return (await renderStatementPdf(statement)) as never;
      },
    }),
  ];
}
