import { createActor, fromPromise, waitFor, type AnyActorRef, type AnyMachineSnapshot } from 'xstate';
import type {
  BalanceLine,
  MiniStatementPage,
  SavingsFigures,
  SavingsMenuServices,
  SavingsSummary,
  ScreenMeta,
} from '../../../menus';
import { savingsMenu } from '../../../menus/savings';
import { tontineBalancesMenu } from '../../../menus/tontine-balances';
import { t } from '../../../src/infra/i18n';
import { foldToGsm7 } from '../../../src/shared/gsm7';
import { screenText } from '../../../src/ussd/render';

/**
 * "4. Epargne" and the savings line of "2. Mes soldes" on real actors with fake services: every screen
 * as the engine renders it (without the footer), what is refused, what each service is called with.
 */
const PIN = '4827';
const NUMBER = 'CSC-0000012-3';
const summary = (status: SavingsSummary['status'], over: Partial<SavingsSummary> = {}): SavingsSummary => ({
  status,
  accountNumber: status === 'none' ? '' : NUMBER,
  fee: 1500,
  reason: null,
  ...over,
});
const FIGURES: SavingsFigures = { accountNumber: NUMBER, balance: 12_500, held: 0, available: 12_000 };
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

type Services = SavingsMenuServices & {
  verifyPin: (req: { userId: number; pin: string }) => Promise<string>;
  loadBalances: () => Promise<BalanceLine[]>;
  requestWithdrawal: () => Promise<string>;
};
type Fakes = { [K in keyof Services]: jest.Mock };

function fakes(over: Partial<Record<keyof Services, (input: never) => Promise<unknown>>> = {}): Fakes {
  const base: Record<keyof Services, (input: never) => Promise<unknown>> = {
    verifyPin: async ({ pin }: { pin: string }) => (pin === PIN ? 'ok' : pin === '0000' ? 'locked' : 'wrong'),
    loadSavings: async () => summary('actif'),
    requestSavingsOpening: async () => 'sent',
    startSavingsFee: async () => 'started',
    loadSavingsFigures: async () => FIGURES,
    startSavingsDeposit: async () => 'started',
    requestSavingsWithdrawal: async () => 'sent',
    savingsMiniStatement: async ({ page }: { page: number }): Promise<MiniStatementPage> => ({
      page,
      pages: 2,
      lines:
        page === 1
          ? [{ label: '03/12 +5 000 Depot mobile money' }, { label: '02/12 -1 000 Retrait' }]
          : [{ label: '01/12 +8 500 Depot en especes' }],
    }),
    loadSavingsLine: async () => `Epargne ${NUMBER}: 12 500 FCFA`,
    loadBalances: async () => [B_MARCHE],
    requestWithdrawal: async () => 'sent',
    ...over,
  };
  return Object.fromEntries(Object.entries(base).map(([k, fn]) => [k, jest.fn(fn)])) as unknown as Fakes;
}

const MACHINES = { savings: savingsMenu, tontineBalances: tontineBalancesMenu };

class Menu {
  private readonly actor: AnyActorRef;
  refused = false;

  constructor(flow: keyof typeof MACHINES, services: Fakes, lang: 'fr' | 'en' = 'fr') {
    const actors = Object.fromEntries(
      Object.entries(services).map(([name, fn]) => [
        name,
        fromPromise(({ input }: { input: unknown }) => (fn as (i: unknown) => Promise<unknown>)(input)),
      ]),
    );
    const machine = MACHINES[flow]().provide({ actors } as never);
    this.actor = createActor(machine, { input: { phone: '+2290197000001', lang, userId: 7 } }).start();
    this.lang = lang;
  }

  private readonly lang: 'fr' | 'en';

  get snap(): AnyMachineSnapshot {
    return this.actor.getSnapshot() as AnyMachineSnapshot;
  }

  get meta(): ScreenMeta {
    const metas = Object.values(this.snap.getMeta()) as ScreenMeta[];
    return metas[metas.length - 1] ?? {};
  }

  async opened(): Promise<string> {
    await waitFor(this.actor, (s: AnyMachineSnapshot) => !s.hasTag('busy') || s.status !== 'active');
    return this.screen();
  }

  async send(...values: string[]): Promise<string> {
    for (const value of values) {
      const before = this.snap;
      this.actor.send({ type: 'INPUT', value });
      const after = await waitFor(
        this.actor,
        (s: AnyMachineSnapshot) => !s.hasTag('busy') || s.status !== 'active',
      );
      this.refused = after === before;
    }
    return this.screen();
  }

