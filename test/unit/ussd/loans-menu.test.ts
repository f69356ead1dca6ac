import { createActor, fromPromise, waitFor, type AnyActorRef, type AnyMachineSnapshot } from 'xstate';
import type {
  BalanceLine,
  LoanDueView,
  LoanRequestStatus,
  LoanRequestView,
  LoansMenuServices,
  LoansSummary,
  ScreenMeta,
} from '../../../menus';
import { loansMenu } from '../../../menus/loans';
import { tontineBalancesMenu } from '../../../menus/tontine-balances';
import { t } from '../../../src/infra/i18n';
import { foldToGsm7 } from '../../../src/shared/gsm7';
import { screenText } from '../../../src/ussd/render';

/**
 * "5. Prets" and the loan line of "2. Mes soldes" on real actors with fake services: every path, every
 * screen as the engine renders it (without the footer), what is refused, what each service is called
 * with (and what is never called before the PIN).
 */
const PIN = '4827';
const request = (status: LoanRequestStatus, over: Partial<LoanRequestView> = {}): LoanRequestView => ({
  status,
  ref: '31',
  amount: 100_000,
  months: 12,
  instalment: status === 'soumis' ? 0 : 8885,
  reason: status === 'rejete' ? 'Revenus insuffisants' : null,
  ...over,
});
const summary = (over: Partial<LoansSummary> = {}): LoansSummary => ({
  state: 'eligible',
  refusal: null,
  eligibleFrom: '',
  minAmount: 10_000,
  maxAmount: 500_000,
  request: null,
  ...over,
});
const repaying = (status: LoanRequestStatus = 'en_remboursement') =>
  summary({ state: 'repaying', maxAmount: 0, request: request(status) });
const DUE: LoanDueView = {
  months: 12,
  next: { n: 3, dueDate: '05/03/2027', total: 8885, penalty: 0 },
  overdue: 0,
  dueNow: 8885,
  payoff: 83_000,
};
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
const LOAN_LINE = 'Pret: reste 80 000 FCFA, proch. echeance 05/03';
const SAVINGS_LINE = 'Epargne CSC-0000012-3: 12 500 FCFA';

type Services = LoansMenuServices & {
  verifyPin: (req: { userId: number; pin: string }) => Promise<string>;
  loadBalances: () => Promise<BalanceLine[]>;
  loadSavingsLine: () => Promise<string | null>;
};
type Fakes = { [K in keyof Services]: jest.Mock };

function fakes(over: Partial<Record<keyof Services, (input: never) => Promise<unknown>>> = {}): Fakes {
  const base: Record<keyof Services, (input: never) => Promise<unknown>> = {
    verifyPin: async ({ pin }: { pin: string }) => (pin === PIN ? 'ok' : pin === '0000' ? 'locked' : 'wrong'),
    loadLoans: async () => summary(),
    quoteLoan: async () => 8885,
    submitLoanApplication: async () => ({ outcome: 'sent', ref: '31' }),
    loadLoanDue: async () => DUE,
    startLoanRepayment: async () => 'started',
    loadLoanLine: async () => LOAN_LINE,
    loadBalances: async () => [B_MARCHE],
    loadSavingsLine: async () => SAVINGS_LINE,
    ...over,
  };
  return Object.fromEntries(Object.entries(base).map(([k, fn]) => [k, jest.fn(fn)])) as unknown as Fakes;
}

const MACHINES = { loans: loansMenu, tontineBalances: tontineBalancesMenu };

class Menu {
  private readonly actor: AnyActorRef;
  refused = false;

