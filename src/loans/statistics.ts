import type { EntityManager } from 'typeorm';
import { addDays, type LocalDate } from '../shared/sfd-calendar';
import { ratio4 } from './analysis';
import type { LoanApplicationStatus, LoanStatus } from './entities';

/**
 * The loan portfolio's figures for one SFD (issue 14), each an SQL aggregate: an SFD with 100 000 loans
 * is summed by the database, never loaded. Dates of the schedule are `YYYY-MM-DD` strings, so "days
 * late" becomes a comparison with a day computed here (an instalment due on D is N days late on D + N),
 * the same on MySQL and SQLite.
 *
 * - amount disbursed: the principal of the loans disbursed (in the period, when one is given);
 * - gross outstanding: the principal not yet repaid on the loans out (decaisse, en_remboursement,
 *   en_defaut);
 * - repayment rate: on every instalment due on or before today (of every loan ever disbursed, solde
 *   included), the principal and interest paid ÷ the principal and interest due (interest waived by an
 *   early payoff not counted as due); a payment ahead of its date is not counted, so it is at most 1;
 * - arrears: each loan out with an unpaid instalment past its date, aged by the OLDEST such instalment's
 *   days late, in 1–30, 31–90, 91–180 and more than 180 days, with the count and the loans' whole
 *   outstanding principal (not only the late part: the portfolio at risk);
 * - PAR30 / PAR90: the outstanding principal of the loans more than 30 / 90 days late ÷ the gross
 *   outstanding;
 * - ratios: decimal strings with 4 places ("0.1250" is 12.5 %), null when there is nothing to divide by;
 * - average processing time: from an application's creation to its grant (decided_at of the granted
 *   ones, in the period when one is given), hours with one decimal.
 */

export const ARREARS_BUCKETS = ['1_30', '31_90', '91_180', 'over_180'] as const;
export type ArrearsBucket = (typeof ARREARS_BUCKETS)[number];

export const LOAN_STATUSES: readonly LoanStatus[] = [
  'accorde',
  'decaisse',
  'en_remboursement',
  'en_defaut',
  'solde',
];
export const APPLICATION_STATUSES: readonly LoanApplicationStatus[] = [
  'soumis',
  'en_cours_examen',
  'transfere_admin',
  'accorde',
  'rejete',
];

export interface PortfolioStatistics {
  sfdId: number;
  /** The SFD's local day the figures are as of. */
  asOf: LocalDate;
  disbursedCount: number;
  disbursedAmount: number;
  activeLoans: number;
  grossOutstanding: number;
  repaymentDue: number;
  repaymentPaid: number;
  repaymentRate: string | null;
  arrears: { bucket: ArrearsBucket; count: number; outstanding: number }[];
  par30: string | null;
  par90: string | null;
  grantedCount: number;
  averageProcessingHours: number | null;
  loansByStatus: Record<LoanStatus, number>;
  applicationsByStatus: Record<LoanApplicationStatus, number>;
}

/** Instants bounding a period (from included, to excluded), or none. */
export interface Period {
  from?: Date;
  to?: Date;
}

type Row = Record<string, string | number | null>;
const num = (v: string | number | null | undefined) => Number(v ?? 0);

/** Runs SQL with `:named` parameters, converted by the driver (Dates included) for MySQL or SQLite. */
async function rows(manager: EntityManager, sql: string, params: Record<string, unknown>): Promise<Row[]> {
  const [query, values] = manager.connection.driver.escapeQueryWithParameters(sql, params);
  return (await manager.query(query, values)) as Row[];
}

const periodSql = (column: string, period: Period) =>
  `${period.from ? ` AND ${column} >= :from` : ''}${period.to ? ` AND ${column} < :to` : ''}`;

const OUT = "('decaisse', 'en_remboursement', 'en_defaut')";
const IS_OUT = `l.status IN ${OUT}`;

/** The SFDs that have loan applications (the platform admin's list), by id. */
export async function sfdsWithLoans(manager: EntityManager): Promise<number[]> {
  const r = await rows(manager, 'SELECT DISTINCT sfd_id AS sfd FROM loan_applications ORDER BY sfd_id', {});
  return r.map((x) => num(x.sfd));
}

