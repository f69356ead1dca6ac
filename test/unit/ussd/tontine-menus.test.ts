import { createActor, fromPromise, waitFor, type AnyActorRef, type AnyMachineSnapshot } from 'xstate';
import {
  fcfa,
  type BalanceLine,
  type FeeDue,
  type Lang,
  type MenuServices,
  type ParticipationOption,
  type ScreenMeta,
  type TontineOption,
} from '../../../menus';
import { mainMenu } from '../../../menus/main';
import { tontineBalancesMenu } from '../../../menus/tontine-balances';
import { tontineContributeMenu } from '../../../menus/tontine-contribute';
import { tontineFeeMenu } from '../../../menus/tontine-fee';
import { tontineJoinMenu } from '../../../menus/tontine-join';
import { t } from '../../../src/infra/i18n';
import { foldToGsm7 } from '../../../src/shared/gsm7';
import { screenText } from '../../../src/ussd/render';

/**
 * The three tontine menus run on real actors with fake services: every screen as the engine renders
 * it (without the footer), what is refused, what each service is called with.
 */
const PIN = '4827';
const MARCHE: TontineOption = {
  id: 11,
  name: 'Tontine Marche',
  stakeMin: 200,
  stakeMax: 5000,
  joiningFee: 1000,
};
const PORT: TontineOption = { id: 12, name: 'Tontine Port', stakeMin: 1000, stakeMax: 20000, joiningFee: 0 };
const P_MARCHE: ParticipationOption = { participantId: 21, name: 'Tontine Marche', stake: 500 };
const P_PORT: ParticipationOption = { participantId: 22, name: 'Tontine Port', stake: 1500 };

const B_MARCHE: BalanceLine = {
  label: 'Tontine Marche: 21 000 FCFA, Carnet 2: 13/31',
  participantId: 21,
  name: 'Tontine Marche',
  balance: 21_000,
  cycle: 2,
  boxesPaid: 13,
  available: 16_000,
  minWithdrawal: 400,
};
const B_PORT: BalanceLine = {
  label: 'Tontine Port: 0 FCFA, Carnet 1: 0/31',
  participantId: 22,
  name: 'Tontine Port',
  balance: 0,
  cycle: 1,
  boxesPaid: 0,
  available: 0,
  minWithdrawal: 400,
};
const F_MARCHE: FeeDue = { adhesionId: 31, name: 'Tontine Marche', fee: 1000 };
const F_PORT: FeeDue = { adhesionId: 32, name: 'Tontine Port', fee: 2500 };

type Fakes = { [K in keyof MenuServices]-?: jest.Mock };

function fakes(over: Partial<Record<keyof MenuServices, (input: never) => Promise<unknown>>> = {}): Fakes {
  const base: Record<string, (input: never) => Promise<unknown>> = {
    verifyPin: async ({ pin }: { pin: string }) => (pin === PIN ? 'ok' : 'wrong'),
    listTontines: async () => [MARCHE, PORT],
    submitAdhesion: async () => 'sent',
    listParticipations: async () => [P_MARCHE],
    quoteContribution: async () => ({ amount: 1500, commission: 500, cycle: 1, boxesPaid: 3 }),
    startContribution: async () => undefined,
    loadBalances: async (): Promise<BalanceLine[]> => [B_MARCHE, B_PORT],
    requestWithdrawal: async () => 'sent',
    feeDue: async () => false,
    listFeesDue: async (): Promise<FeeDue[]> => [F_MARCHE],
    startFeePayment: async () => 'started',
    ...over,
  };
  return Object.fromEntries(Object.entries(base).map(([k, fn]) => [k, jest.fn(fn)])) as unknown as Fakes;
}

const MACHINES = {
  main: () => mainMenu,
  tontineFee: tontineFeeMenu,
  tontineJoin: tontineJoinMenu,
  tontineContribute: tontineContributeMenu,
  tontineBalances: tontineBalancesMenu,
};

/** One menu machine on an actor, its services provided as buildFlows does, fed one input a hop. */
class Menu {
  private readonly actor: AnyActorRef;
  /** The last input was refused (the machine stayed where it was). */
  refused = false;

