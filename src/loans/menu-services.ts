import { fcfa, loansFlow, type LoanRequestView, type LoansMenuServices } from '../../menus';
import type { Module } from '../contract';
import type { Principal } from '../http/auth';
import { notFound, Problem, validationFailed } from '../http/errors';
import { t } from '../infra/i18n';
import { addDays, localDateOf } from '../shared/sfd-calendar';
import { dueSummary } from './allocation';
import type { Eligibility } from './eligibility';
import { Loan, LoanApplication, LoanPayment, MIN_SAVINGS_AGE_DAYS } from './entities';
import { instalmentsOf } from './instalments';
import { loanReference, smsDate } from './notices';
import type { LoansContext } from './parts';
import { PAYABLE } from './repayment-apply';
import { buildSchedule, MAX_MONTHS, MIN_MONTHS } from './schedule';

/**
 * The annual rate of the instalment "5. Prets" estimates before the application (12 %): the screen says
 * it is indicative, the superviseur sets the loan's own rate.
 */
export const LOAN_INDICATIVE_RATE_BP = 1200;

/** The refusals a client can act on, in the order "5. Prets" says them (a loan in progress: its status). */
const REFUSALS = ['no_savings_account', 'savings_too_recent', 'savings_too_low'] as const;

/** A local date as a client reads it: 31/12/2026. */

/** The regular instalment of these terms (the schedule's first due date does not change it). */
const instalmentOf = (principal: number, annualRateBp: number, months: number, method: Loan['method']) =>
  buildSchedule({ principal, annualRateBp, months, method, firstDueDate: '2000-01-31' }).instalment;

/** The request "Ma demande" shows: the application's status until disbursed, then the loan's. */
function requestView(application: LoanApplication, loan: Loan | null): LoanRequestView {
  return {
    status: loan && loan.status !== 'accorde' ? loan.status : application.status,
    ref: loanReference(application.id),
    amount: loan?.principal ?? application.amount,
    months: loan?.months ?? application.months,
    instalment: loan ? instalmentOf(loan.principal, loan.annualRateBp, loan.months, loan.method) : 0,
    reason: application.status === 'rejete' ? application.reason : null,
  };
}

/**
 * "5. Prets"'s invoked actors and the loan line of "2. Mes soldes", on the applications and repayments
 * services. The caller is the client the engine identified by their phone: they act as that client,
 * with the same checks as the client's own API calls.
 */
