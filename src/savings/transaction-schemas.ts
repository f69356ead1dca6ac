import { z } from 'zod';
import { phoneSchema } from '../accounts/phone';
import { pageQuery } from '../http/pagination';
import { safeText } from '../http/text';
import { recordId } from '../http/validate';
import { paymentSchema } from '../payments/schemas';
import { formatAccountNumber } from './account-number';
import { MIN_DEPOSIT, MIN_WITHDRAWAL, type SavingsTransaction } from './entities';
import type { SavingsStatistics } from './transaction-reads';

const localDate = z.iso.date();
const TYPES = ['depot', 'retrait'] as const;
const STATUSES = ['en_cours', 'confirmee', 'echouee', 'annulee'] as const;
const METHODS = ['mobile_money', 'cash'] as const;
const amount = (min: number) =>
  z
    .number()
    .int()
    .min(min)
    .max(1_000_000_000)
    .meta({ description: `XOF, at least ${min}` });

/** A collector app's Idempotency-Key header (cash deposits). */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,100}$/;

export const depositBody = z.object({
  amount: amount(MIN_DEPOSIT),
  method: z.enum(METHODS),
  phone: phoneSchema
    .optional()
    .meta({ description: "Mobile money: the wallet to charge (default: the client's phone)" }),
});
export type DepositBody = z.output<typeof depositBody>;

export const withdrawBody = z.object({ amount: amount(MIN_WITHDRAWAL) });
export type WithdrawBody = z.output<typeof withdrawBody>;

/** POST /api/savings/transactions/: a deposit or a withdrawal request, the account in the body. */
const bodyAccountId = z.number().int().positive().max(2_147_483_647);
export const transactionBody = z.discriminatedUnion('type', [
  depositBody.extend({ type: z.literal('depot'), account_id: bodyAccountId }),
  withdrawBody.extend({ type: z.literal('retrait'), account_id: bodyAccountId }),
]);

/** The one decision body (workflow/decide.ts), with how an approved withdrawal is paid. */
export const savingsWithdrawalDecisionBody = z
  .object({
    decision: z.enum(['approve', 'reject']),
    reason: safeText(1, 300).optional(),
    method: z
      .enum(METHODS)
      .optional()
      .meta({
        description:
          "Approve: mobile money to the client's phone (the default when the provider pays out), or " +
          'cash handed over at the branch by the deciding agent',
      }),
  })
  .refine((b) => b.decision === 'approve' || (b.reason !== undefined && b.reason.length > 0), {
    path: ['reason'],
    message: 'required',
  })
  .meta({ id: 'SavingsWithdrawalDecision' });

export const savingsTransactionSchema = z
  .object({
    id: z.number().int(),
    sfd_id: z.number().int(),
    account_id: z.number().int(),
    account_number: z.string().meta({ description: 'CSC-0001234-0' }),
    client_id: z.number().int(),
    type: z.enum(TYPES),
    status: z.enum(STATUSES),
    method: z.enum(METHODS),
    amount: z.number().int().meta({ description: 'XOF' }),
    collected_by: z.number().int().nullable().meta({ description: 'Cash: the agent who took or handed it' }),
    payment_reference: z.string().nullable().meta({ description: 'Mobile money: the payment or payout' }),
    journal_entry_key: z.string().nullable(),
    requested_by: z.number().int().nullable(),
    decided_by: z.number().int().nullable(),
    decided_at: z.iso.datetime().nullable(),
    reason: z.string().nullable(),
    created_at: z.iso.datetime(),
    confirmed_at: z.iso.datetime().nullable(),
    payment: paymentSchema.optional().meta({ description: 'A deposit by mobile money, as started' }),
  })
  .meta({ id: 'SavingsTransaction' });

export const savingsTransactionDto = (t: SavingsTransaction): z.input<typeof savingsTransactionSchema> => ({
  id: t.id,
  sfd_id: t.sfdId,
  account_id: t.accountId,
  account_number: formatAccountNumber(t.accountId),
  client_id: t.clientId,
  type: t.type,
  status: t.status,
  method: t.method,
  amount: t.amount,
  collected_by: t.collectedBy,
  payment_reference: t.paymentReference,
  journal_entry_key: t.journalEntryKey,
  requested_by: t.requestedBy,
  decided_by: t.decidedBy,
  decided_at: t.decidedAt?.toISOString() ?? null,
  reason: t.reason,
  created_at: t.createdAt.toISOString(),
  confirmed_at: t.confirmedAt?.toISOString() ?? null,
});

