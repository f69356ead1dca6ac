import { assign, setup } from 'xstate';
import {
  fcfa,
  is,
  listIndex,
  PIN_RE,
  required,
  type ContributionQuote,
  type InputEvent,
  type MenuInput,
  type ParticipationOption,
  type PinCheck,
} from './types';

export const TONTINE_CONTRIBUTE_VERSION = 1;

/** The days one USSD payment covers (the back office may record more: carnet.ts MAX_DAYS). */
export const USSD_MAX_DAYS = 31;

interface Context extends MenuInput {
  days?: number;
  participations: (ParticipationOption & { label: string })[];
  chosen?: { participantId: number; name: string; stake: string };
  /** The quote as shown: amounts written "5 000". */
  quote?: { amount: string; commission: string; cycle: number; boxesPaid: number };
}

const DAYS_RE = /^\d{1,2}$/;
const isDays = ({ event }: { event: InputEvent }) => {
  const v = event.value.trim();
  return DAYS_RE.test(v) && Number(v) >= 1 && Number(v) <= USSD_MAX_DAYS;
};

const chosenOf = (p: ParticipationOption) => ({
  participantId: p.participantId,
  name: p.name,
  stake: fcfa(p.stake),
});

const pinTransition = {
  guard: ({ event }: { event: InputEvent }) => PIN_RE.test(event.value),
  target: 'checkingPin',
};

/**
 * "1. Cotiser": the number of days (1 to 31) → the tontine (skipped when the client has one) → the
 * summary (amount, the carnet after, the commission when a cycle starts) → the PIN, last → the
 * mobile-money payment pushed to the phone. The days come first, so the first screen costs no query
 * (the participations load with the answer; the engine can also wait for a first state that loads).
 */
export function tontineContributeMenu() {
  return setup({
    types: {} as { context: Context; events: InputEvent; input: MenuInput },
    actors: {
      listParticipations: required<ParticipationOption[], { userId: number }>('listParticipations'),
      quoteContribution: required<ContributionQuote, { userId: number; participantId: number; days: number }>(
        'quoteContribution',
      ),
      verifyPin: required<PinCheck, { userId: number; pin: string }>('verifyPin'),
      startContribution: required<void, { userId: number; participantId: number; days: number }>(
        'startContribution',
      ),
    },
  }).createMachine({
    id: 'tontineContribute',
    context: ({ input }) => ({ ...input, participations: [] }),
    initial: 'days',
    states: {
      days: {
        meta: { screen: 'tontine_contribute.days', invalid: 'tontine_contribute.days_invalid' },
        on: {
          INPUT: {
            guard: isDays,
            target: 'loading',
            actions: assign({ days: ({ event }) => Number(event.value.trim()) }),
          },
        },
      },
      loading: {
        tags: ['busy'],
        invoke: {
          src: 'listParticipations',
          input: ({ context }) => ({ userId: context.userId ?? 0 }),
          onDone: [
            { guard: ({ event }) => event.output.length === 0, target: 'none' },
            {
              guard: ({ event }) => event.output.length === 1,
              target: 'quoting',
              actions: assign({ chosen: ({ event }) => chosenOf(event.output[0]) }),
            },
            {
              target: 'choose',
              actions: assign({
                participations: ({ event }) =>
                  event.output.map((p) => ({ ...p, label: `${p.name} (${fcfa(p.stake)} FCFA)` })),
              }),
            },
          ],
          onError: 'failed',
        },
      },
      choose: {
        meta: { screen: 'tontine_contribute.choose', list: 'participations' },
        on: {
          INPUT: {
            guard: ({ context, event }) => listIndex(event.value, context.participations.length) !== null,
            target: 'quoting',
            actions: assign({
              chosen: ({ context, event }) =>
                chosenOf(context.participations[listIndex(event.value, context.participations.length) ?? 0]),
            }),
          },
        },
      },
      quoting: {
        tags: ['busy'],
        invoke: {
          src: 'quoteContribution',
          input: ({ context }) => ({
            userId: context.userId ?? 0,
            participantId: context.chosen?.participantId ?? 0,
            days: context.days ?? 0,
          }),
          onDone: [
            {
              guard: ({ event }) => event.output.commission > 0,
              target: 'summaryCommission',
              actions: assign({ quote: ({ event }) => quoteOf(event.output) }),
            },
            { target: 'summary', actions: assign({ quote: ({ event }) => quoteOf(event.output) }) },
          ],
          onError: 'failed',
        },
      },
      summary: {
        meta: { screen: 'tontine_contribute.summary' },
        on: { INPUT: { guard: is('1'), target: 'pin' } },
      },
      summaryCommission: {
        meta: { screen: 'tontine_contribute.summary_commission' },
        on: { INPUT: { guard: is('1'), target: 'pin' } },
      },
      pin: {
        meta: { screen: 'tontine_contribute.pin', secret: true },
        on: { INPUT: pinTransition },
      },
      pinWrong: {
        meta: { screen: 'tontine_contribute.pin_wrong', secret: true },
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
          src: 'startContribution',
          input: ({ context }) => ({
            userId: context.userId ?? 0,
            participantId: context.chosen?.participantId ?? 0,
            days: context.days ?? 0,
          }),
          onDone: 'started',
          onError: 'failed',
        },
      },
      started: { type: 'final', meta: { end: 'tontine_contribute.started' } },
      pinLocked: { type: 'final', meta: { end: 'pin.locked' } },
      none: { type: 'final', meta: { end: 'tontine_contribute.none' } },
      failed: { type: 'final', meta: { end: 'common.failed' } },
    },
  });
}

function quoteOf(q: ContributionQuote) {
  return { amount: fcfa(q.amount), commission: fcfa(q.commission), cycle: q.cycle, boxesPaid: q.boxesPaid };
}
