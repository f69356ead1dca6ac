import { assign, setup } from 'xstate';
import { pinLastStates } from './pin-last';
import {
  fcfa,
  is,
  required,
  type InputEvent,
  type Lang,
  type MenuInput,
  type PinCheck,
  type SavingsFigures,
  type SavingsOpeningOutcome,
  type SavingsPaymentOutcome,
  type SavingsSummary,
  type MiniStatementPage,
  type WithdrawalOutcome,
} from './types';

export const SAVINGS_VERSION = 1;

/** The rules, as the screens say them (the services check them again). */
const SAVINGS_MIN_DEPOSIT = 100;
const SAVINGS_MIN_WITHDRAWAL = 500;

interface Context extends MenuInput {
  accountNumber: string;
  /** The opening fee, as shown ("1 000"). */
  fee: string;
  reason: string;
  /** What may be withdrawn, loaded when "2. Retirer" is chosen (compared, never shown before the PIN). */
  availableXof: number;
  /** The figures of "3. Solde", as shown. */
  balance: string;
  available: string;
  held: string;
  amount: number;
  /** The amount asked, as shown. */
  amountText: string;
  statement: { label: string }[];
  /** The mini statement's page shown, and how many there are. */
  page: number;
  pages: number;
}

type Args = { context: Context; event: InputEvent };

/** An amount typed: whole francs, no separators. */
const AMOUNT_RE = /^\d{1,9}$/;
const amountOf = (event: InputEvent) =>
  AMOUNT_RE.test(event.value.trim()) ? Number(event.value.trim()) : null;

const depositTransitions = [
  {
    guard: ({ event }: Args) => {
      const amount = amountOf(event);
      return amount !== null && amount < SAVINGS_MIN_DEPOSIT;
    },
    target: 'depositLow',
  },
  {
    guard: ({ event }: Args) => amountOf(event) !== null,
    target: 'depositConfirm',
    actions: 'keepAmount' as const,
  },
];

const withdrawTransitions = [
  {
    guard: ({ event }: Args) => {
      const amount = amountOf(event);
      return amount !== null && amount < SAVINGS_MIN_WITHDRAWAL;
    },
    target: 'withdrawLow',
  },
  {
    guard: ({ context, event }: Args) => {
      const amount = amountOf(event);
      return amount !== null && amount > context.availableXof;
    },
    target: 'withdrawHigh',
  },
  {
    guard: ({ event }: Args) => amountOf(event) !== null,
    target: 'withdrawConfirm',
    actions: 'keepAmount' as const,
  },
];

const paymentDone = (started: string) => [
  {
    guard: ({ event }: { event: { output: SavingsPaymentOutcome } }) => event.output === 'pending',
    target: 'paymentPending',
  },
  { target: started },
];

/**
 * "4. Epargne". Where the caller's account stands decides the screen: none → 1. Ouvrir un compte (the fee,
 * the documents to bring to the branch) → the request; a request in progress → its status; rejected →
 * why, and a new request; validated by the agent → 1. Payer les frais → the PIN → the payment pushed to
 * the phone; active → 1. Deposer (the amount, the confirmation, the PIN last, the payment pushed),
 * 2. Retirer (the amount, at least 500 and at most what is available, the confirmation, the PIN last,
 * a request an agent validates), 3. Solde and 4. Mini releve (after the PIN).
 */
