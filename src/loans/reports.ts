import type { EntityManager } from 'typeorm';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { forbidden } from '../http/errors';
import { scopedSfdFilter, withinScope } from '../http/scope';
import { balanceBefore, movementsBetween } from '../ledger/reads';
import { accountsOwnedBy } from '../ledger/service';
import type { HoldsService } from '../savings/holds';
import { savingsLedgerAccount } from '../savings/balance';
import {
  addDays,
  DEFAULT_TIME_ZONE,
  localDateOf,
  startOfLocalDay,
  type LocalDate,
} from '../shared/sfd-calendar';
import {
  lastMonths,
  ratio4,
  reliabilityScore,
  savingsMonths,
  type MonthMovements,
  type ScoreFactor,
} from './analysis';
import { eligibilityOf, type Eligibility } from './eligibility';
import { Loan, LoanApplication, LoanInstalment, LoanTerms, MAX_SAVINGS_MULTIPLE } from './entities';
import { daysLate } from './instalments';
import { buildSchedule, dueDateAfter } from './schedule';
import type { LoanSettingsService } from './settings';
import { portfolioStatistics, sfdsWithLoans, type PortfolioStatistics } from './statistics';

/** How many local months of savings history the report shows (the current one included). */
export const HISTORY_MONTHS = 6;

export interface AnalysisReport {
  application: LoanApplication;
  terms: LoanTerms | null;
  asOf: LocalDate;
  eligibility: Eligibility;
  savings: { accountId: number; balance: number; months: MonthMovements[]; monthsWithDeposits: number };
  tontines: {
    accounts: number;
    balance: number;
    totalContributed: number;
    contributions: number;
    monthsActive: number;
  };
  repayments: {
    loans: number;
    solde: number;
    everDefaulted: boolean;
    lateInstalments: number;
    maxDaysLate: number;
    penaltiesPaid: number;
  };
  debtToIncome: {
    instalment: number;
    basis: 'terms' | 'asked_zero_rate';
    monthlyIncome: number | null;
    ratio: string | null;
  };
  teg: { tegBp: number | null; usuryCapBp: number; exceedsCap: boolean | null };
  score: { total: number; factors: ScoreFactor[] };
}

/** The analysis report of an application and the portfolio statistics (issue 14). */
export class LoanReportsService {
  constructor(
    readonly deps: Pick<Deps, 'db' | 'clock'>,
    readonly needs: {
      accounts: AccountsDirectory;
      settings: LoanSettingsService;
      holds: Pick<HoldsService, 'activeAccountOf'>;
    },
  ) {}

  private async zoneOf(sfdId: number): Promise<string> {
    return (await this.needs.accounts.sfd(sfdId))?.timeZone ?? DEFAULT_TIME_ZONE;
  }

  /**
   * The analysis report, for staff of the application's SFD (another SFD's: 404; a client: 403), read
   * now: every figure is of the moment it is read, from the ledger and the loans' rows.
   */
  async analysis(p: Principal, applicationId: number): Promise<AnalysisReport> {
    if (p.role === 'client') throw forbidden();
    const m = this.deps.db.manager;
    const application = withinScope(p, await m.findOne(LoanApplication, { where: { id: applicationId } }));
    const now = this.deps.clock.now();
    const zone = await this.zoneOf(application.sfdId);
    const today = localDateOf(now, zone);
    const terms = await m.findOne(LoanTerms, { where: { applicationId } });

    const eligibility = await eligibilityOf(this.needs.holds, m, application.clientId, now, zone);
    // The application read is itself "in progress": eligibility is judged apart from it.
    if (eligibility.inProgress?.id === application.id) {
      eligibility.reasons = eligibility.reasons.filter((r) => r !== 'loan_in_progress');
      eligibility.eligible = eligibility.reasons.length === 0;
      eligibility.maxAmount = eligibility.eligible ? eligibility.savingsBalance * MAX_SAVINGS_MULTIPLE : 0;
    }

    const savings = await this.savingsHistory(m, application.savingsAccountId, today, now, zone);
    const tontines = await this.tontineRecord(m, application, now, zone);
    const repayments = await this.repaymentHistory(m, application, today, zone);

    // The instalment the client would pay: the terms' regular one; before any terms, the asked amount
    // over the asked months at 0 % (the least it can be: a ratio already too high then stays too high).
    const schedule = buildSchedule({
      principal: terms?.amount ?? application.amount,
      annualRateBp: terms?.annualRateBp ?? 0,
      months: terms?.months ?? application.months,
      method: terms?.method ?? 'annuity',
      firstDueDate: dueDateAfter(today, 1),
    });
    const income = application.monthlyIncome;
    const debtToIncome = {
      instalment: schedule.instalment,
      basis: terms ? ('terms' as const) : ('asked_zero_rate' as const),
      monthlyIncome: income,
      ratio: income ? ratio4(schedule.instalment, income) : null,
    };
    const { usuryCapBp } = await this.needs.settings.of(application.sfdId);
    const score = reliabilityScore({
      savingsAgeDays: eligibility.savingsAgeDays,
      monthsWithDeposits: savings.monthsWithDeposits,
      tontineMonthsActive: tontines.monthsActive,
      earlierLoans: repayments.loans,
      lateInstalments: repayments.lateInstalments,
      everDefaulted: repayments.everDefaulted,
      debtToIncome: debtToIncome.ratio,
    });
    return {
      application,
      terms,
      asOf: today,
      eligibility,
      savings,
      tontines,
      repayments,
      debtToIncome,
      teg: {
        tegBp: terms?.tegBp ?? null,
        usuryCapBp,
        exceedsCap: terms ? terms.tegBp > usuryCapBp : null,
      },
      score,
    };
  }

