import { assign, setup } from 'xstate';
import {
  PIN_RE,
  required,
  type BalanceLine,
  type InputEvent,
  type Lang,
  type MenuInput,
  type PinCheck,
} from './types';

export const TONTINE_BALANCES_VERSION = 1;

interface Context extends MenuInput {
  balances: BalanceLine[];
}

const pinTransition = {
  guard: ({ event }: { event: InputEvent }) => PIN_RE.test(event.value),
  target: 'checkingPin',
};

/** "2. Mes soldes": the PIN → each tontine's balance and carnet progress, one numbered line each. */
export function tontineBalancesMenu() {
  return setup({
    types: {} as { context: Context; events: InputEvent; input: MenuInput },
    actors: {
      verifyPin: required<PinCheck, { userId: number; pin: string }>('verifyPin'),
      loadBalances: required<BalanceLine[], { userId: number; lang: Lang }>('loadBalances'),
    },
  }).createMachine({
    id: 'tontineBalances',
    context: ({ input }) => ({ ...input, balances: [] }),
    initial: 'pin',
    states: {
      pin: {
        meta: { screen: 'tontine_balances.pin', secret: true },
        on: { INPUT: pinTransition },
      },
      pinWrong: {
        meta: { screen: 'tontine_balances.pin_wrong', secret: true },
        on: { INPUT: pinTransition },
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
          onDone: [
            { guard: ({ event }) => event.output.length === 0, target: 'none' },
            { target: 'balances', actions: assign({ balances: ({ event }) => event.output }) },
          ],
          onError: 'failed',
        },
      },
      balances: { meta: { screen: 'tontine_balances.list', list: 'balances' } },
      pinLocked: { type: 'final', meta: { end: 'pin.locked' } },
      none: { type: 'final', meta: { end: 'tontine_balances.none' } },
      failed: { type: 'final', meta: { end: 'common.failed' } },
    },
  });
}
