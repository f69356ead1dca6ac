import type { Sfd, User } from '../../../src/accounts/entities';
import { post, sfdAccount } from '../../../src/ledger/service';
import { LoanApplication } from '../../../src/loans/entities';
import { savingsLedgerAccount } from '../../../src/savings/balance';
import { SavingsAccount } from '../../../src/savings/entities';
import { addDays } from '../../../src/shared/sfd-calendar';
import { activeSavingsAccount } from '../savings/helpers';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, PIN } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';
import { eligibleClient, makeApplication, makeLoan, today } from './helpers';

/**
 * "5. Prets" over HTTP as Africa's Talking sends it, on the real services: eligibility (no savings, 89
 * days of savings refused with the day it becomes possible, 90 accepted, savings too low), the
 * application (amount, months, purpose, the estimated instalment, the PIN last) and its row, the
 * status of a request at each step, a refusal re-checked at the submission.
 */
let t: TestApp;
let sfd: Sfd;

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'PRT');
});
afterAll(() => t.close());

const FOOTER = '\n0. Retour 00. Accueil';
const m = () => t.deps.db.manager;

let seq = 0;
const phoneOf = () => `+22901965${String(++seq).padStart(4, '0')}2`;

/** A client on the main menu (a screen left open last time is offered to resume: declined). */
async function dialled(client: User): Promise<Phone> {
  const p = new Phone(t, client.phone);
  if ((await p.dial()).startsWith('CON Session interrompue.')) await p.send('2');
  return p;
}

async function eligible(days = 90, balance = 100_000) {
  const client = await makeUser(t, 'client', sfd, { phone: phoneOf(), kycStatus: 'verified' });
  return eligibleClient(t, sfd, { client, balance, savingsDaysAgo: days });
}

const ddmmyyyy = (d: string) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;

describe('5. Prets: eligibility', () => {
  it('refuses without a savings account', async () => {
    const client = await makeUser(t, 'client', sfd, { phone: phoneOf() });
    const p = await dialled(client);
    expect(await p.send('5')).toBe(
      'END Pret impossible: il faut un compte epargne actif depuis au moins 90 jours. Choisissez 4 au menu pour ouvrir un compte epargne.',
    );
  });

  it('refuses 89 days of savings, naming the day it becomes possible; 90 days are eligible', async () => {
    const { client } = await eligible(89);
    const p = await dialled(client);
    expect(await p.send('5')).toBe(
      "END Pret impossible pour l'instant: votre compte epargne doit avoir au moins 90 jours. " +
        `Vous pourrez demander un pret a partir du ${ddmmyyyy(addDays(today(t), 1))}.`,
    );
    const ninety = await eligible(90);
    const q = await dialled(ninety.client);
    expect(await q.send('5')).toBe(`CON Prets\n1. Demander un pret (max 500 000 FCFA)${FOOTER}`);
  });

  it('refuses savings whose five times are under the smallest loan', async () => {
    const { client } = await eligible(120, 1_999);
    const p = await dialled(client);
    expect(await p.send('5')).toBe(
      "END Pret impossible: votre epargne est trop faible. Un pret va de 10 000 FCFA a 5 fois votre solde d'epargne.",
    );
  });

  it('answers in English for an English-speaking client', async () => {
    const client = await makeUser(t, 'client', sfd, { phone: phoneOf(), language: 'en' });
    await activeSavingsAccount(t, sfd, client, 4_000, 200);
    const p = await dialled(client);
    expect(await p.send('5')).toBe(`CON Loans\n1. Apply for a loan (max 20 000 FCFA)\n0. Back 00. Home`);
  });
});