  constructor(
    flow: keyof typeof MACHINES,
    services: Fakes,
    private readonly lang: 'fr' | 'en' = 'fr',
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

describe('5. Prets: eligibility first', () => {
  it('says why a client may not apply', async () => {
    const end = (over: Partial<LoansSummary>) =>
      new Menu('loans', fakes({ loadLoans: async () => summary({ state: 'refused', ...over }) })).opened();
    expect(await end({ refusal: 'no_savings_account' })).toBe(
      'END Pret impossible: il faut un compte epargne actif depuis au moins 90 jours. Choisissez 4 au menu pour ouvrir un compte epargne.',
    );
    expect(await end({ refusal: 'savings_too_recent', eligibleFrom: '02/03/2027' })).toBe(
      "END Pret impossible pour l'instant: votre compte epargne doit avoir au moins 90 jours. Vous pourrez demander un pret a partir du 02/03/2027.",
    );
    expect(await end({ refusal: 'savings_too_low' })).toBe(
      "END Pret impossible: votre epargne est trop faible. Un pret va de 10 000 FCFA a 5 fois votre solde d'epargne.",
    );
  });

  it('offers 1 alone to an eligible client who never applied, 1 and 2 after an earlier request', async () => {
    const s = fakes();
    expect(await new Menu('loans', s).opened()).toBe('CON Prets\n1. Demander un pret (max 500 000 FCFA)');
    expect(s.loadLoans).toHaveBeenCalledWith({ userId: 7 });
    const m = new Menu('loans', fakes({ loadLoans: async () => summary({ request: request('solde') }) }));
    expect(await m.opened()).toBe('CON Prets\n1. Demander un pret (max 500 000 FCFA)\n2. Ma demande');
    await m.send('3');
    expect(m.refused).toBe(true);
    expect(await m.send('2')).toBe('END Pret ref 31 de 100 000 FCFA entierement rembourse. Merci.');
  });

  it('says where an application in progress stands, in words, at each step', async () => {
    const end = (status: LoanRequestStatus) =>
      new Menu(
        'loans',
        fakes({ loadLoans: async () => summary({ state: 'pending', request: request(status) }) }),
      ).opened();
    expect(await end('soumis')).toBe(
      "END Demande de pret ref 31: 100 000 FCFA sur 12 mois. Recue, en attente d'examen par la SFD.",
    );
    expect(await end('en_cours_examen')).toBe(
      "END Demande de pret ref 31: 100 000 FCFA sur 12 mois. En cours d'examen par la SFD.",
    );
    expect(await end('transfere_admin')).toBe(
      'END Demande de pret ref 31: 100 000 FCFA sur 12 mois. Examinee, en attente de la decision de la SFD.',
    );
    expect(await end('accorde')).toBe(
      'END Pret accorde: 100 000 FCFA sur 12 mois, mensualite 8 885 FCFA. Decaissement en cours: vous recevrez un SMS.',
    );
  });

  it('ends politely when the situation cannot be read, or a request in progress is missing', async () => {
    const down = new Menu('loans', fakes({ loadLoans: () => Promise.reject(new Error('down')) }));
    expect(await down.opened()).toBe('END Une erreur est survenue. Reessayez plus tard.');
    const odd = new Menu('loans', fakes({ loadLoans: async () => summary({ state: 'pending' }) }));
    expect(await odd.opened()).toBe('END Une erreur est survenue. Reessayez plus tard.');
  });

  it('speaks English', async () => {
    const m = new Menu('loans', fakes({ loadLoans: async () => repaying() }), 'en');
    expect(await m.opened()).toBe('CON Loans\n2. My application\n3. Next instalment\n4. Repay');
  });
});

describe('5. Prets: 1. Demander un pret', () => {
  it('takes the amount, the months, the purpose; shows the estimate; asks the PIN last; submits', async () => {
    const s = fakes();
    const m = new Menu('loans', s);
    await m.opened();
    expect(await m.send('1')).toBe('CON Demander un pret\nMontant en FCFA, de 10 000 a 500 000:');
    for (const bad of ['9999', '500001', '1e5', '-5', '100 000', 'abc']) {
      await m.send(bad);
      expect([bad, m.refused]).toEqual([bad, true]);
    }
    expect(m.invalidLine()).toBe(
      'Montant invalide: un nombre entier de FCFA, entre le minimum et le maximum indiques.',
    );
    expect(await m.send('10000')).toBe('CON Duree du pret en mois (1 a 60):');
    for (const bad of ['0', '61', '1.5', '']) {
      await m.send(bad);
      expect([bad, m.refused]).toEqual([bad, true]);
    }
    expect(m.invalidLine()).toBe('Duree invalide: de 1 a 60 mois.');
    expect(await m.send('60')).toBe(
      'CON Objet du pret:\n1. Commerce\n2. Agriculture\n3. Education\n4. Sante\n5. Logement\n6. Autre',
    );
    await m.send('7');
    expect(m.refused).toBe(true);
    expect(await m.send('4')).toBe(
      'CON Pret de 10 000 FCFA sur 60 mois (Sante)\nMensualite estimee: 8 885 FCFA (taux indicatif, la SFD fixe le taux final)\n1. Confirmer',
    );
    expect(s.quoteLoan).toHaveBeenCalledWith({ amount: 10_000, months: 60 });
    expect(await m.send('1')).toBe('CON Entrez votre PIN:');
    expect(await m.send('1111')).toBe('CON PIN incorrect. Entrez votre PIN:');
    expect(s.submitLoanApplication).not.toHaveBeenCalled();
    expect(await m.send(PIN)).toBe(
      "END Demande envoyee, ref 31. La SFD va l'examiner et fixer le taux. Vous recevrez un SMS.",
    );
    expect(s.verifyPin).toHaveBeenLastCalledWith({ userId: 7, pin: PIN });
    expect(s.submitLoanApplication).toHaveBeenCalledTimes(1);
    expect(s.submitLoanApplication).toHaveBeenCalledWith({
      userId: 7,
      amount: 10_000,
      months: 60,
      purpose: 'sante',
    });
  });

  it.each([
    [1, 'commerce', 'Commerce'],
    [2, 'agriculture', 'Agriculture'],
    [3, 'education', 'Education'],
    [5, 'logement', 'Logement'],
    [6, 'autre', 'Autre'],
  ])('sends purpose %i as %s', async (choice, purpose, label) => {
    const s = fakes();
    const m = new Menu('loans', s);
    await m.opened();
    expect(await m.send('1', '500000', '1', String(choice))).toMatch(
      new RegExp(`^CON Pret de 500 000 FCFA sur 1 mois \\(${label}\\)\n`),
    );
    await m.send('1', PIN);
    expect(s.submitLoanApplication).toHaveBeenCalledWith({ userId: 7, amount: 500_000, months: 1, purpose });
  });

  it('says each refusal re-checked on submission; a locked PIN; a failed service', async () => {
    const endWith = async (
      over: Partial<Record<keyof Services, (input: never) => Promise<unknown>>>,
      pin = PIN,
    ) => {
      const m = new Menu('loans', fakes(over));
      await m.opened();
      return m.send('1', '20000', '12', '1', '1', pin);
    };
    expect(await endWith({ submitLoanApplication: async () => ({ outcome: 'amount_over_limit' }) })).toBe(
      "END Demande impossible: le montant depasse 5 fois votre solde d'epargne. Choisissez 5 au menu pour voir le maximum.",
    );
    expect(await endWith({ submitLoanApplication: async () => ({ outcome: 'loan_in_progress' }) })).toBe(
      'END Vous avez deja une demande ou un pret en cours. Choisissez 5 au menu pour voir ou il en est.',
    );
    expect(await endWith({ submitLoanApplication: async () => ({ outcome: 'not_eligible' }) })).toBe(
      "END Demande impossible: vous n'etes plus eligible a un pret. Choisissez 5 au menu pour savoir pourquoi.",
    );
    expect(await endWith({}, '0000')).toMatch(/^END PIN bloque apres trop d'erreurs/);
    expect(await endWith({ submitLoanApplication: () => Promise.reject(new Error('down')) })).toBe(
      'END Une erreur est survenue. Reessayez plus tard.',
    );
    expect(await endWith({ quoteLoan: () => Promise.reject(new Error('down')) })).toBe(
      'END Une erreur est survenue. Reessayez plus tard.',
    );
  });
});

describe('5. Prets: a loan being repaid', () => {
  it('offers 2, 3 and 4 but not 1; 2 says the loan in words', async () => {
    const m = new Menu('loans', fakes({ loadLoans: async () => repaying() }));
    expect(await m.opened()).toBe('CON Prets\n2. Ma demande\n3. Prochaine echeance\n4. Rembourser');
    await m.send('1');
    expect(m.refused).toBe(true);
    expect(await m.send('2')).toBe(
      'END Pret ref 31: 100 000 FCFA sur 12 mois, mensualite 8 885 FCFA. En cours de remboursement.',
    );
    const late = new Menu('loans', fakes({ loadLoans: async () => repaying('en_defaut') }));
    await late.opened();
    expect(await late.send('2')).toBe(
      'END Pret ref 31: 100 000 FCFA, en defaut de paiement. Remboursez au plus vite (5, puis 4. Rembourser) ou contactez votre agence.',
    );
  });

  it('3 shows the next instalment, what is late with its penalties, or nothing to pay', async () => {
    const next = async (due: LoanDueView) => {
      const s = fakes({ loadLoans: async () => repaying(), loadLoanDue: async () => due });
      const m = new Menu('loans', s);
      await m.opened();
      const screen = await m.send('3');
      expect(s.loadLoanDue).toHaveBeenCalledWith({ userId: 7 });
      return screen;
    };
    expect(await next(DUE)).toBe(
      'CON Prochaine echeance 3/12\nDate: 05/03/2027\nMontant: 8 885 FCFA\nPenalites: 0 FCFA',
    );
    expect(
      await next({
        ...DUE,
        next: { n: 2, dueDate: '05/02/2027', total: 9_185, penalty: 300 },
        overdue: 18_070,
        dueNow: 18_070,
      }),
    ).toBe(
      'CON En retard: 18 070 FCFA, penalites comprises\nEcheance 2/12 du 05/02/2027: 9 185 FCFA\nPenalites: 300 FCFA',
    );
    expect(await next({ ...DUE, next: null, dueNow: 0, payoff: 0 })).toBe('CON Aucune echeance a payer.');
  });

  it('4 pays what is due now: the PIN, then the push', async () => {
    const s = fakes({ loadLoans: async () => repaying() });
    const m = new Menu('loans', s);
    await m.opened();
    expect(await m.send('4')).toBe('CON Rembourser par mobile money\n1. Payer 8 885 FCFA\n2. Autre montant');
    expect(await m.send('1')).toBe('CON Entrez votre PIN:');
    expect(s.startLoanRepayment).not.toHaveBeenCalled();
    expect(await m.send(PIN)).toBe(
      'END Paiement demande: confirmez le paiement de 8 885 FCFA sur votre telephone. Vous recevrez un SMS.',
    );
    expect(s.startLoanRepayment).toHaveBeenCalledWith({ userId: 7, amount: 8885 });
  });

  it('4 takes another amount from 100 to the payoff, confirmed before the PIN', async () => {
    const s = fakes({ loadLoans: async () => repaying() });
    const m = new Menu('loans', s);
    await m.opened();
    await m.send('4');
    expect(await m.send('2')).toBe('CON Montant a rembourser en FCFA, de 100 a 83 000:');
    for (const bad of ['99', '83001', '0x10', '']) {
      await m.send(bad);
      expect([bad, m.refused]).toEqual([bad, true]);
    }
    expect(await m.send('83000')).toBe('CON Remboursement de 83 000 FCFA par mobile money\n1. Confirmer');
    expect(await m.send('1', PIN)).toMatch(/^END Paiement demande: confirmez le paiement de 83 000 FCFA/);
    expect(s.startLoanRepayment).toHaveBeenCalledWith({ userId: 7, amount: 83_000 });
  });

  it('4 with nothing due now goes to the amount; with less than 100 left, that is the minimum', async () => {
    const s = fakes({
      loadLoans: async () => repaying(),
      loadLoanDue: async () => ({ ...DUE, next: null, overdue: 0, dueNow: 0, payoff: 60 }),
    });
    const m = new Menu('loans', s);
    await m.opened();
    expect(await m.send('4')).toBe('CON Montant a rembourser en FCFA, de 60 a 60:');
    await m.send('59');
    expect(m.refused).toBe(true);
    expect(await m.send('60')).toBe('CON Remboursement de 60 FCFA par mobile money\n1. Confirmer');
  });

  it('4 says a payment pending, nothing left to repay, more than is left now', async () => {
    const pay = async (over: Partial<Record<keyof Services, (input: never) => Promise<unknown>>>) => {
      const m = new Menu('loans', fakes({ loadLoans: async () => repaying(), ...over }));
      await m.opened();
      const first = await m.send('4');
      return first.startsWith('END') ? first : m.send('1', PIN);
    };
    expect(await pay({ startLoanRepayment: async () => 'pending' })).toBe(
      'END Un paiement est deja en cours: confirmez-le sur votre telephone, puis attendez le SMS.',
    );
    expect(await pay({ startLoanRepayment: async () => 'nothing_due' })).toBe(
      'END Rien a rembourser sur votre pret.',
    );
    expect(await pay({ startLoanRepayment: async () => 'above_payoff' })).toBe(
      'END Montant superieur a ce qui reste a payer: un autre paiement est peut-etre arrive. Choisissez 5 puis 4 pour voir le montant du.',
    );
    expect(await pay({ loadLoanDue: async () => ({ ...DUE, next: null, dueNow: 0, payoff: 0 }) })).toBe(
      'END Rien a rembourser sur votre pret.',
    );
    expect(await pay({ loadLoanDue: () => Promise.reject(new Error('down')) })).toBe(
      'END Une erreur est survenue. Reessayez plus tard.',
    );
  });
});

describe('2. Mes soldes: the loan line', () => {
  const balances = async (over: Partial<Record<keyof Services, (input: never) => Promise<unknown>>>) => {
    const s = fakes(over);
    const m = new Menu('tontineBalances', s);
    await m.opened();
    const screen = await m.send(PIN);
    return { screen, s };
  };

  it('sits under the savings line, above the tontines', async () => {
    const { screen, s } = await balances({});
    expect(screen).toBe(`CON Mes soldes\n${SAVINGS_LINE}\n${LOAN_LINE}\n1. ${B_MARCHE.label}`);
    expect(s.loadLoanLine).toHaveBeenCalledWith({ userId: 7, lang: 'fr' });
  });

  it('stands alone without savings, or without tontines', async () => {
    expect((await balances({ loadSavingsLine: async () => null })).screen).toBe(
      `CON Mes soldes\n${LOAN_LINE}\n1. ${B_MARCHE.label}`,
    );
    expect((await balances({ loadBalances: async () => [] })).screen).toBe(
      `END Mes soldes\n${SAVINGS_LINE}\n${LOAN_LINE}\nChoisissez 4 au menu pour votre epargne, 5 pour votre pret.`,
    );
    expect((await balances({ loadBalances: async () => [], loadSavingsLine: async () => null })).screen).toBe(
      `END Mes soldes\n${LOAN_LINE}\nChoisissez 5 au menu pour votre pret, 3 pour rejoindre une tontine.`,
    );
  });

  it('is left out without a loan, or when the loans service fails', async () => {
    expect((await balances({ loadLoanLine: async () => null })).screen).toBe(
      `CON Mes soldes\n${SAVINGS_LINE}\n1. ${B_MARCHE.label}`,
    );
    expect((await balances({ loadLoanLine: () => Promise.reject(new Error('down')) })).screen).toBe(
      `CON Mes soldes\n${SAVINGS_LINE}\n1. ${B_MARCHE.label}`,
    );
    expect((await balances({ loadLoanLine: async () => null, loadBalances: async () => [] })).screen).toMatch(
      /^END Mes soldes\nEpargne CSC-0000012-3: 12 500 FCFA\nChoisissez 4 au menu pour votre epargne, 3/,
    );
  });
});