  constructor(
    flow: keyof typeof MACHINES,
    services: Fakes,
    private readonly lang: Lang = 'fr',
  ) {
    const actors = Object.fromEntries(
      Object.entries(services).map(([name, fn]) => [
        name,
        fromPromise(({ input }: { input: unknown }) => (fn as (i: unknown) => Promise<unknown>)(input)),
      ]),
    );
    const machine = MACHINES[flow]().provide({ actors } as never);
    this.actor = createActor(machine, { input: { phone: '+2290197000001', lang, userId: 7 } }).start();
  }

  get snap(): AnyMachineSnapshot {
    return this.actor.getSnapshot() as AnyMachineSnapshot;
  }

  get meta(): ScreenMeta {
    const metas = Object.values(this.snap.getMeta()) as ScreenMeta[];
    return metas[metas.length - 1] ?? {};
  }

  /** The first screen, once a first state that loads something (main, the fee flow) has settled. */
  async opened(): Promise<string> {
    await waitFor(this.actor, (s: AnyMachineSnapshot) => !s.hasTag('busy') || s.status !== 'active');
    return this.screen();
  }

  async send(value: string): Promise<string> {
    const before = this.snap;
    this.actor.send({ type: 'INPUT', value });
    const after = await waitFor(
      this.actor,
      (s: AnyMachineSnapshot) => !s.hasTag('busy') || s.status !== 'active',
    );
    this.refused = after === before;
    return this.screen();
  }

  /** A few hops at once; the last screen. */
  async sendAllFor(inputs: string[]): Promise<string> {
    let last = '';
    for (const input of inputs) last = await this.send(input);
    return last;
  }

  /** The text on the phone: a CON screen (its list numbered) or the END text. */
  screen(): string {
    const tr = t(this.lang, 'ussd');
    const ctx = this.snap.context as Record<string, unknown>;
    if (this.snap.status === 'done') {
      return `END ${foldToGsm7(tr(this.meta.end ?? 'common.goodbye', { minutes: 15, ...ctx }))}`;
    }
    return `CON ${foldToGsm7(screenText(tr, this.meta, ctx, { minutes: 15 }))}`;
  }

  /** The line the engine shows above the screen after a refused input. */
  invalidLine(): string {
    return t(this.lang, 'ussd')(this.meta.invalid ?? 'common.invalid');
  }
}

describe('fcfa', () => {
  it('writes thousands with a plain space', () => {
    expect([0, 200, 5000, 21000, 1234567].map(fcfa)).toEqual(['0', '200', '5 000', '21 000', '1 234 567']);
  });
});

