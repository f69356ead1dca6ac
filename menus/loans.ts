import { assign, setup } from 'xstate';
import { pinLastStates } from './pin-last';
import {
  fcfa,
  is,
  listIndex,
  LOAN_PURPOSE_CHOICES,
  required,
  type InputEvent,
  type LoanApplyOutcome,
  type LoanDueView,
  type LoanPurposeChoice,
  type LoanRepaymentOutcome,
  type LoanRequestStatus,
  type LoansSummary,
  type MenuInput,
  type PinCheck,
} from './types';

export const LOANS_VERSION = 1;

/** The duration range, as the screens say it (the service checks it again). */
const LOAN_MIN_MONTHS = 1;
const LOAN_MAX_MONTHS = 60;
/** The smallest "other amount" of a repayment (unless less remains). */
const LOAN_MIN_REPAYMENT = 100;

interface Context extends MenuInput {
  minXof: number;
  maxXof: number;
  /** The range of a new application, as shown ("10 000"). */
  min: string;
  max: string;
  eligibleFrom: string;
  reqStatus: LoanRequestStatus | '';
  /** The application or loan "Ma demande" shows, its amounts as shown. */
  req: { ref: string; amount: string; months: number; instalment: string; reason: string };
  /** The application being made. */
  amount: number;
  amountText: string;
  months: number;
  purpose: LoanPurposeChoice | '';
  instalmentText: string;
  ref: string;
  /** What the loan asks now, as shown, beside the figures the guards compare. */
  due: { n: number; months: number; date: string; total: string; penalty: string; overdue: string };
  dueNowXof: number;
  payoffXof: number;
  dueNow: string;
  payoff: string;
  repayMin: string;
}

type Args = { context: Context; event: InputEvent };

/** An amount or a number of months typed: whole numbers, no separators. */
const NUMBER_RE = /^\d{1,9}$/;
const numberOf = (event: InputEvent) =>
  NUMBER_RE.test(event.value.trim()) ? Number(event.value.trim()) : null;
const within = (n: number | null, min: number, max: number) => n !== null && n >= min && n <= max;
const repayMinOf = (c: Context) => Math.min(LOAN_MIN_REPAYMENT, c.payoffXof);

/** The END that says where an application or a loan stands, by status. */
const STATUS_STATE: Record<LoanRequestStatus, string> = {
  soumis: 'statusSubmitted',
  en_cours_examen: 'statusReview',
  transfere_admin: 'statusForwarded',
  accorde: 'statusGranted',
  rejete: 'statusRejected',
  decaisse: 'statusRepaying',
  en_remboursement: 'statusRepaying',
  en_defaut: 'statusDefault',
  solde: 'statusClosed',
};
const STATUSES = Object.entries(STATUS_STATE) as [LoanRequestStatus, string][];
/** "2. Ma demande": the status END of the request loaded. */
const statusTransitions = STATUSES.map(([status, target]) => ({
  guard: ({ context, event }: Args) => event.value === '2' && context.reqStatus === status,
  target,
}));
/** A request in progress (an application, a loan not yet disbursed): its status is all there is to see. */
const pendingTransitions = STATUSES.map(([status, target]) => ({
  guard: ({ event }: { event: { output: LoansSummary } }) =>
    event.output.state === 'pending' && event.output.request?.status === status,
  target,
  actions: 'keepSummary' as const,
}));

/**
 * "5. Prets". Where the caller stands decides the first screen: not eligible → why (no savings account,
 * savings too recent: from which day, savings too low); an application or a granted loan not yet
 * disbursed → its status; eligible → 1. Demander un pret (max X FCFA) and, after an earlier one,
 * 2. Ma demande; a loan being repaid → 2. Ma demande, 3. Prochaine echeance, 4. Rembourser.
 * Demander: the amount (10 000 to the max), the months (1 to 60), the purpose, the instalment it would
 * be at an indicative rate → the confirmation → the PIN last → the application. Rembourser: what is
 * due now, or another amount (confirmed) → the PIN → the payment pushed to the phone.
 */
