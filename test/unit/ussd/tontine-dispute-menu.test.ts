import { createActor, fromPromise, waitFor, type AnyMachineSnapshot } from 'xstate';
import type { DisputeLookup, DisputeOutcome, ScreenMeta } from '../../../menus';
import { tontineDisputeMenu } from '../../../menus/tontine-dispute';
import { t } from '../../../src/infra/i18n';
import { foldToGsm7 } from '../../../src/shared/gsm7';
import { screenText } from '../../../src/ussd/render';

/**
 * The dispute menu on a real actor with fake services: what it refuses, what each service gets, every
 * ending as the engine renders it (without the footer).
 */
const FOUND: DisputeLookup = {
  outcome: 'found',
  receipt: { code: 'K7M2QX', amount: 1500, date: '02/03/2026 09:00', agent: 'Koffi Agbo' },
};

function menu(lookup: DisputeLookup, opened: DisputeOutcome = 'opened', lang: 'fr' | 'en' = 'fr') {
  const find = jest.fn(async (_: { userId: number; code: string }) => lookup);
  const open = jest.fn(async (_: { userId: number; code: string }) => opened);
  const machine = tontineDisputeMenu().provide({
    actors: {
      findDisputableReceipt: fromPromise(({ input }: { input: { userId: number; code: string } }) =>
        find(input),
      ),
      openDispute: fromPromise(({ input }: { input: { userId: number; code: string } }) => open(input)),
    },
  });
  const actor = createActor(machine, { input: { phone: '+2290197000001', lang, userId: 7 } }).start();
  const tr = t(lang, 'ussd');
  const screen = () => {
    const snap = actor.getSnapshot() as AnyMachineSnapshot;
    const metas = Object.values(snap.getMeta()) as ScreenMeta[];
    const meta = metas[metas.length - 1] ?? {};
    const ctx = snap.context as Record<string, unknown>;
    if (snap.status === 'done') return `END ${foldToGsm7(tr(meta.end ?? 'common.goodbye', ctx))}`;
    return `CON ${foldToGsm7(screenText(tr, meta, ctx, {}))}`;
  };
  const send = async (value: string) => {
    actor.send({ type: 'INPUT', value });
    await waitFor(actor, (s: AnyMachineSnapshot) => !s.hasTag('busy') || s.status !== 'active');
    return screen();
  };
  return { find, open, screen, send };
}

describe('Contester un recu', () => {
  it('asks the code, refuses what is no code, shows the receipt, opens the dispute on 1', async () => {
    const m = menu(FOUND);
    expect(m.screen()).toBe('CON Contester un recu\nCode du recu a contester:');
    for (const bad of ['K7M2Q', 'K7M2QX9', 'K7M 2QX', '']) {
      expect(await m.send(bad)).toBe('CON Contester un recu\nCode du recu a contester:');
    }
    expect(m.find).not.toHaveBeenCalled();
    expect(await m.send(' k7m2qx ')).toBe(
      "CON Recu K7M2QX du 02/03/2026 09:00\nMontant: 1 500 FCFA\nAgent: Koffi Agbo\nL'agent a pris plus que ce montant ?\n1. Contester",
    );
    expect(m.find).toHaveBeenCalledWith({ userId: 7, code: 'K7M2QX' });
    await m.send('2');
    expect(m.open).not.toHaveBeenCalled();
    expect(await m.send('1')).toBe(
      "END Contestation enregistree. Le superviseur de l'agent va l'examiner; vous recevrez sa decision par SMS.",
    );
    expect(m.open).toHaveBeenCalledWith({ userId: 7, code: 'K7M2QX' });
  });

  it.each([
    ['unknown', 'END Aucun recu en especes avec ce code parmi vos cotisations. Verifiez le code du SMS.'],
    ['late', 'END Ce recu a plus de 48 h: il ne peut plus etre conteste. Passez a votre agence.'],
    [
      'already',
      "END Ce recu est deja conteste. Le superviseur l'examine; vous recevrez sa decision par SMS.",
    ],
  ] as const)(
    'ends clearly when the receipt is %s, at the lookup or on the re-check',
    async (refusal, end) => {
      const early = menu({ outcome: refusal });
      expect(await early.send('K7M2QX')).toBe(end);
      expect(early.open).not.toHaveBeenCalled();
      const late = menu(FOUND, refusal);
      await late.send('K7M2QX');
      expect(await late.send('1')).toBe(end);
    },
  );

  it('speaks English', async () => {
    const m = menu(FOUND, 'opened', 'en');
    expect(m.screen()).toBe('CON Dispute a receipt\nCode of the receipt to dispute:');
    expect(await m.send('K7M2QX')).toMatch(/^CON Receipt K7M2QX of 02\/03\/2026 09:00\nAmount: 1 500 FCFA\n/);
  });
});
