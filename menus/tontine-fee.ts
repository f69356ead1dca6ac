import { assign, setup } from 'xstate';
import {
  fcfa,
  is,
  listIndex,
  PIN_RE,
  required,
  type FeeDue,
  type FeeOutcome,
  type InputEvent,
  type MenuInput,
  type PinCheck,
} from './types';

export const TONTINE_FEE_VERSION = 1;

interface Context extends MenuInput {
  fees: (FeeDue & { label: string })[];
  /** The fee as shown: the amount written "5 000". */
  chosen?: { adhesionId: number; name: string; fee: string };
}

const chosenOf = (f: FeeDue) => ({ adhesionId: f.adhesionId, name: f.name, fee: fcfa(f.fee) });

const pinTransition = {
  guard: ({ event }: { event: InputEvent }) => PIN_RE.test(event.value),
  target: 'checkingPin',
};

/**
 * "8. Payer frais d'adhesion" (shown first on the main menu while a fee awaits): the fees due load →
 * the adhesion (skipped when there is one) → the tontine and the fee → the PIN, last → the fee's
 * mobile-money payment pushed to the phone. Once paid the client becomes a participant (SMS).
 */
export function tontineFeeMenu() {
  return setup({
    types: {} as { context: Context; events: InputEvent; input: MenuInput },
    actors: {
      listFeesDue: required<FeeDue[], { userId: number }>('listFeesDue'),
      verifyPin: required<PinCheck, { userId: number; pin: string }>('verifyPin'),
      startFeePayment: required<FeeOutcome, { userId: number; adhesionId: number }>('startFeePayment'),
    },
  }).createMachine({
    id: 'tontineFee',
    context: ({ input }) => ({ ...input, fees: [] }),
    initial: 'loading',
    states: {
      loading: {
        tags: ['busy'],
        invoke: {
          src: 'listFeesDue',
          input: ({ context }) => ({ userId: context.userId ?? 0 }),
          onDone: [
            { guard: ({ event }) => event.output.length === 0, target: 'none' },
            {
              guard: ({ event }) => event.output.length === 1,
              target: 'summary',
              actions: assign({ chosen: ({ event }) => chosenOf(event.output[0]) }),
            },
            {
              target: 'choose',
              actions: assign({
                fees: ({ event }) =>
                  event.output.map((f) => ({ ...f, label: `${f.name} (${fcfa(f.fee)} FCFA)` })),
              }),
            },
          ],
          onError: 'failed',
        },
      },
      choose: {
        meta: { screen: 'tontine_fee.choose', list: 'fees' },
        on: {
          INPUT: {
            guard: ({ context, event }) => listIndex(event.value, context.fees.length) !== null,
            target: 'summary',
            actions: assign({
              chosen: ({ context, event }) =>
                chosenOf(context.fees[listIndex(event.value, context.fees.length) ?? 0]),
            }),
          },
        },
      },
      summary: {
        meta: { screen: 'tontine_fee.summary' },
        on: { INPUT: { guard: is('1'), target: 'pin' } },
      },
      pin: {
        meta: { screen: 'tontine_fee.pin', secret: true },
        on: { INPUT: pinTransition },
      },
      pinWrong: {
        meta: { screen: 'tontine_fee.pin_wrong', secret: true },
        on: { INPUT: pinTransition },
      },
      checkingPin: {
        tags: ['busy'],
        invoke: {
          src: 'verifyPin',
          input: ({ context, event }) => ({ userId: context.userId ?? 0, pin: (event as InputEvent).value }),
          onDone: [
            { guard: ({ event }) => event.output === 'ok', target: 'starting' },
            { guard: ({ event }) => event.output === 'locked', target: 'pinLocked' },
            { target: 'pinWrong' },
          ],
          onError: 'failed',
        },
      },
      starting: {
        tags: ['busy'],
        invoke: {
          src: 'startFeePayment',
          input: ({ context }) => ({
            userId: context.userId ?? 0,
            adhesionId: context.chosen?.adhesionId ?? 0,
          }),
          onDone: [
            { guard: ({ event }) => event.output === 'joined', target: 'joined' },
            { guard: ({ event }) => event.output === 'pending', target: 'pending' },
            { target: 'started' },
          ],
          onError: 'failed',
        },
      },
      started: { type: 'final', meta: { end: 'tontine_fee.started' } },
      joined: { type: 'final', meta: { end: 'tontine_fee.joined' } },
      pending: { type: 'final', meta: { end: 'tontine_fee.pending' } },
      pinLocked: { type: 'final', meta: { end: 'pin.locked' } },
      none: { type: 'final', meta: { end: 'tontine_fee.none' } },
      failed: { type: 'final', meta: { end: 'common.failed' } },
    },
  });
}
