import type { Sfd, User } from '../../../src/accounts/entities';
import { PaymentTransaction } from '../../../src/payments/entities';
import { formatAccountNumber } from '../../../src/savings/account-number';
import { savingsBalance } from '../../../src/savings/balance';
import {
  SavingsAccount,
  SavingsHold,
  SavingsSettings,
  SavingsTransaction,
  type SavingsAccountStatus,
} from '../../../src/savings/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, PIN } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';
import { activeSavingsAccount } from '../savings/helpers';
import { fundedParticipant } from '../tontines/withdrawals-helpers';

/**
 * "4. Epargne" and the savings line of "2. Mes soldes", whole conversations over HTTP as Africa's
 * Talking sends them, on the real services: the opening request from the phone, the opening fee paid
 * by mobile money (the simulator settles it: the account opens), a deposit credited once its payment
 * succeeds, a withdrawal request checked against the available balance, the balance and the mini
 * statement behind the PIN.
 */
let t: TestApp;
let sfd: Sfd;

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '30' });
  sfd = await makeSfd(t, 'EPG');
  // The SFD's own opening fee: what a request from the phone is charged and shown.
  await t.deps.db.manager.save(
    t.deps.db.manager.create(SavingsSettings, {
      sfdId: sfd.id,
      openingFee: 2000,
      updatedBy: null,
      updatedAt: t.clock.now(),
    }),
  );
});
afterAll(() => t.close());

const FOOTER = '\n0. Retour 00. Accueil';

let seq = 0;
/** A client whose phone ends in 2 (the payment simulator's success), on the main menu after dialling. */
async function client(): Promise<{ user: User; p: Phone }> {
  seq += 1;
  const user = await makeUser(t, 'client', sfd, { phone: `+22901964${String(seq).padStart(4, '0')}2` });
  return { user, p: new Phone(t, user.phone) };
}

/** Dials: on the main menu (a screen left open last time is offered to resume: declined). */
async function home(p: Phone): Promise<void> {
  if ((await p.dial()).startsWith('CON Session interrompue.')) await p.send('2');
}

async function accountIn(user: User, status: SavingsAccountStatus, fields: Partial<SavingsAccount> = {}) {
  const m = t.deps.db.manager;
  const now = t.clock.now();
  return m.save(
    m.create(SavingsAccount, {
      sfdId: sfd.id,
      clientId: user.id,
      openClientId: status === 'rejete' || status === 'ferme' ? null : user.id,
      status,
      openingFee: 1500,
      reason: null,
      requestedBy: null,
      decidedBy: null,
      decidedAt: status === 'en_cours_creation' ? null : now,
      feePaymentReference: null,
      openedAt: null,
      createdAt: now,
      updatedAt: now,
      ...fields,
    }),
  );
}

/** The payments of `type` for `purposeRef`, once none is pending any more. */
async function settled(type: string, purposeRef: string): Promise<PaymentTransaction[]> {
  for (let i = 0; i < 500; i++) {
    const payments = await t.deps.db.manager.find(PaymentTransaction, {
      where: { purposeRef, type: type as PaymentTransaction['type'] },
      order: { id: 'ASC' },
    });
    if (payments.length > 0 && payments.every((p) => p.status !== 'pending')) return payments;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`payment ${type} ${purposeRef} never settled`);
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('never');
}

const reload = (account: SavingsAccount) =>
  t.deps.db.manager.findOneByOrFail(SavingsAccount, { id: account.id });

