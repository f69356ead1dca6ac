import { setup } from 'xstate';
import { is, required, type InputEvent, type MenuInput } from './types';

export const MAIN_VERSION = 4;

/** The choices of both main screens: their numbers never move (clients learn them). */
const CHOICES = [
  { guard: is('1'), target: 'tontineContribute' },
  { guard: is('2'), target: 'tontineBalances' },
  { guard: is('3'), target: 'tontineJoin' },
  { guard: is('4'), target: 'savings' },
  { guard: is('5'), target: 'loans' },
  { guard: is('6'), target: 'account' },
  { guard: is('7'), target: 'help' },
];

/**
 * The main menu. First it asks whether a joining fee awaits the caller (an adhesion an agent validated,
 * or whose fee payment failed): then "8. Payer frais d'adhesion" comes first, above the usual entries,
 * numbered 8 so that 1 to 7 keep their numbers and 0 stays "back". A check that fails shows the usual
 * menu. Each entry is a `goto` to its module's flow (5. Prets: the loans flow, issue 14).
 */
export const mainMenu = setup({
  types: {} as { context: MenuInput; events: InputEvent; input: MenuInput },
  actors: { feeDue: required<boolean, { userId: number }>('feeDue') },
}).createMachine({
  id: 'main',
  context: ({ input }) => input,
  initial: 'loading',
  states: {
    loading: {
      tags: ['busy'],
      invoke: {
        src: 'feeDue',
        input: ({ context }) => ({ userId: context.userId ?? 0 }),
        onDone: [{ guard: ({ event }) => event.output, target: 'menuFee' }, { target: 'menu' }],
        onError: 'menu',
      },
    },
    menu: {
      meta: { screen: 'main.menu', root: true },
      on: { INPUT: CHOICES },
    },
    menuFee: {
      meta: { screen: 'main.menu_fee', root: true },
      on: { INPUT: [{ guard: is('8'), target: 'tontineFee' }, ...CHOICES] },
    },
    // The dial-string shortcuts (*123*6#: straight to "Mon compte"); 0 and 00 lead back.
    help: { meta: { screen: 'main.help' } },
    account: { type: 'final', meta: { goto: 'account' } },
    tontineContribute: { type: 'final', meta: { goto: 'tontineContribute' } },
    tontineBalances: { type: 'final', meta: { goto: 'tontineBalances' } },
    tontineJoin: { type: 'final', meta: { goto: 'tontineJoin' } },
    tontineFee: { type: 'final', meta: { goto: 'tontineFee' } },
    savings: { type: 'final', meta: { goto: 'savings' } },
    loans: { type: 'final', meta: { goto: 'loans' } },
  },
});
