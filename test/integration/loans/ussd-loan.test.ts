import type { Sfd, User } from '../../../src/accounts/entities';
import { Loan, LoanApplication, LoanInstalment, LoanPayment } from '../../../src/loans/entities';
import { PaymentTransaction } from '../../../src/payments/entities';
import { formatAccountNumber } from '../../../src/savings/account-number';
import { addDays } from '../../../src/shared/sfd-calendar';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, PIN } from '../../helpers/factories';
import { CALLERS, matrixCallers, type Caller } from '../../helpers/matrix';
import { Phone } from '../../helpers/ussd';
import { fundedParticipant } from '../tontines/withdrawals-helpers';
import { eligibleClient, makeLoan, today } from './helpers';

/**
 * "5. Prets" with a disbursed loan, over HTTP on the real services: the menu without "Demander", the
 * loan's status, the next instalment (on time, then late with its penalties), Rembourser (what is due
 * now, or another amount between 100 and the payoff; the PIN; the payment pushed to the phone and,
 * once the simulator settles it, applied), one push at a time, and the loan line of "2. Mes soldes".
 */
let t: TestApp;
let sfd: Sfd;

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '30' });
  sfd = await makeSfd(t, 'PRL');
});
afterAll(() => t.close());

const FOOTER = '\n0. Retour 00. Accueil';
const m = () => t.deps.db.manager;
const ddmmyyyy = (d: string) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;

let seq = 0;
/** A phone ending in 2 (the payment simulator's success) or 8 (a payment never answered). */
const phoneOf = (last: '2' | '8') => `+22901966${String(++seq).padStart(4, '0')}${last}`;

async function dialled(client: User): Promise<Phone> {
  const p = new Phone(t, client.phone);
  if ((await p.dial()).startsWith('CON Session interrompue.')) await p.send('2');
  return p;
}

/** A client with 100 000 of savings and a loan of 100 000 at 12 % over 12 months disbursed `daysAgo`. */
async function borrower(opts: { daysAgo?: number; last?: '2' | '8' } = {}) {
  const client = await makeUser(t, 'client', sfd, {
    phone: phoneOf(opts.last ?? '2'),
    kycStatus: 'verified',
  });
  const { savings } = await eligibleClient(t, sfd, { client, balance: 100_000, savingsDaysAgo: 200 });
  const disbursedOn = addDays(today(t), -(opts.daysAgo ?? 0));
  const made = await makeLoan(t, sfd, client, savings, { disbursedOn });
  return { client, savings, ...made };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('never');
}

const MENU = `CON Prets\n2. Ma demande\n3. Prochaine echeance\n4. Rembourser${FOOTER}`;

describe('5. Prets with a disbursed loan', () => {
  it('offers no new application; says the loan and its next instalment', async () => {
    const { client, application, instalments } = await borrower();
    const p = await dialled(client);
    expect(await p.send('5')).toBe(MENU);
    expect(await p.send('1')).toBe(`CON Choix invalide.\n${MENU.slice(4)}`);
    // 100 000 at 12 % over 12 months: 8 885 a month.
    expect(await p.send('2')).toBe(
      `END Pret ref P${application.id}: 100 000 FCFA sur 12 mois, mensualite 8 885 FCFA. En cours de remboursement.`,
    );
    const q = await dialled(client);
    await q.send('5');
    expect(await q.send('3')).toBe(
      `CON Prochaine echeance 1/12\nDate: ${ddmmyyyy(instalments[0].dueDate)}\nMontant: 8 885 FCFA\nPenalites: 0 FCFA${FOOTER}`,
    );
  });

  it('says what is late, penalties included', async () => {
    const { client, instalments } = await borrower({ daysAgo: 40 });
    // The penalty job's work on the first instalment, late since its due date.
    await m().update(LoanInstalment, { id: instalments[0].id }, { penaltyAccrued: 300 });
    const p = await dialled(client);
    await p.send('5');
    expect(await p.send('3')).toBe(
      `CON En retard: 9 185 FCFA, penalites comprises\nEcheance 1/12 du ${ddmmyyyy(instalments[0].dueDate)}: 9 185 FCFA\nPenalites: 300 FCFA${FOOTER}`,
    );
    expect(await p.send('0')).toBe(MENU);
    expect(await p.send('4')).toBe(
      `CON Rembourser par mobile money\n1. Payer 9 185 FCFA\n2. Autre montant${FOOTER}`,
    );
  });
});

