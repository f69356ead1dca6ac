import { z } from 'zod';
import { recordId } from '../http/validate';
import { percentOf } from './rate';
import type { AnalysisReport } from './reports';
import { APPLICATION_STATUSES, ARREARS_BUCKETS, LOAN_STATUSES, type PortfolioStatistics } from './statistics';

/** The answer shapes of the analysis report and of the portfolio statistics (and its CSV). */

const localDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const ratio = z
  .string()
  .regex(/^\d+\.\d{4}$/)
  .nullable()
  .meta({ description: 'A decimal with 4 places ("0.1250" is 12.5 %); null when nothing to divide by' });

const monthSchema = z.object({
  month: z.string().meta({ description: "YYYY-MM, the SFD's local month" }),
  deposits_count: z.number().int(),
  deposits_amount: z.number().int(),
  withdrawals_count: z.number().int(),
  withdrawals_amount: z.number().int(),
  closing_balance: z.number().int().meta({ description: 'XOF at the end of the month (now, for this one)' }),
});

export const analysisSchema = z
  .object({
    application_id: z.number().int(),
    client_id: z.number().int(),
    sfd_id: z.number().int(),
    status: z.string(),
    amount: z.number().int(),
    months: z.number().int(),
    as_of: localDay.meta({ description: "The SFD's local day the report was read" }),
    eligibility: z.object({
      eligible: z.boolean().meta({ description: 'Apart from this application itself' }),
      reasons: z.array(z.string()),
      savings_age_days: z.number().int(),
      savings_balance: z.number().int(),
      max_amount: z.number().int().meta({ description: '5 × the savings balance when eligible, else 0' }),
    }),
    savings: z.object({
      account_id: z.number().int(),
      balance: z.number().int(),
      deposits_count: z.number().int(),
      deposits_amount: z.number().int(),
      withdrawals_count: z.number().int(),
      withdrawals_amount: z.number().int(),
      months_with_deposits: z.number().int(),
      months: z.array(monthSchema).meta({ description: 'The last 6 local months, oldest first' }),
    }),
    tontines: z.object({
      accounts: z.number().int(),
      balance: z.number().int(),
      contributions: z.number().int(),
      total_contributed: z.number().int(),
      months_active: z.number().int().meta({ description: 'Local months with at least one contribution' }),
    }),
    repayment_history: z.object({
      loans: z.number().int().meta({ description: 'Earlier loans disbursed (this one excluded)' }),
      solde: z.number().int(),
      ever_defaulted: z.boolean(),
      late_instalments: z.number().int(),
      max_days_late: z.number().int(),
      penalties_paid: z.number().int(),
    }),
    debt_to_income: z.object({
      instalment: z.number().int(),
      basis: z.enum(['terms', 'asked_zero_rate']),
      monthly_income: z.number().int().nullable(),
      ratio,
    }),
    teg: z.object({
      teg_pct: z.number().nullable().meta({ description: "The terms' TEG, percent; null before any terms" }),
      usury_cap_pct: z.number(),
      exceeds_cap: z.boolean().nullable(),
    }),
    score: z.object({
      total: z.number().int().min(0).max(100),
      factors: z.array(
        z.object({
          name: z.string(),
          value: z.union([z.number(), z.string(), z.null()]),
          points: z.number().int(),
          max_points: z.number().int(),
        }),
      ),
    }),
  })
  .meta({ id: 'LoanAnalysisReport' });

export function analysisDto(r: AnalysisReport): z.input<typeof analysisSchema> {
  const sum = (pick: (m: AnalysisReport['savings']['months'][number]) => number) =>
    r.savings.months.reduce((s, m) => s + pick(m), 0);
  return {
    application_id: r.application.id,
    client_id: r.application.clientId,
    sfd_id: r.application.sfdId,
    status: r.application.status,
    amount: r.application.amount,
    months: r.application.months,
    as_of: r.asOf,
    eligibility: {
      eligible: r.eligibility.eligible,
      reasons: r.eligibility.reasons,
      savings_age_days: r.eligibility.savingsAgeDays,
      savings_balance: r.eligibility.savingsBalance,
      max_amount: r.eligibility.maxAmount,
    },
    savings: {
      account_id: r.savings.accountId,
      balance: r.savings.balance,
      deposits_count: sum((m) => m.depositsCount),
      deposits_amount: sum((m) => m.depositsAmount),
      withdrawals_count: sum((m) => m.withdrawalsCount),
      withdrawals_amount: sum((m) => m.withdrawalsAmount),
      months_with_deposits: r.savings.monthsWithDeposits,
      months: r.savings.months.map((m) => ({
        month: m.month,
        deposits_count: m.depositsCount,
        deposits_amount: m.depositsAmount,
        withdrawals_count: m.withdrawalsCount,
        withdrawals_amount: m.withdrawalsAmount,
        closing_balance: m.closingBalance,
      })),
    },
    tontines: {
      accounts: r.tontines.accounts,
      balance: r.tontines.balance,
      contributions: r.tontines.contributions,
      total_contributed: r.tontines.totalContributed,
      months_active: r.tontines.monthsActive,
    },
    repayment_history: {
      loans: r.repayments.loans,
      solde: r.repayments.solde,
      ever_defaulted: r.repayments.everDefaulted,
      late_instalments: r.repayments.lateInstalments,
      max_days_late: r.repayments.maxDaysLate,
      penalties_paid: r.repayments.penaltiesPaid,
    },
    debt_to_income: {
      instalment: r.debtToIncome.instalment,
      basis: r.debtToIncome.basis,
      monthly_income: r.debtToIncome.monthlyIncome,
      ratio: r.debtToIncome.ratio,
    },
    teg: {
      teg_pct: r.teg.tegBp === null ? null : percentOf(r.teg.tegBp),
      usury_cap_pct: percentOf(r.teg.usuryCapBp),
      exceeds_cap: r.teg.exceedsCap,
    },
    score: {
      total: r.score.total,
      factors: r.score.factors.map((f) => ({
        name: f.name,
        value: f.value,
        points: f.points,
        max_points: f.maxPoints,
      })),
    },
  };
}

