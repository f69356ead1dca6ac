import { assign, setup } from 'xstate';
import {
  fcfa,
  is,
  listIndex,
  required,
  type AdhesionOutcome,
  type InputEvent,
  type MenuInput,
  type TontineOption,
} from './types';

export const TONTINE_JOIN_VERSION = 1;

/** A tontine as the screens show it: amounts already written "5 000". */
interface Chosen {
  id: number;
  name: string;
  min: string;
  max: string;
  fee: string;
  stakeMin: number;
  stakeMax: number;
}

interface Context extends MenuInput {
  tontines: (TontineOption & { label: string })[];
  chosen?: Chosen;
  stake?: number;
  /** The stake as shown ("1 500"). */
  stakeText?: string;
  /** The last amount refused for being out of the bounds. */
  refusedStake?: number;
}

const AMOUNT_RE = /^\d{1,9}$/;
const amountOf = (event: InputEvent) => Number(event.value.trim());
const inRange = ({ context, event }: { context: Context; event: InputEvent }) => {
  if (!AMOUNT_RE.test(event.value.trim()) || !context.chosen) return false;
  const stake = amountOf(event);
  return stake >= context.chosen.stakeMin && stake <= context.chosen.stakeMax;
};
const isAmount = ({ event }: { event: InputEvent }) => AMOUNT_RE.test(event.value.trim());

/**
 * "3. Rejoindre une tontine": (1. see them) the active tontines of the client's SFD (with their stake range) → one →
 * the daily stake, within its bounds → confirm, the joining fee shown → the adhesion is submitted; an
 * agent decides (and the client is told by SMS).
 */
export function tontineJoinMenu() {
  return setup({
    types: {} as { context: Context; events: InputEvent; input: MenuInput },
    actors: {
      listTontines: required<TontineOption[], { userId: number }>('listTontines'),
      submitAdhesion: required<AdhesionOutcome, { userId: number; tontineId: number; stake: number }>(
        'submitAdhesion',
      ),
    },
  }).createMachine({
    id: 'tontineJoin',
    context: ({ input }) => ({ ...input, tontines: [] }),
    // The engine shows a flow's first screen without waiting for a service: the list loads after "1".
    initial: 'intro',
    states: {
      intro: {
        meta: { screen: 'tontine_join.intro' },
        on: { INPUT: { guard: is('1'), target: 'loading' } },
      },
      loading: {
        tags: ['busy'],
        invoke: {
          src: 'listTontines',
          input: ({ context }) => ({ userId: context.userId ?? 0 }),
          onDone: [
            { guard: ({ event }) => event.output.length === 0, target: 'none' },
            {
              target: 'choose',
              actions: assign({
                tontines: ({ event }) =>
                  event.output.map((t) => ({
                    ...t,
                    label: `${t.name} (${fcfa(t.stakeMin)}-${fcfa(t.stakeMax)} FCFA)`,
                  })),
              }),
            },
          ],
          onError: 'failed',
        },
      },
      choose: {
        meta: { screen: 'tontine_join.choose', list: 'tontines' },
        on: {
          INPUT: {
            guard: ({ context, event }) => listIndex(event.value, context.tontines.length) !== null,
            target: 'stake',
            actions: assign({
              chosen: ({ context, event }) => {
                const t = context.tontines[listIndex(event.value, context.tontines.length) ?? 0];
                return {
                  id: t.id,
                  name: t.name,
                  min: fcfa(t.stakeMin),
                  max: fcfa(t.stakeMax),
                  fee: fcfa(t.joiningFee),
                  stakeMin: t.stakeMin,
                  stakeMax: t.stakeMax,
                };
              },
            }),
          },
        },
      },
      stake: {
        meta: { screen: 'tontine_join.stake', invalid: 'tontine_join.stake_invalid' },
        on: {
          INPUT: [
            {
              guard: inRange,
              target: 'confirm',
              actions: assign({
                stake: ({ event }) => amountOf(event),
                stakeText: ({ event }) => fcfa(amountOf(event)),
              }),
            },
            // Outside the bounds: said with the bounds (the engine's `invalid` line is static text). The
            // amount is kept so that a second one out of range is a new step, not a refused input.
            {
              guard: isAmount,
              target: 'stakeOutOfRange',
              actions: assign({ refusedStake: ({ event }) => amountOf(event) }),
            },
          ],
        },
      },
      stakeOutOfRange: {
        meta: { screen: 'tontine_join.stake_out_of_range', invalid: 'tontine_join.stake_invalid' },
        on: {
          INPUT: [
            {
              guard: inRange,
              target: 'confirm',
              actions: assign({
                stake: ({ event }) => amountOf(event),
                stakeText: ({ event }) => fcfa(amountOf(event)),
              }),
            },
            // Outside the bounds: said with the bounds (the engine's `invalid` line is static text). The
            // amount is kept so that a second one out of range is a new step, not a refused input.
            {
              guard: isAmount,
              target: 'stakeOutOfRange',
              actions: assign({ refusedStake: ({ event }) => amountOf(event) }),
            },
          ],
        },
      },
      confirm: {
        meta: { screen: 'tontine_join.confirm' },
        on: { INPUT: { guard: is('1'), target: 'submitting' } },
      },
      submitting: {
        tags: ['busy'],
        invoke: {
          src: 'submitAdhesion',
          input: ({ context }) => ({
            userId: context.userId ?? 0,
            tontineId: context.chosen?.id ?? 0,
            stake: context.stake ?? 0,
          }),
          onDone: [
            { guard: ({ event }) => event.output === 'sent', target: 'sent' },
            { guard: ({ event }) => event.output === 'already', target: 'already' },
            { target: 'closed' },
          ],
          onError: 'failed',
        },
      },
      sent: { type: 'final', meta: { end: 'tontine_join.sent' } },
      already: { type: 'final', meta: { end: 'tontine_join.already' } },
      closed: { type: 'final', meta: { end: 'tontine_join.closed' } },
      none: { type: 'final', meta: { end: 'tontine_join.none' } },
      failed: { type: 'final', meta: { end: 'common.failed' } },
    },
  });
}