describe('5. Prets: 1. Demander un pret', () => {
  it('asks the amount, the months, the purpose, shows the instalment, then the PIN last: the application', async () => {
    const { client, savings } = await eligible(90);
    const p = await dialled(client);
    await p.send('5');
    expect(await p.send('1')).toBe(`CON Demander un pret\nMontant en FCFA, de 10 000 a 500 000:${FOOTER}`);
    const again = `CON Montant invalide: un nombre entier de FCFA, entre le minimum et le maximum indiques.\nDemander un pret\nMontant en FCFA, de 10 000 a 500 000:${FOOTER}`;
    expect(await p.send('9999')).toBe(again);
    expect(await p.send('500001')).toBe(again);
    expect(await p.send('100000')).toBe(`CON Duree du pret en mois (1 a 60):${FOOTER}`);
    const months = `CON Duree invalide: de 1 a 60 mois.\nDuree du pret en mois (1 a 60):${FOOTER}`;
    expect(await p.send('61')).toBe(months);
    expect(await p.send('12')).toBe(
      `CON Objet du pret:\n1. Commerce\n2. Agriculture\n3. Education\n4. Sante\n5. Logement\n6. Autre${FOOTER}`,
    );
    expect(await p.send('7')).toMatch(/^CON Choix invalide\.\nObjet du pret:/);
    // 100 000 at 12 % over 12 months: 8 885 a month (the schedule's own figure, worked by hand there).
    expect(await p.send('2')).toBe(
      'CON Pret de 100 000 FCFA sur 12 mois (Agriculture)\nMensualite estimee: 8 885 FCFA (taux indicatif, la SFD fixe le taux final)\n1. Confirmer' +
        FOOTER,
    );
    expect(await p.send('1')).toBe(`CON Entrez votre PIN:${FOOTER}`);
    expect(await m().countBy(LoanApplication, { clientId: client.id })).toBe(0);
    expect(await p.send('1111')).toBe(`CON PIN incorrect. Entrez votre PIN:${FOOTER}`);
    const end = await p.send(PIN);
    const rows = await m().findBy(LoanApplication, { clientId: client.id });
    expect(rows).toHaveLength(1);
    expect(end).toBe(
      `END Demande envoyee, ref P${rows[0].id}. La SFD va l'examiner et fixer le taux. Vous recevrez un SMS.`,
    );
    expect(rows[0]).toMatchObject({
      sfdId: sfd.id,
      clientId: client.id,
      openClientId: client.id,
      status: 'soumis',
      amount: 100_000,
      months: 12,
      purpose: 'agriculture',
      monthlyIncome: null,
      savingsAccountId: savings.id,
      savingsBalance: 100_000,
      channel: 'ussd',
      requestedBy: null,
      reviewedBy: null,
      decidedBy: null,
      reason: null,
    });

    // Dialling again: where it stands, and no second application.
    const q = await dialled(client);
    expect(await q.send('5')).toBe(
      `END Demande de pret ref P${rows[0].id}: 100 000 FCFA sur 12 mois. Recue, en attente d'examen par la SFD.`,
    );
  });

  it('accepts exactly five times the savings', async () => {
    const { client } = await eligible(100, 20_000);
    const p = await dialled(client);
    await p.send('5');
    await p.send('1');
    expect(await p.send('100001')).toMatch(/^CON Montant invalide/);
    await p.sendAll('100000', '1', '6', '1');
    expect(await p.send(PIN)).toMatch(/^END Demande envoyee, ref P\d+\./);
    const [row] = await m().findBy(LoanApplication, { clientId: client.id });
    expect(row).toMatchObject({ amount: 100_000, months: 1, purpose: 'autre', channel: 'ussd' });
  });

  it('ends clearly when the application is refused on submission (one made meanwhile)', async () => {
    const { client, savings } = await eligible(90);
    const p = await dialled(client);
    await p.sendAll('5', '1', '50000', '6', '3', '1');
    // Meanwhile an agent files one for the client at the branch.
    const { application } = await makeApplication(t, sfd, client, savings);
    expect(await p.send(PIN)).toBe(
      'END Vous avez deja une demande ou un pret en cours. Choisissez 5 au menu pour voir ou il en est.',
    );
    expect(await m().findBy(LoanApplication, { clientId: client.id })).toEqual([
      expect.objectContaining({ id: application.id, channel: 'back_office' }),
    ]);
  });
});