describe('3. Rejoindre une tontine', () => {
  it('lists the tontines with their stake range, checks the stake, shows the fee, submits', async () => {
    const s = fakes();
    const m = new Menu('tontineJoin', s);
    expect(m.screen()).toBe('CON Rejoindre une tontine de votre SFD\n1. Voir les tontines ouvertes');
    expect(s.listTontines).not.toHaveBeenCalled();
    expect(await m.send('1')).toBe(
      'CON Choisissez une tontine (mise par jour):\n1. Tontine Marche (200-5 000 FCFA)\n2. Tontine Port (1 000-20 000 FCFA)',
    );
    expect(s.listTontines).toHaveBeenCalledWith({ userId: 7 });

    await m.send('3');
    expect(m.refused).toBe(true);
    expect(await m.send('1')).toBe('CON Tontine Marche\nMise par jour, de 200 a 5 000 FCFA:');

    await m.send('beaucoup');
    expect(m.refused).toBe(true);
    expect(m.invalidLine()).toBe('Montant invalide: entrez un nombre en FCFA.');
    expect(await m.send('150')).toBe('CON Mise entre 200 et 5 000 FCFA.\nEntrez votre mise par jour:');
    expect(await m.send('5001')).toBe('CON Mise entre 200 et 5 000 FCFA.\nEntrez votre mise par jour:');
    expect(m.refused).toBe(false); // the bounds are said again, on the same screen
    expect(await m.send('1500')).toBe(
      "CON Tontine Marche\nMise: 1 500 FCFA par jour\nFrais d'adhesion: 1 000 FCFA, a payer apres accord de l'agent\n1. Confirmer",
    );
    await m.send('2');
    expect(m.refused).toBe(true);
    expect(s.submitAdhesion).not.toHaveBeenCalled();
    expect(await m.send('1')).toBe('END Demande envoyee. Un agent vous contactera.');
    expect(s.submitAdhesion).toHaveBeenCalledWith({ userId: 7, tontineId: 11, stake: 1500 });
  });

  it('takes the bounds of the tontine chosen, both included', async () => {
    const m = new Menu('tontineJoin', fakes());
    await m.send('1');
    await m.send('2');
    expect(await m.send('999')).toMatch(/^CON Mise entre 1 000 et 20 000 FCFA\./);
    expect(await m.send('20000')).toMatch(
      /^CON Tontine Port\nMise: 20 000 FCFA par jour\nFrais d'adhesion: 0 FCFA/,
    );
    const low = new Menu('tontineJoin', fakes());
    await low.sendAllFor(['1', '1']);
    expect(await low.send('200')).toMatch(/^CON Tontine Marche\nMise: 200 FCFA/);
  });

  it.each([
    ['already', 'END Vous etes deja membre de cette tontine ou une demande est en cours.'],
    ['closed', "END Cette tontine n'accepte plus d'adhesions. Choisissez-en une autre."],
  ])('says so when the service answers %s', async (outcome, end) => {
    const m = new Menu('tontineJoin', fakes({ submitAdhesion: async () => outcome }));
    await m.sendAllFor(['1', '1', '500']);
    expect(await m.send('1')).toBe(end);
  });

  it('ends politely with no open tontine, or a service down', async () => {
    const none = new Menu('tontineJoin', fakes({ listTontines: async () => [] }));
    expect(await none.send('1')).toBe('END Aucune tontine ouverte dans votre SFD pour le moment.');
    const down = new Menu('tontineJoin', fakes({ listTontines: () => Promise.reject(new Error('db')) }));
    expect(await down.send('1')).toBe('END Une erreur est survenue. Reessayez plus tard.');
    const failing = new Menu('tontineJoin', fakes({ submitAdhesion: () => Promise.reject(new Error('db')) }));
    await failing.sendAllFor(['1', '1', '500']);
    expect(await failing.send('1')).toBe('END Une erreur est survenue. Reessayez plus tard.');
  });

  it('speaks English', async () => {
    const m = new Menu('tontineJoin', fakes(), 'en');
    await m.sendAllFor(['1', '1']);
    expect(await m.send('100')).toBe('CON Stake between 200 and 5 000 FCFA.\nEnter your stake per day:');
    await m.send('300');
    expect(await m.send('1')).toBe('END Request sent. An agent will contact you.');
  });
});

