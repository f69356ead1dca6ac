import { z } from 'zod';
import { pageQuery } from '../http/pagination';
import { recordId } from '../http/validate';
import type { LocalDate } from '../shared/sfd-calendar';
import type { Loan, LoanGuarantee } from './entities';
import type { InstalmentView } from './loan-reads';
import { percentOf } from './rate';
import type { Schedule } from './schedule';

/** Request and answer schemas of the loans, disbursement and schedule routes, and their DTOs. */

const localDate = z.iso.date();
const xof = (description = 'XOF') => z.number().int().meta({ description });
const LOAN_STATUSES = ['accorde', 'decaisse', 'en_remboursement', 'solde', 'en_defaut'] as const;
const METHODS = ['mobile_money', 'cash'] as const;
const ROW_STATUSES = ['paye', 'a_payer', 'en_retard'] as const;

export const disbursementBody = z
  .object({
    method: z
      .enum(METHODS)
      .optional()
      .meta({
        description:
          "`mobile_money`: a payout to the client's phone (the default when the provider pays out); " +
          '`cash`: handed over at the branch by the caller',
      }),
  })
  .meta({ id: 'LoanDisbursement' });

export const grantBody = z
  .object({
    application_id: z.number().int().positive().max(2_147_483_647),
    decision: z.literal('approve').default('approve').meta({ description: 'Only `approve`: the grant' }),
  })
  .meta({ id: 'LoanGrant' });

export const loanListQuery = pageQuery.extend({
  status: z.enum(LOAN_STATUSES).optional(),
  client_id: recordId.optional().meta({ description: 'Staff only' }),
  sfd_id: recordId.optional().meta({ description: 'Platform admin only' }),
});

export const calendarQuery = z.object({
  format: z.enum(['json', 'csv']).default('json').meta({ description: '`csv`: text/csv, a header row' }),
});

export const instalmentListQuery = pageQuery.extend({
  loan_id: recordId.optional(),
  status: z.enum(ROW_STATUSES).optional().meta({ description: "As shown on today's date in the SFD" }),
  date_from: localDate.optional().meta({ description: 'Due on or after this day' }),
  date_to: localDate.optional().meta({ description: 'Due on or before this day' }),
  sfd_id: recordId.optional().meta({ description: 'Platform admin only' }),
});

export const dueSoonQuery = pageQuery.extend({
  jours: z.coerce.number().int().min(1).max(60).default(7).meta({ description: 'Days ahead, 1 to 60' }),
  sfd_id: recordId.optional().meta({ description: 'Platform admin only' }),
});

export const lateQuery = pageQuery.extend({
  sfd_id: recordId.optional().meta({ description: 'Platform admin only' }),
});

export const firstDueBody = z
  .object({
    loan_id: z.number().int().positive().max(2_147_483_647),
    first_due_date: localDate.meta({ description: "1 to 60 days after today (the SFD's local date)" }),
  })
  .meta({ id: 'LoanFirstDueDate' });

export const loanSchema = z
  .object({
    id: z.number().int(),
    sfd_id: z.number().int(),
    client_id: z.number().int(),
    application_id: z.number().int(),
    status: z.enum(LOAN_STATUSES),
    principal: xof('The amount lent'),
    annual_rate: z.number().meta({ description: 'Percent a year (12 = 12 %)' }),
    months: z.number().int(),
    method: z.enum(['annuity', 'flat']),
    fees: xof('Kept from the disbursement'),
    penalty_daily_bp: z.number().int().meta({ description: 'Basis points a day on a late unpaid amount' }),
    teg: z.number().meta({ description: 'Effective global rate, percent a year' }),
    savings_account_id: z.number().int(),
    guarantee_amount: xof('Held on the savings account until solde'),
    granted_by: z.number().int().nullable(),
    granted_at: z.iso.datetime(),
    disbursement_method: z.enum(METHODS).nullable(),
    disbursement_reference: z.string().nullable().meta({ description: 'Mobile money: the payout' }),
    disbursed_by: z.number().int().nullable(),
    disbursed_at: z.iso.datetime().nullable(),
    first_due_date: localDate.nullable(),
    defaulted_at: z.iso.datetime().nullable(),
    closed_at: z.iso.datetime().nullable(),
    created_at: z.iso.datetime(),
    outstanding_principal: xof('Lent and not repaid yet (ledger)'),
  })
  .meta({ id: 'Loan' });

