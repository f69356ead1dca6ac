import { z } from 'zod';
import { pageQuery } from '../http/pagination';
import { safeText } from '../http/text';
import { recordId } from '../http/validate';
import {
  LOAN_PURPOSES,
  MIN_LOAN_AMOUNT,
  type Loan,
  type LoanApplication,
  type LoanApplicationStatus,
  type LoanTerms,
} from './entities';
import { basisPoints, percentOf } from './rate';
import { MAX_MONTHS, MIN_MONTHS, type Schedule } from './schedule';
import type { LoanSettingsView } from './settings';
import { guaranteeAmountOf } from './terms';

/**
 * The applications' and terms' bodies, queries and answers. One naming style: English snake_case like
 * the rest of the API; only the simulator's query keeps the French names the issue gives.
 */

const STATUSES = [
  'soumis',
  'en_cours_examen',
  'transfere_admin',
  'accorde',
  'rejete',
] as const satisfies readonly LoanApplicationStatus[];
const METHODS = ['annuity', 'flat'] as const;
const MAX_AMOUNT = 1_000_000_000;
const localDate = z.iso.date();

const money = (min: number) => z.number().int().min(min).max(MAX_AMOUNT);
const months = z.number().int().min(MIN_MONTHS).max(MAX_MONTHS);

/** A percentage as a number or decimal text, at most two decimals → basis points (rate.ts). */
const percentBp = (maxBp: number, description: string) =>
  z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      try {
        const bp = basisPoints(v);
        if (bp <= maxBp) return bp;
      } catch {
        // reported below
      }
      ctx.addIssue({
        code: 'custom',
        message: `a percentage from 0 to ${maxBp / 100}, two decimals at most`,
      });
      return z.NEVER;
    })
    .meta({ description });

/** POST /api/loans/applications/: the client for themself, or staff for `client_id`. */
export const applyBody = z
  .object({
    client_id: recordId.optional().meta({ description: 'Staff: the client of their SFD (required)' }),
    amount: money(MIN_LOAN_AMOUNT).meta({ description: 'XOF, at least 10 000, at most 5× the savings' }),
    months,
    purpose: z.enum(LOAN_PURPOSES),
    monthly_income: money(0).nullable().optional().meta({ description: 'Declared, XOF a month' }),
  })
  .meta({ id: 'LoanApplicationRequest' });
export type ApplyBody = z.output<typeof applyBody>;

/** The terms' fields, shared by process-application and POST /api/loans/terms/. */
const termsFields = {
  amount: money(MIN_LOAN_AMOUNT)
    .optional()
    .meta({ description: 'XOF to lend, at most the amount asked for (default: that amount)' }),
  annual_rate: percentBp(10_000, 'Nominal annual rate, percent (12 or "12.5")'),
  months: months.optional().meta({ description: 'Default: the months asked for' }),
  method: z.enum(METHODS).default('annuity'),
  fees: money(0).default(0).meta({ description: 'XOF kept at the disbursement, at most 10 % of the amount' }),
  daily_penalty_rate: percentBp(
    100,
    'Penalty per day late on the unpaid instalment, percent (0.1), at most 1',
  ),
  savings_guarantee_pct: z
    .number()
    .int()
    .min(0)
    .max(100)
    .default(0)
    .meta({ description: 'Percent of the amount held on the savings from grant to solde' }),
  comment: safeText(1, 500).optional().meta({ description: "The superviseur's analysis" }),
};

export const processBody = z
  .object({
    ...termsFields,
    forward: z.boolean().default(false).meta({ description: 'Forward to the admin_sfd for the decision' }),
  })
  .meta({ id: 'LoanProcessApplication' });
export type ProcessBody = z.output<typeof processBody>;

export const termsBody = z
  .object({ application_id: recordId, ...termsFields })
  .meta({ id: 'LoanTermsRequest' });
export type TermsBody = z.output<typeof termsBody>;