const filters = {
  type: z.enum(TYPES).optional(),
  status: z.enum(STATUSES).optional(),
  method: z.enum(METHODS).optional(),
  date_from: localDate.optional().meta({ description: "First day, in the SFD's time zone" }),
  date_to: localDate.optional().meta({ description: "Last day (included), in the SFD's time zone" }),
};

export const listQuery = pageQuery.extend({
  account_id: recordId.optional(),
  client_id: recordId.optional().meta({ description: 'Staff only' }),
  ...filters,
  sfd_id: recordId.optional().meta({ description: 'Platform admin only' }),
});

export const accountTransactionsQuery = pageQuery.extend(filters);

export const statisticsQuery = z.object({
  sfd_id: recordId.optional().meta({ description: 'Platform admin only' }),
  format: z.enum(['json', 'csv']).default('json').meta({ description: '`csv`: text/csv, a header row' }),
});

const figures = {
  deposits_count: z.number().int().meta({ description: 'Confirmed deposits' }),
  deposits_amount: z.number().int().meta({ description: 'XOF, confirmed deposits' }),
  withdrawals_count: z.number().int().meta({ description: 'Confirmed withdrawals' }),
  withdrawals_amount: z.number().int().meta({ description: 'XOF, confirmed withdrawals' }),
};

export const statisticsRowSchema = z
  .object({
    sfd_id: z.number().int(),
    ...figures,
    active_accounts: z.number().int(),
    average_balance: z
      .number()
      .int()
      .meta({ description: "XOF: the active accounts' mean balance (ledger)" }),
    months: z.array(
      z.object({ month: z.string().meta({ description: "YYYY-MM, the SFD's local month" }), ...figures }),
    ),
  })
  .meta({ id: 'SavingsStatistics' });

export const statisticsSchema = z.object({ results: z.array(statisticsRowSchema) });

export const statisticsDto = (s: SavingsStatistics): z.input<typeof statisticsRowSchema> => ({
  sfd_id: s.sfdId,
  deposits_count: s.depositsCount,
  deposits_amount: s.depositsAmount,
  withdrawals_count: s.withdrawalsCount,
  withdrawals_amount: s.withdrawalsAmount,
  active_accounts: s.activeAccounts,
  average_balance: s.averageBalance,
  months: s.months.map((m) => ({
    month: m.month,
    deposits_count: m.depositsCount,
    deposits_amount: m.depositsAmount,
    withdrawals_count: m.withdrawalsCount,
    withdrawals_amount: m.withdrawalsAmount,
  })),
});

/** The CSV: per SFD a `total` row (with the active accounts and average balance), then one per month. */
export const STATISTICS_COLUMNS = [
  'sfd_id',
  'month',
  'deposits_count',
  'deposits_amount',
  'withdrawals_count',
  'withdrawals_amount',
  'active_accounts',
  'average_balance',
] as const;
type CsvRow = Record<(typeof STATISTICS_COLUMNS)[number], string | number | null>;

export function statisticsCsvRows(rows: z.input<typeof statisticsRowSchema>[]): CsvRow[] {
  return rows.flatMap((r) => [
    {
      sfd_id: r.sfd_id,
      month: 'total',
      deposits_count: r.deposits_count,
      deposits_amount: r.deposits_amount,
      withdrawals_count: r.withdrawals_count,
      withdrawals_amount: r.withdrawals_amount,
      active_accounts: r.active_accounts,
      average_balance: r.average_balance,
    },
    ...r.months.map((m) => ({ sfd_id: r.sfd_id, ...m, active_accounts: null, average_balance: null })),
  ]);
}

export const STATISTICS_CSV_EXAMPLE =
  `${STATISTICS_COLUMNS.join(',')}\r\n` +
  '1,total,120,2400000,30,600000,45,40000\r\n' +
  '1,2025-03,120,2400000,30,600000,,\r\n';
