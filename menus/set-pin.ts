import { setup } from 'xstate';
import { choosePinStates } from './choose-pin';
import { required, type InputEvent, type MenuInput } from './types';

export const SET_PIN_VERSION = 1;

interface Context extends MenuInput {
  pinDraft?: string;
}

/** A client registered at a branch has no PIN yet: the first dial chooses one, then the main menu. */
export function setPinMenu(pinKey: string) {
  return setup({
    types: {} as { context: Context; events: InputEvent; input: MenuInput },
    actors: { setPin: required<void, { userId: number; phone: string; pin: string }>('setPin') },
  }).createMachine({
    id: 'setPin',
    context: ({ input }) => input,
    initial: 'pinAsk',
    states: {
      ...choosePinStates<Context>(pinKey, { ask: 'set_pin.ask', confirm: 'set_pin.confirm' }, 'saving'),
      saving: {
        tags: ['busy'],
        invoke: {
          src: 'setPin',
          input: ({ context, event }) => ({
            userId: context.userId ?? 0,
            phone: context.phone,
            pin: (event as InputEvent).value,
          }),
          onDone: 'saved',
          onError: 'failed',
        },
      },
      saved: { type: 'final', meta: { goto: 'main', notice: 'set_pin.saved' } },
      failed: { type: 'final', meta: { end: 'common.failed' } },
    },
  });
}