describe('4. Epargne without an account', () => {
  it('requests an opening from the phone: the SFD fee and the documents to bring are said', async () => {
    const { user, p } = await client();
    await p.dial();
    expect(await p.send('4')).toBe(
      `CON Epargne\nVous n'avez pas de compte epargne.\n1. Ouvrir un compte${FOOTER}`,
    );
    expect(await p.send('1')).toBe(
      "CON Ouvrir un compte epargne\nFrais d'ouverture: 2 000 FCFA, a payer apres validation.\nApportez votre piece d'identite et une photo a l'agence.\n1. Confirmer" +
        FOOTER,
    );
    expect(await t.deps.db.manager.countBy(SavingsAccount, { clientId: user.id })).toBe(0);
    expect(await p.send('1')).toBe(
      "END Demande envoyee. Apportez votre piece d'identite et une photo a l'agence: un agent ouvrira votre compte. Vous recevrez un SMS.",
    );
    const rows = await t.deps.db.manager.findBy(SavingsAccount, { clientId: user.id });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      sfdId: sfd.id,
      status: 'en_cours_creation',
      openClientId: user.id,
      openingFee: 2000,
      requestedBy: null,
    });

    // Dialling again: the request's status, no second request.
    await p.dial();
    expect(await p.send('4')).toBe(
      "END Demande de compte epargne en cours: en attente des documents et de la validation de l'agent. Apportez votre piece d'identite et une photo a l'agence.",
    );
    expect(await t.deps.db.manager.countBy(SavingsAccount, { clientId: user.id })).toBe(1);
  });

  it('says why a request was rejected, and takes a new one', async () => {
    const { user, p } = await client();
    await accountIn(user, 'rejete', { reason: "Piece d'identite expiree" });
    await p.dial();
    expect(await p.send('4')).toBe(
      `CON Votre demande de compte epargne a ete rejetee: Piece d'identite expiree\n1. Nouvelle demande${FOOTER}`,
    );
    expect(await p.send('1')).toMatch(/^CON Ouvrir un compte epargne\nFrais d'ouverture: 2 000 FCFA/);
    expect(await p.send('1')).toMatch(/^END Demande envoyee\./);
    const rows = await t.deps.db.manager.find(SavingsAccount, {
      where: { clientId: user.id },
      order: { id: 'ASC' },
    });
    expect(rows.map((r) => r.status)).toEqual(['rejete', 'en_cours_creation']);
  });
});

describe('4. Epargne, the opening fee', () => {
  it('pays the request fee by mobile money, PIN last: the account opens once the payment succeeds', async () => {
    const { user, p } = await client();
    const account = await accountIn(user, 'validee_agent');
    await p.dial();
    expect(await p.send('4')).toBe(
      `CON Compte epargne valide par l'agent.\nFrais d'ouverture: 1 500 FCFA\n1. Payer les frais${FOOTER}`,
    );
    expect(await p.send('1')).toBe(`CON Entrez votre PIN:${FOOTER}`);
    expect(await p.send('1111')).toBe(`CON PIN incorrect. Entrez votre PIN:${FOOTER}`);
    expect(await t.deps.db.manager.countBy(PaymentTransaction, { purposeRef: String(account.id) })).toBe(0);
    expect(await p.send(PIN)).toBe(
      'END Confirmez le paiement de 1 500 FCFA sur votre telephone. Un SMS vous dira quand votre compte sera ouvert.',
    );
    const [payment] = await settled('frais_creation_epargne', String(account.id));
    expect(payment).toMatchObject({ amount: 1500, status: 'success', clientId: user.id, phone: user.phone });
    const opened = await until(
      () => reload(account),
      (a) => a.status === 'actif',
    );
    expect(opened.openedAt).not.toBeNull();

    // Now open: the menu of an active account.
    await p.dial();
    expect(await p.send('4')).toBe(
      `CON Epargne ${formatAccountNumber(account.id)}\n1. Deposer\n2. Retirer\n3. Solde\n4. Mini releve${FOOTER}`,
    );
  });
});

