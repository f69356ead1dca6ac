import { assign, setup } from 'xstate';
import { pinTransition } from './pin-last';
import {
  fcfa,
  is,
  listIndex,
  required,
  type BalanceLine,
  type InputEvent,
  type Lang,
  type MenuInput,
  type PinCheck,
  type WithdrawalOutcome,
} from './types';

export const TONTINE_BALANCES_VERSION = 4;

interface Context extends MenuInput {
  balances: BalanceLine[];
  /** The savings account's line, shown above the tontines (the savings module's; '' without one). */
  savingsLine: string;
  /** The loan's line, under the savings one (the loans module's; '' without a loan being repaid). */
  loanLine: string;
  /** The tontine chosen, its amounts as shown ("5 000") beside the figures the guards compare. */
  chosen?: {
    participantId: number;
    name: string;
    balance: string;
    cycle: number;
    boxesPaid: number;
    available: string;
    min: string;
    availableXof: number;
    minXof: number;
  };
  amount?: number;
  /** The amount asked, as shown. */
  amountText?: string;
}

type Args = { context: Context; event: InputEvent };

/** An amount typed: whole francs, no separators. */
const AMOUNT_RE = /^\d{1,9}$/;
const amountOf = (event: InputEvent) =>
  AMOUNT_RE.test(event.value.trim()) ? Number(event.value.trim()) : null;

/** The amount screens' transitions: below the minimum, above what is available, or the confirmation. */
const amountTransitions = [
  {
    guard: ({ context, event }: Args) => {
      const amount = amountOf(event);
      return amount !== null && amount < (context.chosen?.minXof ?? 0);
    },
    target: 'amountLow',
  },
  {
    guard: ({ context, event }: Args) => {
      const amount = amountOf(event);
      return amount !== null && amount > (context.chosen?.availableXof ?? 0);
    },
    target: 'amountHigh',
  },
  {
    guard: ({ event }: Args) => amountOf(event) !== null,
    target: 'confirm',
    actions: 'keepAmount' as const,
  },
];

const chosenOf = (b: BalanceLine): NonNullable<Context['chosen']> => ({
  participantId: b.participantId,
  name: b.name,
  balance: fcfa(b.balance),
  cycle: b.cycle,
  boxesPaid: b.boxesPaid,
  available: fcfa(Math.max(0, b.available)),
  min: fcfa(b.minWithdrawal),
  availableXof: b.available,
  minXof: b.minWithdrawal,
});

/** The tontine list's choice: a tontine's own screen. */
const chooseTontine = {
  guard: ({ context, event }: Args) => listIndex(event.value, context.balances.length) !== null,
  target: 'detail',
  actions: 'chooseTontine' as const,
};

/** Where the loaded lines lead without a loan line: the savings line (if any) above the tontines. */
const WITHOUT_LOAN = [
  {
    guard: ({ context }: { context: Context }) => !!context.savingsLine && context.balances.length === 0,
    target: 'savingsOnly',
  },
  { guard: ({ context }: { context: Context }) => !!context.savingsLine, target: 'balancesSavings' },
  { guard: ({ context }: { context: Context }) => context.balances.length === 0, target: 'none' },
  { target: 'balances' },
];

/**
 * "2. Mes soldes": the PIN → the savings account's balance and the loan's outstanding (lines the savings
 * and loans modules write, alone on an END without a tontine) above each tontine's balance and carnet
 * progress, one numbered line each → a tontine: its balance, carnet and what may be withdrawn → 1. Retirer: the amount (at least the
 * tontine's minimum, at most what is available) → the confirmation → the PIN again, last (money
 * screens ask it last) → the request, which an agent validates; 2. Contester un recu: the dispute flow.
 */
