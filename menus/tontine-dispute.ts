import { assign, setup } from 'xstate';
import {
  fcfa,
  is,
  required,
  type DisputeLookup,
  type DisputeOutcome,
  type InputEvent,
  type MenuInput,
} from './types';

export const TONTINE_DISPUTE_VERSION = 1;

/** A receipt code as the SMS prints it (contribution-receipts.ts): 6 letters or digits, any case. */
const RECEIPT_CODE_RE = /^[A-Za-z0-9]{6}$/;

interface Context extends MenuInput {
  code?: string;
  /** The receipt as the confirm screen shows it: the amount written "5 000". */
  receipt?: { code: string; amount: string; date: string; agent: string };
}

/**
 * "Contester un recu" (reached from a tontine under "Mes soldes"): the code of a cash receipt → the
 * receipt (amount, date, agent) → 1 opens the dispute, the same one `NON <code>` opens by SMS. No PIN:
 * the SMS reply needs none either, and the session is bound to the client's phone. Every refusal (a
 * code that is not one of the caller's cash receipts, a receipt past 48 h, one already disputed) ends
 * with its own text.
 */
export function tontineDisputeMenu() {
  return setup({
    types: {} as { context: Context; events: InputEvent; input: MenuInput },
    actors: {
      findDisputableReceipt: required<DisputeLookup, { userId: number; code: string }>(
        'findDisputableReceipt',
      ),
      openDispute: required<DisputeOutcome, { userId: number; code: string }>('openDispute'),
    },
  }).createMachine({
    id: 'tontineDispute',
    context: ({ input }) => ({ ...input }),
    initial: 'code',
    states: {
      code: {
        meta: { screen: 'tontine_dispute.code', invalid: 'tontine_dispute.code_invalid' },
        on: {
          INPUT: {
            guard: ({ event }) => RECEIPT_CODE_RE.test(event.value.trim()),
            target: 'looking',
            actions: assign({ code: ({ event }) => event.value.trim().toUpperCase() }),
          },
        },
      },
      looking: {
        tags: ['busy'],
        invoke: {
          src: 'findDisputableReceipt',
          input: ({ context }) => ({ userId: context.userId ?? 0, code: context.code ?? '' }),
          onDone: [
            { guard: ({ event }) => event.output.outcome === 'unknown', target: 'unknown' },
            { guard: ({ event }) => event.output.outcome === 'late', target: 'late' },
            { guard: ({ event }) => event.output.outcome === 'already', target: 'already' },
            {
              target: 'confirm',
              actions: assign({
                receipt: ({ event }) => {
                  const r = event.output.outcome === 'found' ? event.output.receipt : null;
                  return r
                    ? { code: r.code, amount: fcfa(r.amount), date: r.date, agent: r.agent }
                    : undefined;
                },
              }),
            },
          ],
          onError: 'failed',
        },
      },
      confirm: {
        meta: { screen: 'tontine_dispute.confirm' },
        on: { INPUT: { guard: is('1'), target: 'opening' } },
      },
      opening: {
        tags: ['busy'],
        invoke: {
          src: 'openDispute',
          input: ({ context }) => ({ userId: context.userId ?? 0, code: context.code ?? '' }),
          onDone: [
            { guard: ({ event }) => event.output === 'unknown', target: 'unknown' },
            { guard: ({ event }) => event.output === 'late', target: 'late' },
            { guard: ({ event }) => event.output === 'already', target: 'already' },
            { target: 'opened' },
          ],
          onError: 'failed',
        },
      },
      opened: { type: 'final', meta: { end: 'tontine_dispute.opened' } },
      unknown: { type: 'final', meta: { end: 'tontine_dispute.unknown' } },
      late: { type: 'final', meta: { end: 'tontine_dispute.late' } },
      already: { type: 'final', meta: { end: 'tontine_dispute.already' } },
      failed: { type: 'final', meta: { end: 'common.failed' } },
    },
  });
}