describe('4. Epargne, an active account', () => {
  it('deposits by mobile money: the amount confirmed, the PIN last; credited once paid', async () => {
    const { user, p } = await client();
    const account = await activeSavingsAccount(t, sfd, user, 10_000);
    const number = formatAccountNumber(account.id);
    await p.dial();
    await p.send('4');
    expect(await p.send('1')).toBe(`CON Deposer par mobile money\nMontant en FCFA (minimum 100):${FOOTER}`);
    expect(await p.send('50')).toBe(`CON Le depot minimum est de 100 FCFA.\nMontant a deposer:${FOOTER}`);
    expect(await p.send('2500')).toBe(
      `CON Depot de 2 500 FCFA\nCompte: ${number}\nPaiement par mobile money.\n1. Confirmer${FOOTER}`,
    );
    expect(await p.send('1')).toBe(`CON Entrez votre PIN:${FOOTER}`);
    expect(await p.send(PIN)).toBe(
      'END Confirmez le paiement de 2 500 FCFA sur votre telephone. Vous recevrez un SMS une fois le depot credite.',
    );
    const [payment] = await settled('depot_epargne', String(account.id));
    expect(payment).toMatchObject({ amount: 2500, status: 'success', phone: user.phone });
    const deposit = await until(
      () => t.deps.db.manager.findOneBy(SavingsTransaction, { paymentReference: payment.reference }),
      (d) => d?.status === 'confirmee',
    );
    expect(deposit).toMatchObject({
      type: 'depot',
      method: 'mobile_money',
      amount: 2500,
      accountId: account.id,
    });
    expect((await savingsBalance(t.deps.db.manager, account)).balance).toBe(12_500);
  });

  it('withdraws: refused above what is available and asked again; then a request an agent validates', async () => {
    const { user, p } = await client();
    const account = await activeSavingsAccount(t, sfd, user, 10_000);
    await p.dial();
    await p.send('4');
    expect(await p.send('2')).toBe(`CON Retirer\nMontant en FCFA (minimum 500):${FOOTER}`);
    expect(await p.send('300')).toBe(`CON Le retrait minimum est de 500 FCFA.\nMontant a retirer:${FOOTER}`);
    expect(await p.send('10001')).toBe(
      `CON Montant superieur a votre solde disponible (voir 3. Solde).\nMontant a retirer:${FOOTER}`,
    );
    expect(await p.send('6000')).toBe(
      `CON Retrait de 6 000 FCFA\nCompte: ${formatAccountNumber(account.id)}\nUn agent validera la demande.\n1. Confirmer${FOOTER}`,
    );
    expect(await p.send('1')).toBe(`CON Entrez votre PIN:${FOOTER}`);
    expect(await t.deps.db.manager.countBy(SavingsTransaction, { accountId: account.id })).toBe(0);
    expect(await p.send(PIN)).toBe(
      'END Demande de retrait de 6 000 FCFA envoyee; un agent va la valider. Vous recevrez un SMS.',
    );
    const rows = await t.deps.db.manager.findBy(SavingsTransaction, { accountId: account.id });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: 'retrait', status: 'en_cours', amount: 6000, clientId: user.id });
    // The ledger has not moved: the agent's validation moves it.
    expect(await savingsBalance(t.deps.db.manager, account)).toMatchObject({
      balance: 10_000,
      available: 4000,
    });

    // The pending request counts: 5 000 more is above what is available now.
    await p.dial();
    await p.send('4');
    await p.send('2');
    expect(await p.send('5000')).toMatch(/^CON Montant superieur a votre solde disponible/);
    expect(await p.send('4000')).toMatch(/^CON Retrait de 4 000 FCFA/);
  });

  it('ends at once when less than the smallest withdrawal is available', async () => {
    const { user, p } = await client();
    await activeSavingsAccount(t, sfd, user, 400);
    await p.dial();
    await p.send('4');
    expect(await p.send('2')).toBe(
      'END Retrait impossible: votre solde disponible est inferieur au retrait minimum de 500 FCFA.',
    );
  });

  it('shows the balance behind the PIN: held money and pending withdrawals off the available', async () => {
    const { user, p } = await client();
    const account = await activeSavingsAccount(t, sfd, user, 10_000);
    const number = formatAccountNumber(account.id);
    await home(p);
    await p.send('4');
    expect(await p.send('3')).toBe(`CON Entrez votre PIN:${FOOTER}`);
    expect(await p.send(PIN)).toBe(
      `CON Compte ${number}\nSolde: 10 000 FCFA\nDisponible: 10 000 FCFA${FOOTER}`,
    );

    const m = t.deps.db.manager;
    await m.save(
      m.create(SavingsHold, {
        sfdId: sfd.id,
        accountId: account.id,
        amount: 3000,
        reason: 'loan_guarantee',
        refType: null,
        refId: null,
        createdBy: null,
        createdAt: t.clock.now(),
        releasedAt: null,
      }),
    );
    await home(p);
    await p.sendAll('4', '2', '1000', '1', PIN);
    await home(p);
    await p.send('4');
    expect(await p.sendAll('3', PIN)).toBe(
      `CON Compte ${number}\nSolde: 10 000 FCFA\nBloque (garantie): 3 000 FCFA\nDisponible: 6 000 FCFA${FOOTER}`,
    );
  });

  it('shows the mini statement behind the PIN: the last 5 movements, older ones on 9', async () => {
    const { user, p } = await client();
    const account = await activeSavingsAccount(t, sfd, user, 10_000);
    const number = formatAccountNumber(account.id);
    await home(p);
    await p.send('4');
    expect(await p.sendAll('4', PIN)).toMatch(
      new RegExp(`^CON Mini releve ${number} \\(1/1\\)\\n1\\. \\d\\d/\\d\\d \\+10 000 `),
    );

    // Five deposits more: six movements, two pages.
    for (const amount of [100, 200, 300, 400, 500]) {
      await home(p);
      await p.sendAll('4', '1', String(amount), '1', PIN);
      const payments = await settled('depot_epargne', String(account.id));
      await until(
        () => t.deps.db.manager.countBy(SavingsTransaction, { accountId: account.id, status: 'confirmee' }),
        (n) => n === payments.length,
      );
    }
    await home(p);
    await p.send('4');
    const first = await p.sendAll('4', PIN);
    expect(first.startsWith(`CON Mini releve ${number} (1/2), 9: plus anciens\n`)).toBe(true);
    const lines = first.split('\n').filter((l) => /^[1-5]\. \d\d\//.test(l));
    expect(lines.map((l) => l.replace(/^\d\. \d\d\/\d\d /, ''))).toEqual([
      '+500 Depot',
      '+400 Depot',
      '+300 Depot',
      '+200 Depot',
      '+100 Depot',
    ]);
    expect(await p.send('9')).toMatch(
      new RegExp(`^CON Mini releve ${number} \\(2/2\\)\\n1\\. \\d\\d/\\d\\d \\+10 000 `),
    );
  });
});

