import { assign } from 'xstate';
import { isAcceptablePin, isWeakButWellFormed, pinDigest } from './pin-draft';
import type { InputEvent } from './types';

type PinContext = { pinDraft?: string };

/**
 * The "choose a PIN, type it again" steps that registration, PIN change, PIN reset and first PIN share.
 * `screens` names the screen keys; `confirmedTarget` is the state that saves the PIN (its invoke reads
 * the PIN from the confirming event, so the PIN itself is never kept).
 */
export function choosePinStates<C extends PinContext>(
  pinKey: string,
  screens: { ask: string; confirm: string },
  confirmedTarget: string,
) {
  const remember = assign<C, InputEvent, undefined, InputEvent, never>(
    ({ event }) => ({ pinDraft: pinDigest(pinKey, event.value) }) as Partial<C>,
  );
  const forget = assign<C, InputEvent, undefined, InputEvent, never>(
    () => ({ pinDraft: undefined }) as Partial<C>,
  );
  type Args = { context: C; event: InputEvent };
  const askTransitions = {
    INPUT: [
      { guard: ({ event }: Args) => isAcceptablePin(event.value), target: 'pinConfirm', actions: remember },
      { guard: ({ event }: Args) => isWeakButWellFormed(event.value), target: 'pinWeak' },
    ],
  };
  return {
    pinAsk: { meta: { screen: screens.ask, secret: true }, on: askTransitions },
    pinWeak: { meta: { screen: 'pin.weak', secret: true }, on: askTransitions },
    pinMismatch: { meta: { screen: 'pin.mismatch', secret: true }, on: askTransitions },
    pinConfirm: {
      meta: { screen: screens.confirm, secret: true },
      on: {
        INPUT: [
          {
            guard: ({ context, event }: Args) => context.pinDraft === pinDigest(pinKey, event.value),
            target: confirmedTarget,
            actions: forget,
          },
          { guard: ({ event }: Args) => /^\d{4}$/.test(event.value), target: 'pinMismatch', actions: forget },
        ],
      },
    },
  };
}