export const loanDto = (l: Loan, outstanding: number): z.input<typeof loanSchema> => ({
  id: l.id,
  sfd_id: l.sfdId,
  client_id: l.clientId,
  application_id: l.applicationId,
  status: l.status,
  principal: l.principal,
  annual_rate: percentOf(l.annualRateBp),
  months: l.months,
  method: l.method,
  fees: l.fees,
  penalty_daily_bp: l.penaltyDailyBp,
  teg: percentOf(l.tegBp),
  savings_account_id: l.savingsAccountId,
  guarantee_amount: l.guaranteeAmount,
  granted_by: l.grantedBy,
  granted_at: l.grantedAt.toISOString(),
  disbursement_method: l.disbursementMethod,
  disbursement_reference: l.disbursementReference,
  disbursed_by: l.disbursedBy,
  disbursed_at: l.disbursedAt?.toISOString() ?? null,
  first_due_date: l.firstDueDate,
  defaulted_at: l.defaultedAt?.toISOString() ?? null,
  closed_at: l.closedAt?.toISOString() ?? null,
  created_at: l.createdAt.toISOString(),
  outstanding_principal: outstanding,
});

export const instalmentSchema = z
  .object({
    id: z.number().int(),
    loan_id: z.number().int(),
    sfd_id: z.number().int(),
    client_id: z.number().int(),
    n: z.number().int(),
    due_date: localDate,
    principal: xof(),
    interest: xof(),
    total: xof(),
    principal_paid: xof(),
    interest_paid: xof(),
    interest_waived: xof('Forgiven by an early payoff'),
    penalty_accrued: xof(),
    penalty_paid: xof(),
    paid: xof('Principal, interest and penalties paid'),
    principal_due: xof(),
    interest_due: xof(),
    penalty_due: xof(),
    total_due: xof('Still owed on this row'),
    status: z.enum(ROW_STATUSES).meta({ description: 'en_retard: unpaid and its due date passed' }),
    days_late: z.number().int(),
    paid_at: z.iso.datetime().nullable(),
  })
  .meta({ id: 'LoanInstalment' });

export const instalmentDto = (v: InstalmentView): z.input<typeof instalmentSchema> => ({
  id: v.row.id,
  loan_id: v.row.loanId,
  sfd_id: v.row.sfdId,
  client_id: v.clientId,
  n: v.row.n,
  due_date: v.row.dueDate,
  principal: v.row.principal,
  interest: v.row.interest,
  total: v.row.total,
  principal_paid: v.row.principalPaid,
  interest_paid: v.row.interestPaid,
  interest_waived: v.row.interestWaived,
  penalty_accrued: v.row.penaltyAccrued,
  penalty_paid: v.row.penaltyPaid,
  paid: v.row.principalPaid + v.row.interestPaid + v.row.penaltyPaid,
  principal_due: v.due.principal,
  interest_due: v.due.interest,
  penalty_due: v.due.penalty,
  total_due: v.due.total,
  status: v.status,
  days_late: v.daysLate,
  paid_at: v.row.paidAt?.toISOString() ?? null,
});

const totalsSchema = z.object({
  principal_paid: xof(),
  interest_paid: xof(),
  penalty_paid: xof(),
  paid: xof(),
  principal_due: xof(),
  interest_due: xof(),
  penalty_due: xof(),
  due: xof('Everything still owed on the schedule'),
});