describe('2. Mes soldes with a savings account', () => {
  it('shows the savings balance above the tontines', async () => {
    const { user, p } = await client();
    const account = await activeSavingsAccount(t, sfd, user, 12_500);
    await fundedParticipant(t, sfd, user, 3000, { name: 'Tontine Marche' });
    await p.dial();
    expect(await p.sendAll('2', PIN)).toBe(
      `CON Mes soldes\nEpargne ${formatAccountNumber(account.id)}: 12 500 FCFA\n1. Tontine Marche: 3 000 FCFA, Carnet 1: 0/31${FOOTER}`,
    );
    expect(await p.send('1')).toMatch(/^CON Tontine Marche\nSolde: 3 000 FCFA\n/);
  });

  it('shows the savings balance alone without a tontine', async () => {
    const { user, p } = await client();
    const account = await activeSavingsAccount(t, sfd, user, 800);
    await p.dial();
    expect(await p.sendAll('2', PIN)).toBe(
      `END Mes soldes\nEpargne ${formatAccountNumber(account.id)}: 800 FCFA\nChoisissez 4 au menu pour votre epargne, 3 pour rejoindre une tontine.`,
    );
  });

  it('shows no savings line for a request not open yet', async () => {
    const { user, p } = await client();
    await accountIn(user, 'validee_agent');
    await p.dial();
    expect(await p.sendAll('2', PIN)).toBe(
      "END Vous n'avez pas de tontine. Choisissez 3 au menu pour en rejoindre une.",
    );
  });
});