describe('1. Cotiser', () => {
  it('one tontine: days, summary with the commission, PIN last, payment started', async () => {
    const s = fakes();
    const m = new Menu('tontineContribute', s);
    expect(m.screen()).toBe('CON Cotiser\nNombre de jours a payer (1 a 31):');
    for (const bad of ['0', '32', '100', 'trois', '-1', '']) {
      await m.send(bad);
      expect({ bad, refused: m.refused }).toEqual({ bad, refused: true });
    }
    expect(m.invalidLine()).toBe('Nombre de jours invalide: 1 a 31.');
    expect(s.listParticipations).not.toHaveBeenCalled();
    // One participation: no choice to make.
    expect(await m.send('3')).toBe(
      'CON Tontine Marche: 3 case(s) de 500 FCFA\nMontant: 1 500 FCFA\nDont commission (case 1 du carnet): 500 FCFA\nApres: Carnet 1: 3/31\n1. Confirmer',
    );
    expect(s.quoteContribution).toHaveBeenCalledWith({ userId: 7, participantId: 21, days: 3 });
    expect(await m.send('1')).toBe('CON Entrez votre PIN pour payer:');
    expect(m.meta.secret).toBe(true);
    expect(await m.send('12')).toBe('CON Entrez votre PIN pour payer:');
    expect(m.refused).toBe(true);
    expect(await m.send('1111')).toBe('CON PIN incorrect. Entrez votre PIN:');
    expect(m.meta.secret).toBe(true);
    expect(s.startContribution).not.toHaveBeenCalled();
    expect(await m.send(PIN)).toBe(
      'END Confirmez le paiement sur votre telephone. Vous recevrez un SMS de recu.',
    );
    expect(s.verifyPin).toHaveBeenLastCalledWith({ userId: 7, pin: PIN });
    expect(s.startContribution).toHaveBeenCalledWith({ userId: 7, participantId: 21, days: 3 });
    // The PIN never rests in the context (it is persisted between hops).
    expect(JSON.stringify(m.snap.context)).not.toContain(PIN);
  });

  it('several tontines: the list, then the chosen one; no commission line inside a cycle', async () => {
    const s = fakes({
      listParticipations: async () => [P_MARCHE, P_PORT],
      quoteContribution: async () => ({ amount: 46500, commission: 0, cycle: 2, boxesPaid: 31 }),
    });
    const m = new Menu('tontineContribute', s);
    expect(await m.send('31')).toBe(
      'CON Cotiser pour quelle tontine ?\n1. Tontine Marche (500 FCFA)\n2. Tontine Port (1 500 FCFA)',
    );
    await m.send('3');
    expect(m.refused).toBe(true);
    expect(await m.send('2')).toBe(
      'CON Tontine Port: 31 case(s) de 1 500 FCFA\nMontant: 46 500 FCFA\nApres: Carnet 2: 31/31\n1. Confirmer',
    );
    expect(s.quoteContribution).toHaveBeenCalledWith({ userId: 7, participantId: 22, days: 31 });
    await m.sendAllFor(['1', PIN]);
    expect(s.startContribution).toHaveBeenCalledWith({ userId: 7, participantId: 22, days: 31 });
  });

  it('no tontine, a locked PIN, a payment that cannot start', async () => {
    const none = new Menu('tontineContribute', fakes({ listParticipations: async () => [] }));
    expect(await none.send('1')).toBe(
      "END Vous n'avez pas de tontine. Choisissez 3 au menu pour en rejoindre une.",
    );
    const locked = new Menu('tontineContribute', fakes({ verifyPin: async () => 'locked' }));
    await locked.sendAllFor(['2', '1']);
    expect(await locked.send(PIN)).toMatch(
      /^END PIN bloque apres trop d'erreurs\. Reessayez dans 15 minutes/,
    );
    const down = new Menu(
      'tontineContribute',
      fakes({ startContribution: () => Promise.reject(new Error('502')) }),
    );
    await down.sendAllFor(['2', '1']);
    expect(await down.send(PIN)).toBe('END Une erreur est survenue. Reessayez plus tard.');
    const noQuote = new Menu(
      'tontineContribute',
      fakes({ quoteContribution: () => Promise.reject(new Error('409')) }),
    );
    expect(await noQuote.send('2')).toBe('END Une erreur est survenue. Reessayez plus tard.');
  });
});

describe('2. Mes soldes', () => {
  it('PIN first, then one line per tontine', async () => {
    const s = fakes();
    const m = new Menu('tontineBalances', s);
    expect(m.screen()).toBe('CON Mes soldes\nEntrez votre PIN:');
    expect(m.meta.secret).toBe(true);
    expect(await m.send('0000')).toBe('CON PIN incorrect. Entrez votre PIN:');
    expect(s.loadBalances).not.toHaveBeenCalled();
    expect(await m.send(PIN)).toBe(
      'CON Mes soldes\n1. Tontine Marche: 21 000 FCFA, Carnet 2: 13/31\n2. Tontine Port: 0 FCFA, Carnet 1: 0/31',
    );
    expect(s.loadBalances).toHaveBeenCalledWith({ userId: 7, lang: 'fr' });
    expect(JSON.stringify(m.snap.context)).not.toContain(PIN);
  });

  it('no tontine, a locked PIN, in English', async () => {
    const none = new Menu('tontineBalances', fakes({ loadBalances: async () => [] }), 'en');
    expect(await none.send(PIN)).toBe('END You have no tontine. Choose 3 on the menu to join one.');
    expect(none.snap.context).toMatchObject({ lang: 'en' });
    const locked = new Menu('tontineBalances', fakes({ verifyPin: async () => 'locked' }));
    expect(await locked.send(PIN)).toMatch(/^END PIN bloque/);
  });
});