export const listApplicationsQuery = pageQuery.extend({
  status: z.enum(STATUSES).optional(),
  client_id: recordId.optional().meta({ description: 'Staff only' }),
  sfd_id: recordId.optional().meta({ description: 'Platform admin only' }),
  date_from: localDate.optional().meta({ description: "First day (created), in the SFD's time zone" }),
  date_to: localDate.optional().meta({ description: "Last day (included), in the SFD's time zone" }),
});
export type ListApplicationsQuery = z.output<typeof listApplicationsQuery>;

export const listTermsQuery = pageQuery.extend({
  application_id: recordId.optional(),
  sfd_id: recordId.optional().meta({ description: 'Platform admin only' }),
});

const numeric = (schema: z.ZodNumber) => z.coerce.number().pipe(schema);
export const simulateQuery = z.object({
  montant: numeric(money(MIN_LOAN_AMOUNT)).meta({ description: 'XOF' }),
  taux: percentBp(10_000, 'Annual rate, percent'),
  duree: numeric(months).meta({ description: 'Months, 1–60' }),
  methode: z.enum(METHODS).default('annuity'),
  frais: numeric(money(0)).default(0).meta({ description: 'XOF, in the TEG' }),
  premiere_echeance: localDate.optional().meta({ description: 'First due date (default: in one month)' }),
});

export const settingsBody = z
  .object({
    usury_cap: percentBp(10_000, 'The usury cap a TEG may not exceed, percent, above 0').optional(),
    default_after_days: z.number().int().min(1).max(365).optional(),
  })
  .refine((b) => b.usury_cap === undefined || b.usury_cap > 0, { path: ['usury_cap'], message: 'above 0' })
  .refine((b) => b.usury_cap !== undefined || b.default_after_days !== undefined, {
    path: ['non_field_errors'],
    message: 'required',
  })
  .meta({ id: 'LoanSettingsUpdate' });

export const settingsQuery = z.object({
  sfd_id: recordId.optional().meta({ description: 'Platform admin: the SFD (required for them)' }),
});

// ---- answers

const iso = z.iso.datetime();

export const termsSchema = z
  .object({
    id: z.number().int(),
    sfd_id: z.number().int(),
    application_id: z.number().int(),
    amount: z.number().int(),
    annual_rate: z.number().meta({ description: 'Percent' }),
    months: z.number().int(),
    method: z.enum(METHODS),
    fees: z.number().int(),
    daily_penalty_rate: z.number().meta({ description: 'Percent a day' }),
    savings_guarantee_pct: z.number().int(),
    guarantee_amount: z.number().int().meta({ description: 'XOF held on the savings at the grant' }),
    teg: z.number().meta({ description: 'Percent, two decimals, fees included' }),
    set_by: z.number().int().nullable(),
    created_at: iso,
    updated_at: iso,
  })
  .meta({ id: 'LoanTerms' });

export const termsDto = (t: LoanTerms): z.input<typeof termsSchema> => ({
  id: t.id,
  sfd_id: t.sfdId,
  application_id: t.applicationId,
  amount: t.amount,
  annual_rate: percentOf(t.annualRateBp),
  months: t.months,
  method: t.method,
  fees: t.fees,
  daily_penalty_rate: percentOf(t.penaltyDailyBp),
  savings_guarantee_pct: t.guaranteePct,
  guarantee_amount: guaranteeAmountOf(t.amount, t.guaranteePct),
  teg: percentOf(t.tegBp),
  set_by: t.setBy,
  created_at: t.createdAt.toISOString(),
  updated_at: t.updatedAt.toISOString(),
});