export function loansMenu() {
  return setup({
    types: {} as { context: Context; events: InputEvent; input: MenuInput },
    actions: {
      keepSummary: assign(({ event }) => {
        const { output: s } = event as unknown as { output: LoansSummary };
        const r = s.request;
        return {
          minXof: s.minAmount,
          maxXof: s.maxAmount,
          min: fcfa(s.minAmount),
          max: fcfa(s.maxAmount),
          eligibleFrom: s.eligibleFrom,
          reqStatus: r?.status ?? '',
          req: {
            ref: r?.ref ?? '',
            amount: fcfa(r?.amount ?? 0),
            months: r?.months ?? 0,
            instalment: fcfa(r?.instalment ?? 0),
            reason: r?.reason ?? '',
          },
        };
      }),
      keepDue: assign(({ event }) => {
        const { output: d } = event as unknown as { output: LoanDueView };
        return {
          due: {
            n: d.next?.n ?? 0,
            months: d.months,
            date: d.next?.dueDate ?? '',
            total: fcfa(d.next?.total ?? 0),
            penalty: fcfa(d.next?.penalty ?? 0),
            overdue: fcfa(d.overdue),
          },
          dueNowXof: d.dueNow,
          payoffXof: d.payoff,
          dueNow: fcfa(d.dueNow),
          payoff: fcfa(d.payoff),
          repayMin: fcfa(Math.min(LOAN_MIN_REPAYMENT, d.payoff)),
        };
      }),
      keepAmount: assign({
        amount: ({ event }) => numberOf(event) ?? 0,
        amountText: ({ event }) => fcfa(numberOf(event) ?? 0),
      }),
      payDueNow: assign({
        amount: ({ context }) => context.dueNowXof,
        amountText: ({ context }) => fcfa(context.dueNowXof),
      }),
    },
    actors: {
      loadLoans: required<LoansSummary, { userId: number }>('loadLoans'),
      quoteLoan: required<number, { amount: number; months: number }>('quoteLoan'),
      submitLoanApplication: required<
        LoanApplyOutcome,
        { userId: number; amount: number; months: number; purpose: LoanPurposeChoice }
      >('submitLoanApplication'),
      loadLoanDue: required<LoanDueView, { userId: number }>('loadLoanDue'),
      startLoanRepayment: required<LoanRepaymentOutcome, { userId: number; amount: number }>(
        'startLoanRepayment',
      ),
      verifyPin: required<PinCheck, { userId: number; pin: string }>('verifyPin'),
    },
  }).createMachine({
    id: 'loans',
    context: ({ input }) => ({
      ...input,
      minXof: 0,
      maxXof: 0,
      min: '',
      max: '',
      eligibleFrom: '',
      reqStatus: '',
      req: { ref: '', amount: '', months: 0, instalment: '', reason: '' },
      amount: 0,
      amountText: '',
      months: 0,
      purpose: '',
      instalmentText: '',
      ref: '',
      due: { n: 0, months: 0, date: '', total: '', penalty: '', overdue: '' },
      dueNowXof: 0,
      payoffXof: 0,
      dueNow: '',
      payoff: '',
      repayMin: '',
    }),
    initial: 'loading',
    states: {
      loading: {
        tags: ['busy'],
        invoke: {
          src: 'loadLoans',
          input: ({ context }) => ({ userId: context.userId ?? 0 }),
          onDone: [
            {
              guard: ({ event }) => event.output.state === 'eligible' && event.output.request !== null,
              target: 'menuApplyStatus',
              actions: 'keepSummary',
            },
            {
              guard: ({ event }) => event.output.state === 'eligible',
              target: 'menuApply',
              actions: 'keepSummary',
            },
            {
              guard: ({ event }) => event.output.state === 'repaying',
              target: 'menuLoan',
              actions: 'keepSummary',
            },
            ...pendingTransitions,
            { guard: ({ event }) => event.output.state === 'pending', target: 'failed' },
            {
              guard: ({ event }) => event.output.refusal === 'savings_too_recent',
              target: 'tooRecent',
              actions: 'keepSummary',
            },
            {
              guard: ({ event }) => event.output.refusal === 'savings_too_low',
              target: 'tooLow',
              actions: 'keepSummary',
            },
            { target: 'noSavings', actions: 'keepSummary' },
          ],
          onError: 'failed',
        },
      },

      menuApply: {
        meta: { screen: 'loans.menu_apply' },
        on: { INPUT: { guard: is('1'), target: 'amount' } },
      },
      menuApplyStatus: {
        meta: { screen: 'loans.menu_apply_status' },
        on: { INPUT: [{ guard: is('1'), target: 'amount' }, ...statusTransitions] },
      },
      menuLoan: {
        meta: { screen: 'loans.menu_loan' },
        on: {
          INPUT: [
            ...statusTransitions,
            { guard: is('3'), target: 'loadingDue' },
            { guard: is('4'), target: 'loadingRepay' },
          ],
        },
      },

      // ---- Demander un pret ----
      amount: {
        meta: { screen: 'loans.amount', invalid: 'loans.amount_invalid' },
        on: {
          INPUT: {
            guard: ({ context, event }) => within(numberOf(event), context.minXof, context.maxXof),
            target: 'months',
            actions: 'keepAmount',
          },
        },
      },
      months: {
        meta: { screen: 'loans.months', invalid: 'loans.months_invalid' },
        on: {
          INPUT: {
            guard: ({ event }) => within(numberOf(event), LOAN_MIN_MONTHS, LOAN_MAX_MONTHS),
            target: 'purpose',
            actions: assign({ months: ({ event }) => numberOf(event) ?? 0 }),
          },
        },
      },
      purpose: {
        meta: { screen: 'loans.purpose' },
        on: {
          INPUT: {
            guard: ({ event }) => listIndex(event.value, LOAN_PURPOSE_CHOICES.length) !== null,
            target: 'quoting',
            actions: assign({
              purpose: ({ event }) =>
                LOAN_PURPOSE_CHOICES[listIndex(event.value, LOAN_PURPOSE_CHOICES.length) ?? 0],
            }),
          },
        },
      },
      quoting: {
        tags: ['busy'],
        invoke: {
          src: 'quoteLoan',
          input: ({ context }) => ({ amount: context.amount, months: context.months }),
          onDone: {
            target: 'confirm',
            actions: assign({ instalmentText: ({ event }) => fcfa(event.output) }),
          },
          onError: 'failed',
        },
      },
      confirm: {
        meta: { screen: 'loans.confirm' },
        on: { INPUT: { guard: is('1'), target: 'applyPin' } },
      },
      ...pinLastStates('loans', 'apply', 'applying'),
      applying: {
        tags: ['busy'],
        invoke: {
          src: 'submitLoanApplication',
          input: ({ context }) => ({
            userId: context.userId ?? 0,
            amount: context.amount,
            months: context.months,
            purpose: context.purpose || 'autre',
          }),
          onDone: [
            {
              guard: ({ event }) => event.output.outcome === 'sent',
              target: 'applied',
              actions: assign({
                ref: ({ event }) => (event.output.outcome === 'sent' ? event.output.ref : ''),
              }),
            },
            { guard: ({ event }) => event.output.outcome === 'amount_over_limit', target: 'applyOverLimit' },
            { guard: ({ event }) => event.output.outcome === 'loan_in_progress', target: 'applyInProgress' },
            { target: 'applyNotEligible' },
          ],
          onError: 'failed',
        },
      },

      // ---- Prochaine echeance ----
      loadingDue: {
        tags: ['busy'],
        invoke: {
          src: 'loadLoanDue',
          input: ({ context }) => ({ userId: context.userId ?? 0 }),
          onDone: [
            { guard: ({ event }) => event.output.next === null, target: 'dueNone' },
            { guard: ({ event }) => event.output.overdue > 0, target: 'dueLate', actions: 'keepDue' },
            { target: 'dueNext', actions: 'keepDue' },
          ],
          onError: 'failed',
        },
      },
      // A screen, not an END: the reason an agent wrote may take several pages ("98. Suite").
      statusRejected: { meta: { screen: 'loans.status_rejected' } },

      dueNext: { meta: { screen: 'loans.due_next' } },
      dueLate: { meta: { screen: 'loans.due_late' } },
      dueNone: { meta: { screen: 'loans.due_none' } },

      // ---- Rembourser ----
      loadingRepay: {
        tags: ['busy'],
        invoke: {
          src: 'loadLoanDue',
          input: ({ context }) => ({ userId: context.userId ?? 0 }),
          onDone: [
            { guard: ({ event }) => event.output.payoff <= 0, target: 'nothingDue' },
            { guard: ({ event }) => event.output.dueNow > 0, target: 'repayChoice', actions: 'keepDue' },
            { target: 'repayAmount', actions: 'keepDue' },
          ],
          onError: 'failed',
        },
      },
      // The amount shown is the confirmation: 1 goes to the PIN.
      repayChoice: {
        meta: { screen: 'loans.repay_choice' },
        on: {
          INPUT: [
            { guard: is('1'), target: 'repayPin', actions: 'payDueNow' },
            { guard: is('2'), target: 'repayAmount' },
          ],
        },
      },
      repayAmount: {
        meta: { screen: 'loans.repay_amount', invalid: 'loans.amount_invalid' },
        on: {
          INPUT: {
            guard: ({ context, event }) => within(numberOf(event), repayMinOf(context), context.payoffXof),
            target: 'repayConfirm',
            actions: 'keepAmount',
          },
        },
      },
      repayConfirm: {
        meta: { screen: 'loans.repay_confirm' },
        on: { INPUT: { guard: is('1'), target: 'repayPin' } },
      },
      ...pinLastStates('loans', 'repay', 'repaying'),
      repaying: {
        tags: ['busy'],
        invoke: {
          src: 'startLoanRepayment',
          input: ({ context }) => ({ userId: context.userId ?? 0, amount: context.amount }),
          onDone: [
            { guard: ({ event }) => event.output === 'pending', target: 'paymentPending' },
            { guard: ({ event }) => event.output === 'nothing_due', target: 'nothingDue' },
            { guard: ({ event }) => event.output === 'above_payoff', target: 'repayAbovePayoff' },
            { target: 'repayStarted' },
          ],
          onError: 'failed',
        },
      },

      noSavings: { type: 'final', meta: { end: 'loans.no_savings' } },
      tooRecent: { type: 'final', meta: { end: 'loans.too_recent' } },
      tooLow: { type: 'final', meta: { end: 'loans.too_low' } },
      statusSubmitted: { type: 'final', meta: { end: 'loans.status_submitted' } },
      statusReview: { type: 'final', meta: { end: 'loans.status_review' } },
      statusForwarded: { type: 'final', meta: { end: 'loans.status_forwarded' } },
      statusGranted: { type: 'final', meta: { end: 'loans.status_granted' } },
      statusRepaying: { type: 'final', meta: { end: 'loans.status_repaying' } },
      statusDefault: { type: 'final', meta: { end: 'loans.status_default' } },
      statusClosed: { type: 'final', meta: { end: 'loans.status_closed' } },
      applied: { type: 'final', meta: { end: 'loans.applied' } },
      applyOverLimit: { type: 'final', meta: { end: 'loans.apply_over_limit' } },
      applyInProgress: { type: 'final', meta: { end: 'loans.apply_in_progress' } },
      applyNotEligible: { type: 'final', meta: { end: 'loans.apply_not_eligible' } },
      repayStarted: { type: 'final', meta: { end: 'loans.repay_started' } },
      paymentPending: { type: 'final', meta: { end: 'loans.payment_pending' } },
      nothingDue: { type: 'final', meta: { end: 'loans.nothing_due' } },
      repayAbovePayoff: { type: 'final', meta: { end: 'loans.repay_above_payoff' } },
      pinLocked: { type: 'final', meta: { end: 'pin.locked' } },
      failed: { type: 'final', meta: { end: 'common.failed' } },
    },
  });
}