describe('5. Prets: who reaches a loan', () => {
  it('answers each caller on their own phone: only the owner sees the loan', async () => {
    const { client } = await borrower();
    const other = await makeSfd(t, 'PRX');
    const { users } = await matrixCallers(t, sfd, other, client);
    const STAFF = "END Ce service est reserve aux clients. Utilisez l'espace agent.";
    const expected: Record<Caller, string> = {
      owner: MENU,
      otherClient:
        'END Pret impossible: il faut un compte epargne actif depuis au moins 90 jours. Choisissez 4 au menu pour ouvrir un compte epargne.',
      'agent_sfd:own': STAFF,
      'superviseur_sfd:own': STAFF,
      'admin_sfd:own': STAFF,
      'agent_sfd:other': STAFF,
      'superviseur_sfd:other': STAFF,
      'admin_sfd:other': STAFF,
      platform: STAFF,
    };
    const answers = {} as Record<Caller, string>;
    for (const caller of CALLERS) {
      const p = new Phone(t, users[caller].phone);
      const first = await p.dial();
      answers[caller] = first.startsWith('END') ? first : await p.send('5');
    }
    expect(answers).toEqual(expected);
  });
});

describe('5. Prets: 4. Rembourser', () => {
  it('pays what is due now, PIN last: pushed to the phone, applied once the payment succeeds', async () => {
    const { client, loan, instalments } = await borrower();
    const p = await dialled(client);
    await p.send('5');
    expect(await p.send('4')).toBe(
      `CON Rembourser par mobile money\n1. Payer 8 885 FCFA\n2. Autre montant${FOOTER}`,
    );
    expect(await p.send('1')).toBe(`CON Entrez votre PIN:${FOOTER}`);
    expect(await p.send('1111')).toBe(`CON PIN incorrect. Entrez votre PIN:${FOOTER}`);
    expect(await m().countBy(LoanPayment, { loanId: loan.id })).toBe(0);
    expect(await p.send(PIN)).toBe(
      'END Paiement demande: confirmez le paiement de 8 885 FCFA sur votre telephone. Vous recevrez un SMS.',
    );
    const [tx] = await m().findBy(PaymentTransaction, { purposeRef: String(loan.id) });
    expect(tx).toMatchObject({
      type: 'remboursement_pret',
      amount: 8885,
      phone: client.phone,
      clientId: client.id,
      sfdId: sfd.id,
    });
    const payment = await until(
      () => m().findOneByOrFail(LoanPayment, { loanId: loan.id }),
      (row) => row.status === 'confirme',
    );
    expect(payment).toMatchObject({
      clientId: client.id,
      amount: 8885,
      method: 'mobile_money',
      paymentReference: tx.reference,
      requestedBy: client.id,
      penaltyPart: 0,
      interestPart: 1000,
      principalPart: 7885,
      excess: 0,
    });
    expect(await m().findOneByOrFail(LoanInstalment, { id: instalments[0].id })).toMatchObject({
      status: 'paye',
      principalPaid: 7885,
      interestPaid: 1000,
    });
    expect((await m().findOneByOrFail(Loan, { id: loan.id })).status).toBe('en_remboursement');
  });

  it('takes another amount, from 100 to the payoff, confirmed; a second push waits for the first', async () => {
    const { client, loan } = await borrower({ last: '8' });
    const p = await dialled(client);
    await p.sendAll('5', '4');
    // The payoff today: the principal and the current period's interest (100 000 + 1 000).
    const screen = `Montant a rembourser en FCFA, de 100 a 101 000:${FOOTER}`;
    expect(await p.send('2')).toBe(`CON ${screen}`);
    const invalid = `CON Montant invalide: un nombre entier de FCFA, entre le minimum et le maximum indiques.\n${screen}`;
    expect(await p.send('99')).toBe(invalid);
    expect(await p.send('101001')).toBe(invalid);
    expect(await p.send('5000')).toBe(
      `CON Remboursement de 5 000 FCFA par mobile money\n1. Confirmer${FOOTER}`,
    );
    expect(await p.sendAll('1', PIN)).toMatch(/^END Paiement demande: confirmez le paiement de 5 000 FCFA/);
    expect(await m().findBy(LoanPayment, { loanId: loan.id })).toEqual([
      expect.objectContaining({ amount: 5000, method: 'mobile_money', status: 'en_attente' }),
    ]);

    // The phone never answered yet: no second push.
    const q = await dialled(client);
    expect(await q.sendAll('5', '4', '1', PIN)).toBe(
      'END Un paiement est deja en cours: confirmez-le sur votre telephone, puis attendez le SMS.',
    );
    expect(await m().countBy(LoanPayment, { loanId: loan.id })).toBe(1);
    expect(await m().countBy(PaymentTransaction, { purposeRef: String(loan.id) })).toBe(1);
  });
});