describe('2. Mes soldes → a tontine', () => {
  const DETAIL =
    'CON Tontine Marche\nSolde: 21 000 FCFA\nCarnet 2: 13/31\nDisponible au retrait: 16 000 FCFA\n1. Retirer\n2. Contester un recu';
  const AMOUNT = 'CON Retirer\nMontant en FCFA, de 400 a 16 000:';

  it('shows the balance, the carnet and what is available; the amount within the range; PIN last', async () => {
    const s = fakes();
    const m = new Menu('tontineBalances', s);
    await m.send(PIN);
    expect(await m.send('3')).toMatch(/^CON Mes soldes\n/);
    expect(m.refused).toBe(true);
    expect(await m.send('1')).toBe(DETAIL);
    expect(await m.send('1')).toBe(AMOUNT);
    expect(await m.send('mille')).toBe(AMOUNT);
    expect(m.refused).toBe(true);
    expect(m.invalidLine()).toBe('Montant invalide: entrez un nombre entier de FCFA.');
    expect(await m.send('12.5')).toBe(AMOUNT);
    expect(m.refused).toBe(true);
    expect(await m.send('399')).toBe('CON Le retrait minimum est de 400 FCFA.\nMontant a retirer:');
    expect(await m.send('16001')).toBe('CON Vous pouvez retirer au plus 16 000 FCFA.\nMontant a retirer:');
    expect(await m.send('16000')).toBe(
      'CON Retrait de 16 000 FCFA\nTontine: Tontine Marche\nUn agent validera la demande.\n1. Confirmer',
    );
    expect(await m.send('1')).toBe('CON Entrez votre PIN pour demander le retrait:');
    expect(m.meta.secret).toBe(true);
    expect(await m.send('0000')).toBe('CON PIN incorrect. Entrez votre PIN:');
    expect(m.meta.secret).toBe(true);
    expect(s.requestWithdrawal).not.toHaveBeenCalled();
    expect(await m.send(PIN)).toBe(
      'END Demande de retrait de 16 000 FCFA envoyee; un agent va la valider. Vous recevrez un SMS.',
    );
    expect(s.verifyPin).toHaveBeenLastCalledWith({ userId: 7, pin: PIN });
    expect(s.requestWithdrawal).toHaveBeenCalledWith({ userId: 7, participantId: 21, amount: 16000 });
    expect(JSON.stringify(m.snap.context)).not.toContain(PIN);
  });

  it('ends clearly when the service refuses the amount, or nothing may be withdrawn', async () => {
    const refused = new Menu('tontineBalances', fakes({ requestWithdrawal: async () => 'insufficient' }));
    expect(await refused.sendAllFor([PIN, '1', '1', '500', '1', PIN])).toBe(
      'END Solde disponible insuffisant pour ce retrait: une autre demande est peut-etre en cours. Consultez Mes soldes.',
    );
    const low = new Menu('tontineBalances', fakes({ requestWithdrawal: async () => 'below_min' }));
    expect(await low.sendAllFor([PIN, '1', '1', '500', '1', PIN])).toMatch(
      /^END Montant inferieur au retrait minimum/,
    );
    const down = new Menu(
      'tontineBalances',
      fakes({ requestWithdrawal: () => Promise.reject(new Error('db')) }),
    );
    expect(await down.sendAllFor([PIN, '1', '1', '500', '1', PIN])).toBe(
      'END Une erreur est survenue. Reessayez plus tard.',
    );
    const s = fakes();
    const empty = new Menu('tontineBalances', s);
    expect(await empty.sendAllFor([PIN, '2'])).toMatch(
      /^CON Tontine Port\n.*\nDisponible au retrait: 0 FCFA\n/s,
    );
    expect(await empty.send('1')).toBe(
      'END Retrait impossible: le minimum est de 400 FCFA et vous avez 0 FCFA disponibles.',
    );
    expect(s.requestWithdrawal).not.toHaveBeenCalled();
  });

  it('2 leads to the dispute flow', async () => {
    const m = new Menu('tontineBalances', fakes());
    await m.sendAllFor([PIN, '1', '2']);
    expect(m.snap.status).toBe('done');
    expect(m.meta.goto).toBe('tontineDispute');
  });

  it('speaks English', async () => {
    const m = new Menu('tontineBalances', fakes(), 'en');
    expect(await m.sendAllFor([PIN, '1'])).toBe(
      'CON Tontine Marche\nBalance: 21 000 FCFA\nCard 2: 13/31\nAvailable to withdraw: 16 000 FCFA\n1. Withdraw\n2. Dispute a receipt',
    );
    expect(await m.sendAllFor(['1', '20000'])).toBe(
      'CON You may withdraw at most 16 000 FCFA.\nAmount to withdraw:',
    );
  });
});