export function loansMenuServices(ctx: LoansContext): LoansMenuServices {
  const { deps, needs, applications, repayments } = ctx;

  async function principalOf(userId: number): Promise<Principal> {
    const client = await needs.accounts.client(userId);
    if (!client || client.sfdId === null) throw notFound();
    return { userId, role: 'client', sfdId: client.sfdId, jti: 'ussd', familyId: 'ussd', expiresAt: 0 };
  }

  /** The client's loan being repaid (disbursed, not solde), else null. */
  async function repayingLoanOf(userId: number): Promise<Loan | null> {
    const current = await applications.current(userId);
    const loan = current?.loan ?? null;
    return loan && PAYABLE.includes(loan.status) ? loan : null;
  }

  /** The first local day the savings account is old enough (opened on D: from D + 90). */
  async function eligibleFrom(userId: number, e: Eligibility): Promise<string> {
    if (!e.savingsAccount) return '';
    const zone = await applications.timeZoneOf((await needs.accounts.client(userId))?.sfdId ?? null);
    return smsDate(addDays(localDateOf(e.savingsAccount.openedAt, zone), MIN_SAVINGS_AGE_DAYS));
  }

  const services: LoansMenuServices = {
    loadLoans: async ({ userId }) => {
      await principalOf(userId);
      const e = await applications.eligibility(userId);
      const current = await applications.current(userId);
      const request = current ? requestView(current.application, current.loan) : null;
      const base = { eligibleFrom: '', minAmount: e.minAmount, maxAmount: e.maxAmount, request };
      if (current && (current.application.openClientId !== null || e.inProgress)) {
        const repaying = current.loan !== null && PAYABLE.includes(current.loan.status);
        return { ...base, state: repaying ? 'repaying' : 'pending', refusal: null };
      }
      if (e.eligible) return { ...base, state: 'eligible', refusal: null };
      const refusal = REFUSALS.find((r) => e.reasons.includes(r)) ?? 'no_savings_account';
      return {
        ...base,
        state: 'refused',
        refusal,
        eligibleFrom: refusal === 'savings_too_recent' ? await eligibleFrom(userId, e) : '',
      };
    },

    quoteLoan: async ({ amount, months }) => {
      if (!Number.isSafeInteger(amount) || amount < 1) throw validationFailed({ amount: ['invalid'] });
      if (!Number.isInteger(months) || months < MIN_MONTHS || months > MAX_MONTHS) {
        throw validationFailed({ months: ['invalid'] });
      }
      return instalmentOf(amount, LOAN_INDICATIVE_RATE_BP, months, 'annuity');
    },

    submitLoanApplication: async ({ userId, amount, months, purpose }) => {
      try {
        // Eligibility, the 5× limit and the one-in-progress rule are checked again, in its transaction.
        const application = await applications.apply(await principalOf(userId), {
          amount,
          months,
          purpose,
          channel: 'ussd',
        });
        return { outcome: 'sent', ref: loanReference(application.id) };
      } catch (err) {
        if (err instanceof Problem && err.code === 'amount_over_limit')
          return { outcome: 'amount_over_limit' };
        if (err instanceof Problem && err.code === 'loan_in_progress') return { outcome: 'loan_in_progress' };
        if (err instanceof Problem && err.code === 'not_eligible') return { outcome: 'not_eligible' };
        throw err;
      }
    },

    loadLoanDue: async ({ userId }) => {
      const loan = await repayingLoanOf(userId);
      if (!loan) throw notFound();
      const d = await repayments.dueNow(loan.id);
      return {
        months: loan.months,
        next: d.next && { ...d.next, dueDate: smsDate(d.next.dueDate) },
        overdue: d.overdue,
        dueNow: d.dueNow,
        payoff: d.payoff,
      };
    },

    startLoanRepayment: async ({ userId, amount }) => {
      if (!Number.isSafeInteger(amount) || amount < 1) throw validationFailed({ amount: ['invalid'] });
      const loan = await repayingLoanOf(userId);
      if (!loan) return 'nothing_due';
      // A push still waiting for the client's confirmation: not a second one (they would pay twice).
      const waiting = await deps.db.manager.findOne(LoanPayment, {
        where: { loanId: loan.id, method: 'mobile_money', status: 'en_attente' },
      });
      if (waiting) return 'pending';
      try {
        // As the client, to their own phone; applied to the schedule when the payment succeeds.
        await repayments.startMobileMoney(await principalOf(userId), { loanId: loan.id, amount });
        return 'started';
      } catch (err) {
        // Repaid meanwhile (another payment, cash at the branch): nothing, or less, is left to pay.
        if (!(err instanceof Problem) || err.status !== 409) throw err;
        const still = await repayingLoanOf(userId);
        const payoff = still ? (await repayments.dueNow(still.id)).payoff : 0;
        if (payoff === 0) return 'nothing_due';
        if (amount > payoff) return 'above_payoff';
        throw err;
      }
    },

    loadLoanLine: async ({ userId, lang }) => {
      const loan = await repayingLoanOf(userId);
      if (!loan) return null;
      const today = await repayments.todayOf(loan.sfdId, deps.clock.now());
      const s = dueSummary(await instalmentsOf(deps.db.manager, loan.id), today);
      const d = s.next?.dueDate;
      return t(lang, 'ussd')(d ? 'loans.line' : 'loans.line_no_date', {
        outstanding: fcfa(s.remaining),
        date: d ? `${d.slice(8, 10)}/${d.slice(5, 7)}` : '',
      });
    },
  };

  // A failed service ends the session with a polite END (the machine's onError); the cause goes to the log.
  return Object.fromEntries(
    Object.entries(services).map(([name, fn]: [string, (input: never) => Promise<unknown>]) => [
      name,
      (input: never) =>
        fn(input).catch((err: unknown) => {
          deps.logger.error({ err, service: name }, 'ussd menu service failed');
          throw err;
        }),
    ]),
  ) as unknown as LoansMenuServices;
}

/** USSD `5. Prets`: its flow and menu services (and the loan line of `2. Mes soldes`). */
export function loansUssd(ctx: LoansContext): NonNullable<Module['ussd']> {
  return { flows: { loans: loansFlow }, services: loansMenuServices(ctx) };
}
