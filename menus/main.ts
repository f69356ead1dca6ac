import { setup } from 'xstate';
import { is, type InputEvent, type MenuInput } from './types';

export const MAIN_VERSION = 1;

/**
 * The main menu. Entries whose module has not landed yet end with "Bientot disponible."; each business
 * issue replaces its entry with a `goto` to its own flow.
 */
export const mainMenu = setup({
  types: {} as { context: MenuInput; events: InputEvent; input: MenuInput },
}).createMachine({
  id: 'main',
  context: ({ input }) => input,
  initial: 'menu',
  states: {
    menu: {
      meta: { screen: 'main.menu', root: true },
      on: {
        INPUT: [
          { guard: is('1'), target: 'tontineContribute' },
          { guard: is('2'), target: 'tontineBalances' },
          { guard: is('3'), target: 'tontineJoin' },
          { guard: is('6'), target: 'account' },
          { guard: is('7'), target: 'help' },
          { guard: is('4', '5'), target: 'comingSoon' },
        ],
      },
    },
    // The dial-string shortcuts (*123*6#: straight to "Mon compte"); 0 and 00 lead back.
    help: { meta: { screen: 'main.help' } },
    account: { type: 'final', meta: { goto: 'account' } },
    tontineContribute: { type: 'final', meta: { goto: 'tontineContribute' } },
    tontineBalances: { type: 'final', meta: { goto: 'tontineBalances' } },
    tontineJoin: { type: 'final', meta: { goto: 'tontineJoin' } },
    comingSoon: { type: 'final', meta: { end: 'common.coming_soon' } },
  },
});