export function totalsOf(rows: InstalmentView[]): z.input<typeof totalsSchema> {
  const sum = (pick: (v: InstalmentView) => number) => rows.reduce((s, v) => s + pick(v), 0);
  const principalPaid = sum((v) => v.row.principalPaid);
  const interestPaid = sum((v) => v.row.interestPaid);
  const penaltyPaid = sum((v) => v.row.penaltyPaid);
  return {
    principal_paid: principalPaid,
    interest_paid: interestPaid,
    penalty_paid: penaltyPaid,
    paid: principalPaid + interestPaid + penaltyPaid,
    principal_due: sum((v) => v.due.principal),
    interest_due: sum((v) => v.due.interest),
    penalty_due: sum((v) => v.due.penalty),
    due: sum((v) => v.due.total),
  };
}

export const loanDetailSchema = loanSchema
  .extend({
    terms: z.object({
      annual_rate_bp: z.number().int(),
      teg_bp: z.number().int(),
      instalment: xof('The regular monthly instalment'),
    }),
    guarantee: z.object({
      savings_amount: xof('Held on the savings account'),
      others: z.array(
        z.object({ id: z.number().int(), type: z.string(), value: xof(), description: z.string() }),
      ),
    }),
    next_instalment: instalmentSchema.nullable().meta({ description: 'The oldest unpaid row' }),
    totals: totalsSchema,
  })
  .meta({ id: 'LoanDetail' });

export function loanDetailDto(
  loan: Loan,
  read: { rows: InstalmentView[]; guarantees: LoanGuarantee[]; outstanding: number },
  instalment: number,
): z.input<typeof loanDetailSchema> {
  const next = read.rows.find((v) => v.status !== 'paye');
  return {
    ...loanDto(loan, read.outstanding),
    terms: { annual_rate_bp: loan.annualRateBp, teg_bp: loan.tegBp, instalment },
    guarantee: {
      savings_amount: loan.guaranteeAmount,
      others: read.guarantees.map((g) => ({
        id: g.id,
        type: g.type,
        value: g.value,
        description: g.description,
      })),
    },
    next_instalment: next ? instalmentDto(next) : null,
    totals: totalsOf(read.rows),
  };
}

export const calendarSchema = z
  .object({
    loan_id: z.number().int(),
    status: z.enum(LOAN_STATUSES),
    today: localDate.meta({ description: "The SFD's local date the statuses are computed on" }),
    rows: z.array(instalmentSchema),
    totals: totalsSchema.extend({ principal: xof(), interest: xof(), total: xof() }),
  })
  .meta({ id: 'LoanCalendar' });

export const CALENDAR_COLUMNS = [
  'n',
  'due_date',
  'principal',
  'interest',
  'total',
  'paid',
  'penalty_accrued',
  'total_due',
  'status',
  'days_late',
] as const;

export const calendarCsvRows = (rows: z.input<typeof instalmentSchema>[]) =>
  rows.map(
    (r) => Object.fromEntries(CALENDAR_COLUMNS.map((c) => [c, r[c]])) as Record<string, string | number>,
  );

export const CALENDAR_CSV_EXAMPLE =
  `${CALENDAR_COLUMNS.join(',')}\r\n` +
  '1,2027-01-03,7885,1000,8885,8885,0,0,paye,0\r\n' +
  '2,2027-02-03,7964,921,8885,0,18,8903,en_retard,2\r\n';

export const schedulePreviewSchema = z
  .object({
    loan_id: z.number().int(),
    first_due_date: localDate,
    instalment: xof('The regular monthly instalment'),
    rows: z.array(
      z.object({
        n: z.number().int(),
        due_date: localDate,
        principal: xof(),
        interest: xof(),
        total: xof(),
        outstanding_after: xof('Principal still owed once this row is paid'),
      }),
    ),
    totals: z.object({ principal: xof(), interest: xof(), total: xof() }),
  })
  .meta({ id: 'LoanSchedulePreview' });

export const schedulePreviewDto = (
  loanId: number,
  firstDueDate: LocalDate,
  s: Schedule,
): z.input<typeof schedulePreviewSchema> => ({
  loan_id: loanId,
  first_due_date: firstDueDate,
  instalment: s.instalment,
  rows: s.rows.map((r) => ({
    n: r.n,
    due_date: r.dueDate,
    principal: r.principal,
    interest: r.interest,
    total: r.total,
    outstanding_after: r.outstandingAfter,
  })),
  totals: s.totals,
});