  screen(): string {
    const tr = t(this.lang, 'ussd');
    const ctx = this.snap.context as Record<string, unknown>;
    if (this.snap.status === 'done') {
      return `END ${foldToGsm7(tr(this.meta.end ?? 'common.goodbye', { minutes: 15, ...ctx }))}`;
    }
    return `CON ${foldToGsm7(screenText(tr, this.meta, ctx, { minutes: 15 }))}`;
  }

  invalidLine(): string {
    return t(this.lang, 'ussd')(this.meta.invalid ?? 'common.invalid');
  }
}

describe('4. Epargne without an account', () => {
  it('offers to open one: the fee, the documents to bring, then the request', async () => {
    const s = fakes({ loadSavings: async () => summary('none') });
    const m = new Menu('savings', s);
    expect(await m.opened()).toBe("CON Epargne\nVous n'avez pas de compte epargne.\n1. Ouvrir un compte");
    expect(s.loadSavings).toHaveBeenCalledWith({ userId: 7 });
    expect(await m.send('1')).toBe(
      "CON Ouvrir un compte epargne\nFrais d'ouverture: 1 500 FCFA, a payer apres validation.\nApportez votre piece d'identite et une photo a l'agence.\n1. Confirmer",
    );
    await m.send('2');
    expect(m.refused).toBe(true);
    expect(s.requestSavingsOpening).not.toHaveBeenCalled();
    expect(await m.send('1')).toBe(
      "END Demande envoyee. Apportez votre piece d'identite et une photo a l'agence: un agent ouvrira votre compte. Vous recevrez un SMS.",
    );
    expect(s.requestSavingsOpening).toHaveBeenCalledWith({ userId: 7 });
  });

  it('says a request made meanwhile is in progress', async () => {
    const m = new Menu(
      'savings',
      fakes({ loadSavings: async () => summary('none'), requestSavingsOpening: async () => 'already' }),
    );
    await m.opened();
    expect(await m.send('1', '1')).toMatch(
      /^END Demande de compte epargne en cours: en attente des documents/,
    );
  });

  it('gives a rejected request its reason, and a new request', async () => {
    const s = fakes({ loadSavings: async () => summary('rejete', { reason: 'Photo illisible' }) });
    const m = new Menu('savings', s);
    expect(await m.opened()).toBe(
      'CON Votre demande de compte epargne a ete rejetee: Photo illisible\n1. Nouvelle demande',
    );
    expect(await m.send('1')).toMatch(/^CON Ouvrir un compte epargne\n/);
    await m.send('1');
    expect(s.requestSavingsOpening).toHaveBeenCalledTimes(1);
  });

  it('tells a request in progress, an opening under way, a suspended account', async () => {
    const end = async (status: SavingsSummary['status']) =>
      new Menu('savings', fakes({ loadSavings: async () => summary(status) })).opened();
    expect(await end('en_cours_creation')).toBe(
      "END Demande de compte epargne en cours: en attente des documents et de la validation de l'agent. Apportez votre piece d'identite et une photo a l'agence.",
    );
    expect(await end('paiement_effectue')).toBe(
      `END Frais d'ouverture payes: votre compte epargne ${NUMBER} est en cours d'ouverture. Vous recevrez un SMS.`,
    );
    expect(await end('suspendu')).toBe(
      `END Votre compte epargne ${NUMBER} est suspendu. Contactez votre agence.`,
    );
  });

  it('ends politely when the account cannot be read', async () => {
    const m = new Menu('savings', fakes({ loadSavings: () => Promise.reject(new Error('down')) }));
    expect(await m.opened()).toBe('END Une erreur est survenue. Reessayez plus tard.');
  });
});