describe('5. Prets: 4. Rembourser, the loan moved before the PIN', () => {
  it('says when less is left than the amount asked (another payment arrived)', async () => {
    const { client, loan, instalments } = await borrower();
    const p = await dialled(client);
    await p.sendAll('5', '4', '2', '101000', '1');
    // Meanwhile 10 000 of principal were paid (at the branch).
    await m().update(LoanInstalment, { id: instalments[0].id }, { principalPaid: 7885 });
    await m().update(LoanInstalment, { id: instalments[1].id }, { principalPaid: 2115 });
    expect(await p.send(PIN)).toBe(
      'END Montant superieur a ce qui reste a payer: un autre paiement est peut-etre arrive. Choisissez 5 puis 4 pour voir le montant du.',
    );
    expect(await m().countBy(LoanPayment, { loanId: loan.id })).toBe(0);
    expect(await m().countBy(PaymentTransaction, { purposeRef: String(loan.id) })).toBe(0);
  });

  it('says when nothing is left to repay (the loan closed meanwhile)', async () => {
    const { client, loan, application } = await borrower();
    const p = await dialled(client);
    await p.sendAll('5', '4', '1');
    await m().update(Loan, { id: loan.id }, { status: 'solde' });
    await m().update(LoanApplication, { id: application.id }, { openClientId: null });
    expect(await p.send(PIN)).toBe('END Rien a rembourser sur votre pret.');
    expect(await m().countBy(LoanPayment, { loanId: loan.id })).toBe(0);
  });
});

describe('2. Mes soldes with a loan', () => {
  // 100 000 at 12 % over 12 months: 11 × 8 885 and a last instalment of 8 884, 106 619 in all.
  it('shows the loan line under the savings line, alone without a tontine', async () => {
    const { client, savings, instalments } = await borrower();
    const next = instalments[0].dueDate;
    const p = await dialled(client);
    expect(await p.sendAll('2', PIN)).toBe(
      `END Mes soldes\nEpargne ${formatAccountNumber(savings.id)}: 100 000 FCFA\n` +
        `Pret: reste 106 619 FCFA, proch. echeance ${next.slice(8, 10)}/${next.slice(5, 7)}\n` +
        'Choisissez 4 au menu pour votre epargne, 5 pour votre pret.',
    );
  });

  it('shows both lines above the tontines', async () => {
    const { client, savings, instalments } = await borrower();
    await fundedParticipant(t, sfd, client, 3000, { name: 'Tontine Marche' });
    const next = instalments[0].dueDate;
    const p = await dialled(client);
    expect(await p.sendAll('2', PIN)).toBe(
      `CON Mes soldes\nEpargne ${formatAccountNumber(savings.id)}: 100 000 FCFA\n` +
        `Pret: reste 106 619 FCFA, proch. echeance ${next.slice(8, 10)}/${next.slice(5, 7)}\n` +
        `1. Tontine Marche: 3 000 FCFA, Carnet 1: 0/31${FOOTER}`,
    );
  });

  it('shows no loan line for a loan granted but not disbursed', async () => {
    const client = await makeUser(t, 'client', sfd, { phone: phoneOf('2') });
    const { savings } = await eligibleClient(t, sfd, { client, balance: 7_000 });
    await makeLoan(t, sfd, client, savings);
    const p = await dialled(client);
    expect(await p.sendAll('2', PIN)).toBe(
      `END Mes soldes\nEpargne ${formatAccountNumber(savings.id)}: 7 000 FCFA\nChoisissez 4 au menu pour votre epargne, 3 pour rejoindre une tontine.`,
    );
  });
});