export function tontineBalancesMenu() {
  return setup({
    types: {} as { context: Context; events: InputEvent; input: MenuInput },
    actions: {
      chooseTontine: assign({
        chosen: ({ context, event }) =>
          chosenOf(context.balances[listIndex(event.value, context.balances.length) ?? 0]),
      }),
      keepLoanLine: assign({
        loanLine: ({ event }) => (event as unknown as { output: string | null }).output ?? '',
      }),
      keepAmount: assign({
        amount: ({ event }) => amountOf(event) ?? 0,
        amountText: ({ event }) => fcfa(amountOf(event) ?? 0),
      }),
    },
    actors: {
      verifyPin: required<PinCheck, { userId: number; pin: string }>('verifyPin'),
      loadBalances: required<BalanceLine[], { userId: number; lang: Lang }>('loadBalances'),
      loadSavingsLine: required<string | null, { userId: number; lang: Lang }>('loadSavingsLine'),
      loadLoanLine: required<string | null, { userId: number; lang: Lang }>('loadLoanLine'),
      requestWithdrawal: required<
        WithdrawalOutcome,
        { userId: number; participantId: number; amount: number }
      >('requestWithdrawal'),
    },
  }).createMachine({
    id: 'tontineBalances',
    context: ({ input }) => ({ ...input, balances: [], savingsLine: '', loanLine: '' }),
    initial: 'pin',
    states: {
      pin: {
        meta: { screen: 'tontine_balances.pin', secret: true },
        on: { INPUT: pinTransition('checkingPin') },
      },
      pinWrong: {
        meta: { screen: 'tontine_balances.pin_wrong', secret: true },
        on: { INPUT: pinTransition('checkingPin') },
      },
      checkingPin: {
        tags: ['busy'],
        invoke: {
          src: 'verifyPin',
          input: ({ context, event }) => ({ userId: context.userId ?? 0, pin: (event as InputEvent).value }),
          onDone: [
            { guard: ({ event }) => event.output === 'ok', target: 'loading' },
            { guard: ({ event }) => event.output === 'locked', target: 'pinLocked' },
            { target: 'pinWrong' },
          ],
          onError: 'failed',
        },
      },
      loading: {
        tags: ['busy'],
        invoke: {
          src: 'loadBalances',
          input: ({ context }) => ({ userId: context.userId ?? 0, lang: context.lang }),
          onDone: {
            target: 'loadingSavings',
            actions: assign({ balances: ({ event }) => event.output }),
          },
          onError: 'failed',
        },
      },
      // The savings balance beside the tontines: without it (no account, or the service failing) the
      // tontines are shown as before.
      loadingSavings: {
        tags: ['busy'],
        invoke: {
          src: 'loadSavingsLine',
          input: ({ context }) => ({ userId: context.userId ?? 0, lang: context.lang }),
          onDone: {
            target: 'loadingLoan',
            actions: assign({ savingsLine: ({ event }) => event.output ?? '' }),
          },
          onError: 'loadingLoan',
        },
      },
      // The loan's line under the savings one, the same way (the loans module's; none, or failing: as before).
      loadingLoan: {
        tags: ['busy'],
        invoke: {
          src: 'loadLoanLine',
          input: ({ context }) => ({ userId: context.userId ?? 0, lang: context.lang }),
          onDone: [
            {
              guard: ({ context, event }) =>
                !!event.output && !!context.savingsLine && context.balances.length === 0,
              target: 'savingsLoanOnly',
              actions: 'keepLoanLine',
            },
            {
              guard: ({ context, event }) => !!event.output && context.balances.length === 0,
              target: 'loanOnly',
              actions: 'keepLoanLine',
            },
            {
              guard: ({ context, event }) => !!event.output && !!context.savingsLine,
              target: 'balancesSavingsLoan',
              actions: 'keepLoanLine',
            },
            { guard: ({ event }) => !!event.output, target: 'balancesLoan', actions: 'keepLoanLine' },
            ...WITHOUT_LOAN,
          ],
          onError: WITHOUT_LOAN,
        },
      },
      balances: {
        meta: { screen: 'tontine_balances.list', list: 'balances' },
        on: { INPUT: chooseTontine },
      },
      balancesSavings: {
        meta: { screen: 'tontine_balances.list_savings', list: 'balances' },
        on: { INPUT: chooseTontine },
      },
      balancesLoan: {
        meta: { screen: 'loans.balances_loan', list: 'balances' },
        on: { INPUT: chooseTontine },
      },
      balancesSavingsLoan: {
        meta: { screen: 'loans.balances_both', list: 'balances' },
        on: { INPUT: chooseTontine },
      },
      detail: {
        meta: { screen: 'tontine_balances.detail' },
        on: {
          INPUT: [
            {
              guard: ({ context, event }) =>
                event.value === '1' && (context.chosen?.availableXof ?? 0) >= (context.chosen?.minXof ?? 0),
              target: 'amount',
            },
            { guard: is('1'), target: 'cannotWithdraw' },
            { guard: is('2'), target: 'dispute' },
          ],
        },
      },
      amount: {
        meta: { screen: 'tontine_balances.amount', invalid: 'tontine_balances.amount_invalid' },
        on: { INPUT: amountTransitions },
      },
      amountLow: {
        meta: { screen: 'tontine_balances.amount_low', invalid: 'tontine_balances.amount_invalid' },
        on: { INPUT: amountTransitions },
      },
      amountHigh: {
        meta: { screen: 'tontine_balances.amount_high', invalid: 'tontine_balances.amount_invalid' },
        on: { INPUT: amountTransitions },
      },
      confirm: {
        meta: { screen: 'tontine_balances.confirm' },
        on: { INPUT: { guard: is('1'), target: 'withdrawPin' } },
      },
      withdrawPin: {
        meta: { screen: 'tontine_balances.withdraw_pin', secret: true },
        on: { INPUT: pinTransition('checkingWithdrawPin') },
      },
      withdrawPinWrong: {
        meta: { screen: 'tontine_balances.pin_wrong', secret: true },
        on: { INPUT: pinTransition('checkingWithdrawPin') },
      },
      checkingWithdrawPin: {
        tags: ['busy'],
        invoke: {
          src: 'verifyPin',
          input: ({ context, event }) => ({ userId: context.userId ?? 0, pin: (event as InputEvent).value }),
          onDone: [
            { guard: ({ event }) => event.output === 'ok', target: 'requesting' },
            { guard: ({ event }) => event.output === 'locked', target: 'pinLocked' },
            { target: 'withdrawPinWrong' },
          ],
          onError: 'failed',
        },
      },
      requesting: {
        tags: ['busy'],
        invoke: {
          src: 'requestWithdrawal',
          input: ({ context }) => ({
            userId: context.userId ?? 0,
            participantId: context.chosen?.participantId ?? 0,
            amount: context.amount ?? 0,
          }),
          onDone: [
            { guard: ({ event }) => event.output === 'insufficient', target: 'insufficient' },
            { guard: ({ event }) => event.output === 'below_min', target: 'belowMin' },
            { target: 'requested' },
          ],
          onError: 'failed',
        },
      },
      dispute: { type: 'final', meta: { goto: 'tontineDispute' } },
      requested: { type: 'final', meta: { end: 'tontine_balances.withdraw_sent' } },
      insufficient: { type: 'final', meta: { end: 'tontine_balances.withdraw_insufficient' } },
      belowMin: { type: 'final', meta: { end: 'tontine_balances.withdraw_below_min' } },
      cannotWithdraw: { type: 'final', meta: { end: 'tontine_balances.withdraw_unavailable' } },
      pinLocked: { type: 'final', meta: { end: 'pin.locked' } },
      none: { type: 'final', meta: { end: 'tontine_balances.none' } },
      savingsOnly: { type: 'final', meta: { end: 'tontine_balances.savings_only' } },
      loanOnly: { type: 'final', meta: { end: 'loans.balances_only_loan' } },
      savingsLoanOnly: { type: 'final', meta: { end: 'loans.balances_only_both' } },
      failed: { type: 'final', meta: { end: 'common.failed' } },
    },
  });
}