describe('4. Epargne, the opening fee', () => {
  it('shows the fee, asks the PIN last, pushes the payment', async () => {
    const s = fakes({ loadSavings: async () => summary('validee_agent') });
    const m = new Menu('savings', s);
    expect(await m.opened()).toBe(
      "CON Compte epargne valide par l'agent.\nFrais d'ouverture: 1 500 FCFA\n1. Payer les frais",
    );
    expect(await m.send('1')).toBe('CON Entrez votre PIN:');
    expect(m.meta.secret).toBe(true);
    expect(await m.send('1111')).toBe('CON PIN incorrect. Entrez votre PIN:');
    expect(s.startSavingsFee).not.toHaveBeenCalled();
    expect(await m.send(PIN)).toBe(
      'END Confirmez le paiement de 1 500 FCFA sur votre telephone. Un SMS vous dira quand votre compte sera ouvert.',
    );
    expect(s.startSavingsFee).toHaveBeenCalledWith({ userId: 7 });
  });

  it('says a payment is already pending, and a locked PIN', async () => {
    const pending = new Menu(
      'savings',
      fakes({ loadSavings: async () => summary('validee_agent'), startSavingsFee: async () => 'pending' }),
    );
    await pending.opened();
    expect(await pending.send('1', PIN)).toBe(
      'END Un paiement est deja en cours: confirmez-le sur votre telephone, puis attendez le SMS.',
    );
    const locked = new Menu('savings', fakes({ loadSavings: async () => summary('validee_agent') }));
    await locked.opened();
    expect(await locked.send('1', '0000')).toMatch(/^END PIN bloque/);
  });
});

describe('4. Epargne, an active account', () => {
  const active = (over: Parameters<typeof fakes>[0] = {}) => {
    const s = fakes(over);
    return { s, m: new Menu('savings', s) };
  };

  it('shows the menu under the account number', async () => {
    const { m } = active();
    expect(await m.opened()).toBe(`CON Epargne ${NUMBER}\n1. Deposer\n2. Retirer\n3. Solde\n4. Mini releve`);
    expect(await new Menu('savings', fakes(), 'en').opened()).toBe(
      `CON Savings ${NUMBER}\n1. Deposit\n2. Withdraw\n3. Balance\n4. Mini statement`,
    );
  });

  it('Deposer: at least 100, the confirmation, the PIN last, the payment pushed', async () => {
    const { s, m } = active();
    await m.opened();
    expect(await m.send('1')).toBe('CON Deposer par mobile money\nMontant en FCFA (minimum 100):');
    await m.send('cent');
    expect(m.refused).toBe(true);
    expect(m.invalidLine()).toBe('Montant invalide: entrez un nombre entier de FCFA.');
    expect(await m.send('99')).toBe('CON Le depot minimum est de 100 FCFA.\nMontant a deposer:');
    expect(await m.send('2500')).toBe(
      `CON Depot de 2 500 FCFA\nCompte: ${NUMBER}\nPaiement par mobile money.\n1. Confirmer`,
    );
    expect(await m.send('1')).toBe('CON Entrez votre PIN:');
    expect(s.startSavingsDeposit).not.toHaveBeenCalled();
    expect(await m.send(PIN)).toBe(
      'END Confirmez le paiement de 2 500 FCFA sur votre telephone. Vous recevrez un SMS une fois le depot credite.',
    );
    expect(s.startSavingsDeposit).toHaveBeenCalledWith({ userId: 7, amount: 2500 });
    expect(s.verifyPin).toHaveBeenCalledWith({ userId: 7, pin: PIN });
  });

  it('Retirer: at least 500, at most what is available (not shown), the PIN last, the request', async () => {
    const { s, m } = active();
    await m.opened();
    expect(await m.send('2')).toBe('CON Retirer\nMontant en FCFA (minimum 500):');
    expect(s.loadSavingsFigures).toHaveBeenCalledWith({ userId: 7 });
    expect(await m.send('499')).toBe('CON Le retrait minimum est de 500 FCFA.\nMontant a retirer:');
    expect(await m.send('12001')).toBe(
      'CON Montant superieur a votre solde disponible (voir 3. Solde).\nMontant a retirer:',
    );
    expect(m.screen()).not.toContain('12 000');
    expect(await m.send('12000')).toBe(
      `CON Retrait de 12 000 FCFA\nCompte: ${NUMBER}\nUn agent validera la demande.\n1. Confirmer`,
    );
    expect(await m.send('1', '9999')).toBe('CON PIN incorrect. Entrez votre PIN:');
    expect(s.requestSavingsWithdrawal).not.toHaveBeenCalled();
    expect(await m.send(PIN)).toBe(
      'END Demande de retrait de 12 000 FCFA envoyee; un agent va la valider. Vous recevrez un SMS.',
    );
    expect(s.requestSavingsWithdrawal).toHaveBeenCalledWith({ userId: 7, amount: 12_000 });
  });

  it('Retirer: ends at once below the smallest withdrawal; says when the balance moved meanwhile', async () => {
    const poor = active({ loadSavingsFigures: async () => ({ ...FIGURES, available: 499 }) });
    await poor.m.opened();
    expect(await poor.m.send('2')).toBe(
      'END Retrait impossible: votre solde disponible est inferieur au retrait minimum de 500 FCFA.',
    );
    const raced = active({ requestSavingsWithdrawal: async () => 'insufficient' });
    await raced.m.opened();
    expect(await raced.m.send('2', '1000', '1', PIN)).toMatch(/^END Solde disponible insuffisant/);
  });

  it('Solde: after the PIN, the balance, what is held and what is available', async () => {
    const { s, m } = active();
    await m.opened();
    expect(await m.send('3')).toBe('CON Entrez votre PIN:');
    expect(s.loadSavingsFigures).not.toHaveBeenCalled();
    expect(await m.send(PIN)).toBe(`CON Compte ${NUMBER}\nSolde: 12 500 FCFA\nDisponible: 12 000 FCFA`);
    const held = active({ loadSavingsFigures: async () => ({ ...FIGURES, held: 2000, available: 10_000 }) });
    await held.m.opened();
    expect(await held.m.send('3', PIN)).toBe(
      `CON Compte ${NUMBER}\nSolde: 12 500 FCFA\nBloque (garantie): 2 000 FCFA\nDisponible: 10 000 FCFA`,
    );
  });

  it('Mini releve: after the PIN, the last movements, 9 for older ones', async () => {
    const { s, m } = active();
    await m.opened();
    expect(await m.send('4', PIN)).toBe(
      `CON Mini releve ${NUMBER} (1/2), 9: plus anciens\n1. 03/12 +5 000 Depot mobile money\n2. 02/12 -1 000 Retrait`,
    );
    expect(s.savingsMiniStatement).toHaveBeenCalledWith({ userId: 7, lang: 'fr', page: 1 });
    expect(await m.send('9')).toBe(`CON Mini releve ${NUMBER} (2/2)\n1. 01/12 +8 500 Depot en especes`);
    expect(s.savingsMiniStatement).toHaveBeenLastCalledWith({ userId: 7, lang: 'fr', page: 2 });
    await m.send('9');
    expect(m.refused).toBe(true);
    const empty = active({ savingsMiniStatement: async () => ({ page: 1, pages: 1, lines: [] }) });
    await empty.m.opened();
    expect(await empty.m.send('4', PIN)).toBe(`CON Mini releve ${NUMBER}\nAucune operation.`);
  });
});