export function savingsMenu() {
  return setup({
    types: {} as { context: Context; events: InputEvent; input: MenuInput },
    actions: {
      keepSummary: assign(({ event }) => {
        const { output } = event as unknown as { output: SavingsSummary };
        return { accountNumber: output.accountNumber, fee: fcfa(output.fee), reason: output.reason ?? '' };
      }),
      keepFigures: assign(({ event }) => {
        const { output } = event as unknown as { output: SavingsFigures };
        return {
          accountNumber: output.accountNumber,
          balance: fcfa(output.balance),
          available: fcfa(Math.max(0, output.available)),
          held: fcfa(output.held),
        };
      }),
      keepStatement: assign(({ event }) => {
        const { output } = event as unknown as { output: MiniStatementPage };
        return { statement: output.lines, page: output.page, pages: output.pages };
      }),
      nextPage: assign({ page: ({ context }) => context.page + 1 }),
      keepAmount: assign({
        amount: ({ event }) => amountOf(event) ?? 0,
        amountText: ({ event }) => fcfa(amountOf(event) ?? 0),
      }),
    },
    actors: {
      loadSavings: required<SavingsSummary, { userId: number }>('loadSavings'),
      requestSavingsOpening: required<SavingsOpeningOutcome, { userId: number }>('requestSavingsOpening'),
      startSavingsFee: required<SavingsPaymentOutcome, { userId: number }>('startSavingsFee'),
      loadSavingsFigures: required<SavingsFigures, { userId: number }>('loadSavingsFigures'),
      startSavingsDeposit: required<SavingsPaymentOutcome, { userId: number; amount: number }>(
        'startSavingsDeposit',
      ),
      requestSavingsWithdrawal: required<WithdrawalOutcome, { userId: number; amount: number }>(
        'requestSavingsWithdrawal',
      ),
      savingsMiniStatement: required<MiniStatementPage, { userId: number; lang: Lang; page: number }>(
        'savingsMiniStatement',
      ),
      verifyPin: required<PinCheck, { userId: number; pin: string }>('verifyPin'),
    },
  }).createMachine({
    id: 'savings',
    context: ({ input }) => ({
      ...input,
      accountNumber: '',
      fee: '',
      reason: '',
      availableXof: 0,
      balance: '',
      available: '',
      held: '',
      amount: 0,
      amountText: '',
      statement: [],
      page: 1,
      pages: 1,
    }),
    initial: 'loading',
    states: {
      loading: {
        tags: ['busy'],
        invoke: {
          src: 'loadSavings',
          input: ({ context }) => ({ userId: context.userId ?? 0 }),
          onDone: [
            { guard: ({ event }) => event.output.status === 'actif', target: 'menu', actions: 'keepSummary' },
            {
              guard: ({ event }) => event.output.status === 'validee_agent',
              target: 'feeDue',
              actions: 'keepSummary',
            },
            {
              guard: ({ event }) => event.output.status === 'en_cours_creation',
              target: 'requestPending',
              actions: 'keepSummary',
            },
            {
              guard: ({ event }) => event.output.status === 'paiement_effectue',
              target: 'opening',
              actions: 'keepSummary',
            },
            {
              guard: ({ event }) => event.output.status === 'suspendu',
              target: 'suspended',
              actions: 'keepSummary',
            },
            {
              guard: ({ event }) => event.output.status === 'rejete',
              target: 'rejected',
              actions: 'keepSummary',
            },
            { target: 'none', actions: 'keepSummary' },
          ],
          onError: 'failed',
        },
      },

      // ---- No account: the opening request ----
      none: {
        meta: { screen: 'savings.none' },
        on: { INPUT: { guard: is('1'), target: 'openConfirm' } },
      },
      rejected: {
        meta: { screen: 'savings.rejected' },
        on: { INPUT: { guard: is('1'), target: 'openConfirm' } },
      },
      openConfirm: {
        meta: { screen: 'savings.open_confirm' },
        on: { INPUT: { guard: is('1'), target: 'requesting' } },
      },
      requesting: {
        tags: ['busy'],
        invoke: {
          src: 'requestSavingsOpening',
          input: ({ context }) => ({ userId: context.userId ?? 0 }),
          onDone: [
            { guard: ({ event }) => event.output === 'already', target: 'requestPending' },
            { target: 'requestSent' },
          ],
          onError: 'failed',
        },
      },

      // ---- Validated by the agent: the opening fee ----
      feeDue: {
        meta: { screen: 'savings.fee_due' },
        on: { INPUT: { guard: is('1'), target: 'feePin' } },
      },
      ...pinLastStates('savings', 'fee', 'payingFee'),
      payingFee: {
        tags: ['busy'],
        invoke: {
          src: 'startSavingsFee',
          input: ({ context }) => ({ userId: context.userId ?? 0 }),
          onDone: paymentDone('feeStarted'),
          onError: 'failed',
        },
      },

      // ---- Active ----
      menu: {
        meta: { screen: 'savings.menu' },
        on: {
          INPUT: [
            { guard: is('1'), target: 'depositAmount' },
            { guard: is('2'), target: 'loadingAvailable' },
            { guard: is('3'), target: 'balancePin' },
            { guard: is('4'), target: 'statementPin' },
          ],
        },
      },

      depositAmount: {
        meta: { screen: 'savings.deposit_amount', invalid: 'savings.amount_invalid' },
        on: { INPUT: depositTransitions },
      },
      depositLow: {
        meta: { screen: 'savings.deposit_low', invalid: 'savings.amount_invalid' },
        on: { INPUT: depositTransitions },
      },
      depositConfirm: {
        meta: { screen: 'savings.deposit_confirm' },
        on: { INPUT: { guard: is('1'), target: 'depositPin' } },
      },
      ...pinLastStates('savings', 'deposit', 'depositing'),
      depositing: {
        tags: ['busy'],
        invoke: {
          src: 'startSavingsDeposit',
          input: ({ context }) => ({ userId: context.userId ?? 0, amount: context.amount }),
          onDone: paymentDone('depositStarted'),
          onError: 'failed',
        },
      },

      loadingAvailable: {
        tags: ['busy'],
        invoke: {
          src: 'loadSavingsFigures',
          input: ({ context }) => ({ userId: context.userId ?? 0 }),
          onDone: [
            {
              guard: ({ event }) => event.output.available < SAVINGS_MIN_WITHDRAWAL,
              target: 'cannotWithdraw',
            },
            {
              target: 'withdrawAmount',
              actions: assign({ availableXof: ({ event }) => event.output.available }),
            },
          ],
          onError: 'failed',
        },
      },
      withdrawAmount: {
        meta: { screen: 'savings.withdraw_amount', invalid: 'savings.amount_invalid' },
        on: { INPUT: withdrawTransitions },
      },
      withdrawLow: {
        meta: { screen: 'savings.withdraw_low', invalid: 'savings.amount_invalid' },
        on: { INPUT: withdrawTransitions },
      },
      withdrawHigh: {
        meta: { screen: 'savings.withdraw_high', invalid: 'savings.amount_invalid' },
        on: { INPUT: withdrawTransitions },
      },
      withdrawConfirm: {
        meta: { screen: 'savings.withdraw_confirm' },
        on: { INPUT: { guard: is('1'), target: 'withdrawPin' } },
      },
      ...pinLastStates('savings', 'withdraw', 'withdrawing'),
      withdrawing: {
        tags: ['busy'],
        invoke: {
          src: 'requestSavingsWithdrawal',
          input: ({ context }) => ({ userId: context.userId ?? 0, amount: context.amount }),
          onDone: [
            { guard: ({ event }) => event.output === 'insufficient', target: 'withdrawInsufficient' },
            { guard: ({ event }) => event.output === 'below_min', target: 'withdrawBelowMin' },
            { target: 'withdrawSent' },
          ],
          onError: 'failed',
        },
      },

      ...pinLastStates('savings', 'balance', 'loadingFigures'),
      loadingFigures: {
        tags: ['busy'],
        invoke: {
          src: 'loadSavingsFigures',
          input: ({ context }) => ({ userId: context.userId ?? 0 }),
          onDone: [
            {
              guard: ({ event }) => event.output.held > 0,
              target: 'figuresHeld',
              actions: 'keepFigures',
            },
            { target: 'figures', actions: 'keepFigures' },
          ],
          onError: 'failed',
        },
      },
      figures: { meta: { screen: 'savings.figures' } },
      figuresHeld: { meta: { screen: 'savings.figures_held' } },

      ...pinLastStates('savings', 'statement', 'loadingStatement'),
      loadingStatement: {
        tags: ['busy'],
        invoke: {
          src: 'savingsMiniStatement',
          input: ({ context }) => ({ userId: context.userId ?? 0, lang: context.lang, page: context.page }),
          onDone: [
            { guard: ({ event }) => event.output.lines.length === 0, target: 'statementEmpty' },
            {
              guard: ({ event }) => event.output.page < event.output.pages,
              target: 'statementMore',
              actions: 'keepStatement',
            },
            { target: 'statement', actions: 'keepStatement' },
          ],
          onError: 'failed',
        },
      },
      // 5 movements a page (older ones: 9); the engine pages a screen longer than a phone's ("98").
      statement: { meta: { screen: 'savings.statement', list: 'statement' } },
      statementMore: {
        meta: { screen: 'savings.statement_more', list: 'statement' },
        on: { INPUT: { guard: is('9'), target: 'loadingStatement', actions: 'nextPage' } },
      },
      statementEmpty: { meta: { screen: 'savings.statement_empty' } },

      requestSent: { type: 'final', meta: { end: 'savings.request_sent' } },
      requestPending: { type: 'final', meta: { end: 'savings.request_pending' } },
      opening: { type: 'final', meta: { end: 'savings.opening' } },
      suspended: { type: 'final', meta: { end: 'savings.suspended' } },
      feeStarted: { type: 'final', meta: { end: 'savings.fee_started' } },
      depositStarted: { type: 'final', meta: { end: 'savings.deposit_started' } },
      paymentPending: { type: 'final', meta: { end: 'savings.payment_pending' } },
      cannotWithdraw: { type: 'final', meta: { end: 'savings.withdraw_unavailable' } },
      withdrawSent: { type: 'final', meta: { end: 'savings.withdraw_sent' } },
      withdrawInsufficient: { type: 'final', meta: { end: 'savings.withdraw_insufficient' } },
      withdrawBelowMin: { type: 'final', meta: { end: 'savings.withdraw_below_min' } },
      pinLocked: { type: 'final', meta: { end: 'pin.locked' } },
      failed: { type: 'final', meta: { end: 'common.failed' } },
    },
  });
}