  private async savingsHistory(
    m: EntityManager,
    accountId: number,
    today: LocalDate,
    now: Date,
    zone: string,
  ) {
    const code = savingsLedgerAccount(accountId);
    const months = lastMonths(today, HISTORY_MONTHS);
    const from = startOfLocalDay(`${months[0]}-01`, zone);
    // `to` is excluded: one millisecond past now takes in what was posted at this very instant.
    const movements = await movementsBetween(m, code, from, new Date(now.getTime() + 1));
    const rows = savingsMonths(months, await balanceBefore(m, code, from), movements, zone);
    return {
      accountId,
      balance: rows[rows.length - 1].closingBalance,
      months: rows,
      monthsWithDeposits: rows.filter((r) => r.depositsCount > 0).length,
    };
  }

  /**
   * The client's tontine accounts in this SFD (ledger accounts of kind `tontine`): their balance, and
   * the contributions credited to them (postings of `tontine_cotisation` entries): count, total, and
   * the local months they fell in.
   */
  private async tontineRecord(m: EntityManager, application: LoanApplication, now: Date, zone: string) {
    const accounts = (await accountsOwnedBy(m, application.clientId)).filter(
      (a) => a.kind === 'tontine' && a.sfdId === application.sfdId,
    );
    const months = new Set<string>();
    let totalContributed = 0;
    let contributions = 0;
    for (const a of accounts) {
      for (const mv of await movementsBetween(m, a.code, new Date(0), new Date(now.getTime() + 1))) {
        if (mv.entryKind !== 'tontine_cotisation' || mv.amount <= 0) continue;
        contributions += 1;
        totalContributed += mv.amount;
        months.add(localDateOf(mv.at, zone).slice(0, 7));
      }
    }
    return {
      accounts: accounts.length,
      balance: accounts.reduce((s, a) => s + a.balance, 0),
      totalContributed,
      contributions,
      monthsActive: months.size,
    };
  }

  /**
   * The client's earlier loans (every loan but this application's): how many, how many solde, whether
   * one ever went en_defaut, their late instalments (paid after their due date, or unpaid past it),
   * the most days one was late (to its payment, or to today), and the penalties paid.
   */
  private async repaymentHistory(
    m: EntityManager,
    application: LoanApplication,
    today: LocalDate,
    zone: string,
  ) {
    const loans = (await m.find(Loan, { where: { clientId: application.clientId } })).filter(
      (l) => l.applicationId !== application.id && l.disbursedAt !== null,
    );
    let lateInstalments = 0;
    let maxDaysLate = 0;
    let penaltiesPaid = 0;
    for (const loan of loans) {
      for (const i of await m.find(LoanInstalment, { where: { loanId: loan.id } })) {
        const until = i.status === 'paye' && i.paidAt ? localDateOf(i.paidAt, zone) : today;
        const late = daysLate(i.dueDate, until);
        if (late > 0) {
          lateInstalments += 1;
          maxDaysLate = Math.max(maxDaysLate, late);
        }
        penaltiesPaid += i.penaltyPaid;
      }
    }
    return {
      loans: loans.length,
      solde: loans.filter((l) => l.status === 'solde').length,
      everDefaulted: loans.some((l) => l.status === 'en_defaut' || l.defaultedAt !== null),
      lateInstalments,
      maxDaysLate,
      penaltiesPaid,
    };
  }

  /**
   * The portfolio statistics per SFD: staff their own SFD's, the platform admin every SFD with loan
   * applications (or `sfdId`'s). The period (SFD-local days, both included) bounds the amount disbursed
   * and the processing time; the rest is the portfolio as of today.
   */
  async statistics(
    p: Principal,
    query: { sfdId?: number; dateFrom?: LocalDate; dateTo?: LocalDate },
  ): Promise<PortfolioStatistics[]> {
    if (p.role === 'client') throw forbidden();
    const m = this.deps.db.manager;
    const only = scopedSfdFilter(p, query.sfdId);
    const sfds = only === null ? await sfdsWithLoans(m) : [only];
    const out: PortfolioStatistics[] = [];
    for (const sfdId of sfds) {
      const zone = await this.zoneOf(sfdId);
      out.push(
        await portfolioStatistics(m, sfdId, localDateOf(this.deps.clock.now(), zone), {
          from: query.dateFrom ? startOfLocalDay(query.dateFrom, zone) : undefined,
          to: query.dateTo ? startOfLocalDay(addDays(query.dateTo, 1), zone) : undefined,
        }),
      );
    }
    return out;
  }
}