export const statisticsQuery = z
  .object({
    sfd_id: recordId.optional().meta({ description: 'Platform admin only: one SFD' }),
    date_from: z.iso
      .date()
      .optional()
      .meta({ description: 'Disbursed / granted from this local day (included)' }),
    date_to: z.iso
      .date()
      .optional()
      .meta({ description: 'Disbursed / granted up to this local day (included)' }),
    format: z.enum(['json', 'csv']).default('json').meta({ description: '`csv`: text/csv, a header row' }),
  })
  .refine((q) => !q.date_from || !q.date_to || q.date_from <= q.date_to, {
    path: ['date_to'],
    message: 'date_to is before date_from',
  });

const counts = <T extends readonly string[]>(keys: T) =>
  z.object(Object.fromEntries(keys.map((k) => [k, z.number().int()])) as Record<T[number], z.ZodNumber>);

export const statisticsRowSchema = z
  .object({
    sfd_id: z.number().int(),
    as_of: localDay,
    disbursed_count: z.number().int(),
    disbursed_amount: z
      .number()
      .int()
      .meta({ description: 'XOF: principal of the loans disbursed (in the period)' }),
    active_loans: z.number().int().meta({ description: 'Loans out: decaisse, en_remboursement, en_defaut' }),
    gross_outstanding: z
      .number()
      .int()
      .meta({ description: 'XOF: principal not yet repaid on the loans out' }),
    repayment_due: z.number().int().meta({ description: 'XOF: principal + interest due on or before today' }),
    repayment_paid: z.number().int().meta({ description: 'XOF: what of it is paid' }),
    repayment_rate: ratio,
    arrears: z.array(
      z.object({
        bucket: z.enum(ARREARS_BUCKETS).meta({ description: 'Days late of the oldest unpaid instalment' }),
        count: z.number().int(),
        outstanding: z.number().int().meta({ description: "XOF: the loans' whole outstanding principal" }),
      }),
    ),
    par30: ratio,
    par90: ratio,
    granted_count: z.number().int(),
    average_processing_hours: z.number().nullable().meta({ description: 'Application created → granted' }),
    loans_by_status: counts(LOAN_STATUSES as readonly string[]),
    applications_by_status: counts(APPLICATION_STATUSES as readonly string[]),
  })
  .meta({ id: 'LoanPortfolioStatistics' });

export const statisticsSchema = z.object({ results: z.array(statisticsRowSchema) });

export const statisticsDto = (s: PortfolioStatistics): z.input<typeof statisticsRowSchema> => ({
  sfd_id: s.sfdId,
  as_of: s.asOf,
  disbursed_count: s.disbursedCount,
  disbursed_amount: s.disbursedAmount,
  active_loans: s.activeLoans,
  gross_outstanding: s.grossOutstanding,
  repayment_due: s.repaymentDue,
  repayment_paid: s.repaymentPaid,
  repayment_rate: s.repaymentRate,
  arrears: s.arrears,
  par30: s.par30,
  par90: s.par90,
  granted_count: s.grantedCount,
  average_processing_hours: s.averageProcessingHours,
  loans_by_status: s.loansByStatus,
  applications_by_status: s.applicationsByStatus,
});

/** The CSV: one row per SFD, the buckets and the status counts as columns of their own. */
export const STATISTICS_COLUMNS = [
  'sfd_id',
  'as_of',
  'disbursed_count',
  'disbursed_amount',
  'active_loans',
  'gross_outstanding',
  'repayment_due',
  'repayment_paid',
  'repayment_rate',
  ...ARREARS_BUCKETS.flatMap((b) => [`arrears_${b}_count`, `arrears_${b}_outstanding`]),
  'par30',
  'par90',
  'granted_count',
  'average_processing_hours',
  ...LOAN_STATUSES.map((s) => `loans_${s}`),
  ...APPLICATION_STATUSES.map((s) => `applications_${s}`),
] as const;

export function statisticsCsvRows(rows: PortfolioStatistics[]): Record<string, string | number | null>[] {
  return rows.map((s) => ({
    ...Object.fromEntries(
      Object.entries(statisticsDto(s)).filter(([, v]) => v === null || typeof v !== 'object'),
    ),
    ...Object.fromEntries(
      s.arrears.flatMap((a) => [
        [`arrears_${a.bucket}_count`, a.count],
        [`arrears_${a.bucket}_outstanding`, a.outstanding],
      ]),
    ),
    ...Object.fromEntries(LOAN_STATUSES.map((st) => [`loans_${st}`, s.loansByStatus[st]])),
    ...Object.fromEntries(
      APPLICATION_STATUSES.map((st) => [`applications_${st}`, s.applicationsByStatus[st]]),
    ),
  })) as Record<string, string | number | null>[];
}