export const applicationSchema = z
  .object({
    id: z.number().int(),
    sfd_id: z.number().int(),
    client_id: z.number().int(),
    status: z.enum(STATUSES),
    amount: z.number().int().meta({ description: 'XOF asked for' }),
    months: z.number().int(),
    purpose: z.enum(LOAN_PURPOSES),
    monthly_income: z.number().int().nullable(),
    savings_account_id: z.number().int(),
    savings_balance: z.number().int().meta({ description: 'At application time' }),
    channel: z.enum(['ussd', 'back_office']),
    requested_by: z.number().int().nullable(),
    reviewed_by: z.number().int().nullable(),
    reviewed_at: iso.nullable(),
    review_comment: z.string().nullable().optional().meta({ description: 'Staff only' }),
    forwarded_at: iso.nullable(),
    decided_by: z.number().int().nullable(),
    decided_at: iso.nullable(),
    reason: z.string().nullable(),
    created_at: iso,
    updated_at: iso,
    terms: termsSchema.nullable().optional().meta({ description: 'One application: its terms, if set' }),
    loan_id: z.number().int().nullable().optional().meta({ description: 'Once granted' }),
  })
  .meta({ id: 'LoanApplication' });

export function applicationDto(
  a: LoanApplication,
  extra: { terms?: LoanTerms | null; loan?: Pick<Loan, 'id'> | null; client?: boolean } = {},
): z.input<typeof applicationSchema> {
  return {
    id: a.id,
    sfd_id: a.sfdId,
    client_id: a.clientId,
    status: a.status,
    amount: a.amount,
    months: a.months,
    purpose: a.purpose,
    monthly_income: a.monthlyIncome,
    savings_account_id: a.savingsAccountId,
    savings_balance: a.savingsBalance,
    channel: a.channel,
    requested_by: a.requestedBy,
    reviewed_by: a.reviewedBy,
    reviewed_at: a.reviewedAt?.toISOString() ?? null,
    // The superviseur's analysis is for staff.
    ...(extra.client ? {} : { review_comment: a.reviewComment }),
    forwarded_at: a.forwardedAt?.toISOString() ?? null,
    decided_by: a.decidedBy,
    decided_at: a.decidedAt?.toISOString() ?? null,
    reason: a.reason,
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
    ...(extra.terms !== undefined ? { terms: extra.terms ? termsDto(extra.terms) : null } : {}),
    ...(extra.loan !== undefined ? { loan_id: extra.loan?.id ?? null } : {}),
  };
}

const rowSchema = z.object({
  n: z.number().int(),
  due_date: localDate,
  principal: z.number().int(),
  interest: z.number().int(),
  total: z.number().int(),
  outstanding_after: z.number().int(),
});
const totalsSchema = z.object({
  principal: z.number().int(),
  interest: z.number().int(),
  total: z.number().int(),
});

export const processedSchema = applicationSchema
  .extend({
    schedule: z.object({
      instalment: z.number().int().meta({ description: 'The regular monthly instalment, XOF' }),
      first_due_date: localDate.meta({ description: 'Provisional: set at the disbursement' }),
      totals: totalsSchema,
    }),
    teg: z.number().meta({ description: 'Percent, fees included' }),
  })
  .meta({ id: 'LoanApplicationProcessed' });

export const scheduleDto = (s: Schedule) => ({
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

export const simulationSchema = z
  .object({
    amount: z.number().int(),
    annual_rate: z.number(),
    months: z.number().int(),
    method: z.enum(METHODS),
    fees: z.number().int(),
    instalment: z.number().int(),
    rows: z.array(rowSchema),
    totals: totalsSchema,
    teg: z.number().meta({ description: 'Percent, fees included' }),
  })
  .meta({ id: 'LoanSimulation' });

export const decisionAnswerSchema = applicationSchema.meta({ id: 'LoanApplicationDecided' });

export const settingsSchema = z
  .object({
    sfd_id: z.number().int(),
    usury_cap: z.number().meta({ description: 'Percent' }),
    default_after_days: z.number().int(),
  })
  .meta({ id: 'LoanSettings' });

export const settingsDto = (s: LoanSettingsView): z.input<typeof settingsSchema> => ({
  sfd_id: s.sfdId,
  usury_cap: percentOf(s.usuryCapBp),
  default_after_days: s.defaultAfterDays,
});