describe('5. Prets: refusals re-checked on submission', () => {
  it('refuses an amount over 5x the savings once the savings went down meanwhile', async () => {
    const { client, savings } = await eligible(90);
    const p = await dialled(client);
    await p.sendAll('5', '1', '400000', '12', '1', '1');
    // Meanwhile 50 000 leave the savings account: the most is now 250 000.
    await m().transaction((tx) =>
      post(tx, {
        key: `test:savings:${savings.id}:out`,
        kind: 'test_withdrawal',
        lines: [
          { account: savingsLedgerAccount(savings.id), amount: -50_000 },
          { account: sfdAccount(sfd.id, 'mobile-money'), amount: 50_000 },
        ],
        sfdId: sfd.id,
        at: t.clock.now(),
      }),
    );
    expect(await p.send(PIN)).toBe(
      "END Demande impossible: le montant depasse 5 fois votre solde d'epargne. Choisissez 5 au menu pour voir le maximum.",
    );
    expect(await m().countBy(LoanApplication, { clientId: client.id })).toBe(0);
    const q = await dialled(client);
    expect(await q.send('5')).toBe(`CON Prets\n1. Demander un pret (max 250 000 FCFA)${FOOTER}`);
  });

  it('refuses a client whose savings account was suspended meanwhile', async () => {
    const { client, savings } = await eligible(90);
    const p = await dialled(client);
    await p.sendAll('5', '1', '50000', '6', '5', '1');
    await m().update(SavingsAccount, { id: savings.id }, { status: 'suspendu' });
    expect(await p.send(PIN)).toBe(
      "END Demande impossible: vous n'etes plus eligible a un pret. Choisissez 5 au menu pour savoir pourquoi.",
    );
    expect(await m().countBy(LoanApplication, { clientId: client.id })).toBe(0);
  });
});

describe('5. Prets: 2. Ma demande', () => {
  it.each([
    ['en_cours_examen', "En cours d'examen par la SFD."],
    ['transfere_admin', 'Examinee, en attente de la decision de la SFD.'],
  ] as const)('says an application %s in words', async (status, words) => {
    const { client, savings } = await eligible(90);
    const { application } = await makeApplication(t, sfd, client, savings, {
      status,
      amount: 80_000,
      months: 6,
    });
    const p = await dialled(client);
    expect(await p.send('5')).toBe(
      `END Demande de pret ref P${application.id}: 80 000 FCFA sur 6 mois. ${words}`,
    );
  });

  it('says a granted loan not yet disbursed: the amount, months and instalment', async () => {
    const { client, savings } = await eligible(90);
    const { application } = await makeLoan(t, sfd, client, savings, { amount: 100_000, annualRateBp: 2400 });
    const p = await dialled(client);
    // 100 000 at 24 % over 12 months: 9 456 a month.
    expect(await p.send('5')).toBe(
      'END Pret accorde: 100 000 FCFA sur 12 mois, mensualite 9 456 FCFA. Decaissement en cours: vous recevrez un SMS.',
    );
    expect(application.status).toBe('accorde');
  });

  it('shows a rejected application with its reason, beside a new application', async () => {
    const { client, savings } = await eligible(90);
    const { application } = await makeApplication(t, sfd, client, savings, {
      status: 'rejete',
      amount: 60_000,
    });
    const p = await dialled(client);
    expect(await p.send('5')).toBe(
      `CON Prets\n1. Demander un pret (max 500 000 FCFA)\n2. Ma demande${FOOTER}`,
    );
    expect(await p.send('2')).toBe(
      `CON Demande de pret ref P${application.id} (60 000 FCFA) rejetee: Dossier incomplet${FOOTER}`,
    );
  });
});