describe('the main menu', () => {
  const MENU =
    'CON TontiFlex\n1. Cotiser\n2. Mes soldes\n3. Rejoindre une tontine\n4. Epargne\n5. Prets\n6. Mon compte\n7. Aide';

  it('offers "8. Payer frais d\'adhesion" first while a fee awaits, the other numbers unchanged', async () => {
    const s = fakes({ feeDue: async () => true });
    const m = new Menu('main', s);
    expect(await m.opened()).toBe(
      "CON TontiFlex\n8. Payer frais d'adhesion\n1. Cotiser\n2. Mes soldes\n3. Rejoindre une tontine\n4. Epargne\n5. Prets\n6. Mon compte\n7. Aide",
    );
    expect(s.feeDue).toHaveBeenCalledWith({ userId: 7 });
    await m.send('8');
    expect(m.meta.goto).toBe('tontineFee');
    const six = new Menu('main', fakes({ feeDue: async () => true }));
    await six.opened();
    await six.send('6');
    expect(six.meta.goto).toBe('account');
  });

  it('shows the usual menu without a fee, or when the check fails; 8 is then refused', async () => {
    const m = new Menu('main', fakes());
    expect(await m.opened()).toBe(MENU);
    expect(await m.send('8')).toBe(MENU);
    expect(m.refused).toBe(true);
    const down = new Menu('main', fakes({ feeDue: () => Promise.reject(new Error('db')) }));
    expect(await down.opened()).toBe(MENU);
  });
});

describe("8. Payer frais d'adhesion", () => {
  it('one fee: the tontine and the amount, PIN last, payment started', async () => {
    const s = fakes();
    const m = new Menu('tontineFee', s);
    expect(await m.opened()).toBe(
      "CON Frais d'adhesion\nTontine: Tontine Marche\nMontant: 1 000 FCFA\n1. Payer",
    );
    expect(await m.send('1')).toBe('CON Entrez votre PIN pour payer:');
    expect(m.meta.secret).toBe(true);
    expect(await m.send('0000')).toBe('CON PIN incorrect. Entrez votre PIN:');
    expect(s.startFeePayment).not.toHaveBeenCalled();
    expect(await m.send(PIN)).toBe(
      'END Confirmez le paiement sur votre telephone. Un SMS vous dira quand vous serez membre.',
    );
    expect(s.startFeePayment).toHaveBeenCalledWith({ userId: 7, adhesionId: 31 });
  });

  it('several fees: the list first; a free tontine joined, a payment pending, none, in English', async () => {
    const s = fakes({ listFeesDue: async () => [F_MARCHE, F_PORT], startFeePayment: async () => 'pending' });
    const m = new Menu('tontineFee', s);
    expect(await m.opened()).toBe(
      "CON Payer les frais d'adhesion de quelle tontine ?\n1. Tontine Marche (1 000 FCFA)\n2. Tontine Port (2 500 FCFA)",
    );
    expect(await m.send('2')).toMatch(/^CON Frais d'adhesion\nTontine: Tontine Port\nMontant: 2 500 FCFA\n/);
    expect(await m.sendAllFor(['1', PIN])).toMatch(/^END Un paiement des frais est deja en cours/);
    expect(s.startFeePayment).toHaveBeenCalledWith({ userId: 7, adhesionId: 32 });
    const free = new Menu('tontineFee', fakes({ startFeePayment: async () => 'joined' }));
    await free.opened();
    expect(await free.sendAllFor(['1', PIN])).toMatch(/^END Cette tontine n'a pas de frais d'adhesion/);
    const none = new Menu('tontineFee', fakes({ listFeesDue: async () => [] }), 'en');
    expect(await none.opened()).toBe('END No joining fee to pay.');
  });
});