export async function portfolioStatistics(
  manager: EntityManager,
  sfdId: number,
  today: LocalDate,
  period: Period,
): Promise<PortfolioStatistics> {
  const p = { sfd: sfdId, from: period.from, to: period.to };
  const [disbursed] = await rows(
    manager,
    'SELECT COUNT(*) AS n, COALESCE(SUM(principal), 0) AS amount FROM loans ' +
      `WHERE sfd_id = :sfd AND disbursed_at IS NOT NULL${periodSql('disbursed_at', period)}`,
    p,
  );

  // One pass over the SFD's instalments (the biggest table: two passes cost twice the reads), grouped
  // by loan in the order of their (loan_id, n) index, so without a temporary table; per loan (only a
  // disbursed one has instalments): its oldest unpaid instalment past its date (null: none late), its
  // outstanding principal, and what was due and paid on or before today; then, joined to the loan for
  // whether it is out, the buckets by that oldest date and the sums.
  const d30 = addDays(today, -30);
  const d90 = addDays(today, -90);
  const d180 = addDays(today, -180);
  const bucket = (cond: string, name: string) =>
    `SUM(CASE WHEN ${IS_OUT} AND ${cond} THEN 1 ELSE 0 END) AS c_${name}, ` +
    `COALESCE(SUM(CASE WHEN ${IS_OUT} AND ${cond} THEN x.outstanding ELSE 0 END), 0) AS p_${name}`;
  const [portfolio] = await rows(
    manager,
    `SELECT COALESCE(SUM(CASE WHEN ${IS_OUT} THEN 1 ELSE 0 END), 0) AS loans, ` +
      `COALESCE(SUM(CASE WHEN ${IS_OUT} THEN x.outstanding ELSE 0 END), 0) AS gross, ` +
      'COALESCE(SUM(x.due), 0) AS due, COALESCE(SUM(x.paid), 0) AS paid, ' +
      `${bucket('x.oldest >= :d30', '1_30')}, ` +
      `${bucket('x.oldest < :d30 AND x.oldest >= :d90', '31_90')}, ` +
      `${bucket('x.oldest < :d90 AND x.oldest >= :d180', '91_180')}, ` +
      `${bucket('x.oldest < :d180', 'over_180')} ` +
      'FROM (SELECT i.loan_id AS loan_id, ' +
      "MIN(CASE WHEN i.status = 'a_payer' AND i.due_date < :today THEN i.due_date END) AS oldest, " +
      'SUM(i.principal - i.principal_paid) AS outstanding, ' +
      'SUM(CASE WHEN i.due_date <= :today THEN i.principal + i.interest - i.interest_waived ELSE 0 END) AS due, ' +
      'SUM(CASE WHEN i.due_date <= :today THEN i.principal_paid + i.interest_paid ELSE 0 END) AS paid ' +
      'FROM loan_instalments i WHERE i.sfd_id = :sfd GROUP BY i.loan_id) x ' +
      'INNER JOIN loans l ON l.id = x.loan_id',
    { ...p, today, d30, d90, d180 },
  );

  const mysql = manager.connection.options.type === 'mysql';
  const seconds = mysql
    ? 'TIMESTAMPDIFF(SECOND, created_at, decided_at)'
    : 'CAST(ROUND((julianday(decided_at) - julianday(created_at)) * 86400) AS INTEGER)';
  const [processing] = await rows(
    manager,
    `SELECT COUNT(*) AS n, COALESCE(SUM(${seconds}), 0) AS seconds FROM loan_applications ` +
      `WHERE sfd_id = :sfd AND status = 'accorde' AND decided_at IS NOT NULL${periodSql('decided_at', period)}`,
    p,
  );

  const loansByStatus = Object.fromEntries(LOAN_STATUSES.map((s) => [s, 0])) as Record<LoanStatus, number>;
  for (const r of await rows(
    manager,
    'SELECT status, COUNT(*) AS n FROM loans WHERE sfd_id = :sfd GROUP BY status',
    p,
  )) {
    loansByStatus[r.status as LoanStatus] = num(r.n);
  }
  const applicationsByStatus = Object.fromEntries(APPLICATION_STATUSES.map((s) => [s, 0])) as Record<
    LoanApplicationStatus,
    number
  >;
  for (const r of await rows(
    manager,
    'SELECT status, COUNT(*) AS n FROM loan_applications WHERE sfd_id = :sfd GROUP BY status',
    p,
  )) {
    applicationsByStatus[r.status as LoanApplicationStatus] = num(r.n);
  }

  const gross = num(portfolio.gross);
  const arrears = ARREARS_BUCKETS.map((b) => ({
    bucket: b,
    count: num(portfolio[`c_${b}`]),
    outstanding: num(portfolio[`p_${b}`]),
  }));
  const over = (buckets: ArrearsBucket[]) =>
    arrears.filter((a) => buckets.includes(a.bucket)).reduce((s, a) => s + a.outstanding, 0);
  const granted = num(processing.n);
  return {
    sfdId,
    asOf: today,
    disbursedCount: num(disbursed.n),
    disbursedAmount: num(disbursed.amount),
    activeLoans: num(portfolio.loans),
    grossOutstanding: gross,
    repaymentDue: num(portfolio.due),
    repaymentPaid: num(portfolio.paid),
    repaymentRate: ratio4(num(portfolio.paid), num(portfolio.due)),
    arrears,
    par30: ratio4(over(['31_90', '91_180', 'over_180']), gross),
    par90: ratio4(over(['91_180', 'over_180']), gross),
    grantedCount: granted,
    // Seconds ÷ count ÷ 3600, to one decimal.
    averageProcessingHours:
      granted === 0 ? null : Math.round((num(processing.seconds) * 10) / (granted * 3600)) / 10,
    loansByStatus,
    applicationsByStatus,
  };
}
