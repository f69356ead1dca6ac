import { PIN_RE, type InputEvent, type MenuInput, type PinCheck } from './types';

/** An input that looks like a PIN goes to `target` (the check); anything else stays on the screen. */
export const pinTransition = (target: string) => ({
  guard: ({ event }: { event: InputEvent }) => PIN_RE.test(event.value),
  target,
});

/**
 * The PIN asked last before a money step runs, for the menus that ask it so (savings, loans): its
 * screen (`<ns>.pin`), the screen after a wrong PIN (`<ns>.pin_wrong`) and the check (the machine's
 * `verifyPin` actor). `name` prefixes the three states (`depositPin`, `depositPinWrong`,
 * `depositChecking`); a right PIN goes to `next`, a locked one to the machine's `pinLocked`, a failing
 * check to its `failed`.
 */
export function pinLastStates(ns: string, name: string, next: string) {
  const checking = `${name}Checking`;
  return {
    [`${name}Pin`]: { meta: { screen: `${ns}.pin`, secret: true }, on: { INPUT: pinTransition(checking) } },
    [`${name}PinWrong`]: {
      meta: { screen: `${ns}.pin_wrong`, secret: true },
      on: { INPUT: pinTransition(checking) },
    },
    [checking]: {
      tags: ['busy'],
      invoke: {
        src: 'verifyPin',
        input: ({ context, event }: { context: MenuInput; event: unknown }) => ({
          userId: context.userId ?? 0,
          pin: (event as InputEvent).value,
        }),
        onDone: [
          { guard: ({ event }: { event: { output: PinCheck } }) => event.output === 'ok', target: next },
          {
            guard: ({ event }: { event: { output: PinCheck } }) => event.output === 'locked',
            target: 'pinLocked',
          },
          { target: `${name}PinWrong` },
        ],
        onError: 'failed',
      },
    },
  } as const;
}