describe('2. Mes soldes with a savings account', () => {
  it('shows the savings line above the tontines, which stay selectable', async () => {
    const s = fakes();
    const m = new Menu('tontineBalances', s);
    expect(await m.send(PIN)).toBe(
      `CON Mes soldes\nEpargne ${NUMBER}: 12 500 FCFA\n1. Tontine Marche: 21 000 FCFA, Carnet 2: 13/31`,
    );
    expect(s.loadSavingsLine).toHaveBeenCalledWith({ userId: 7, lang: 'fr' });
    expect(await m.send('1')).toMatch(/^CON Tontine Marche\nSolde: 21 000 FCFA/);
  });

  it('shows the savings alone without a tontine', async () => {
    const m = new Menu('tontineBalances', fakes({ loadBalances: async () => [] }));
    expect(await m.send(PIN)).toBe(
      `END Mes soldes\nEpargne ${NUMBER}: 12 500 FCFA\nChoisissez 4 au menu pour votre epargne, 3 pour rejoindre une tontine.`,
    );
  });

  it('shows the tontines as before without savings, or when the savings line fails', async () => {
    for (const loadSavingsLine of [async () => null, () => Promise.reject(new Error('down'))]) {
      const m = new Menu('tontineBalances', fakes({ loadSavingsLine }));
      expect(await m.send(PIN)).toBe('CON Mes soldes\n1. Tontine Marche: 21 000 FCFA, Carnet 2: 13/31');
      const none = new Menu('tontineBalances', fakes({ loadSavingsLine, loadBalances: async () => [] }));
      expect(await none.send(PIN)).toBe(
        "END Vous n'avez pas de tontine. Choisissez 3 au menu pour en rejoindre une.",
      );
    }
  });
});
