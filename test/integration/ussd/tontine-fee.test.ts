import type { Sfd, User } from '../../../src/accounts/entities';
import { PaymentTransaction } from '../../../src/payments/entities';
import {
  Adhesion,
  TontineParticipant,
  type AdhesionStatus,
  type Tontine,
} from '../../../src/tontines/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeTontine, makeUser, PIN } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';

/**
 * "Payer frais d'adhesion" over HTTP as Africa's Talking sends it: shown first on the main menu (as
 * 8, the other numbers unchanged) only while an adhesion awaits its fee; the tontine and the fee, the
 * PIN last, the payment pushed to the phone (the simulator: numbers ending in 9 fail, in 8 never
 * answer), the client a participant once it succeeds; offered again after a failed payment.
 */
let t: TestApp;
let sfd: Sfd;
let marche: Tontine;

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '50' });
  sfd = await makeSfd(t, 'FEE');
  marche = await makeTontine(t, sfd, { name: 'Tontine Marche', joiningFee: 1500 });
});
afterAll(() => t.close());

const FOOTER = '\n0. Retour 00. Accueil';
const ENTRIES =
  '1. Cotiser\n2. Mes soldes\n3. Rejoindre une tontine\n4. Epargne\n5. Prets\n6. Mon compte\n7. Aide';
const MAIN = `CON TontiFlex\n${ENTRIES}`;
const MAIN_FEE = `CON TontiFlex\n8. Payer frais d'adhesion\n${ENTRIES}`;
const SUMMARY = `CON Frais d'adhesion\nTontine: Tontine Marche\nMontant: 1 500 FCFA\n1. Payer${FOOTER}`;
const STARTED = 'END Confirmez le paiement sur votre telephone. Un SMS vous dira quand vous serez membre.';

let seq = 0;
/** A client (phone ending in `last`: the simulator's outcome) with an adhesion to Marche in `status`. */
async function applicant(
  status: AdhesionStatus,
  last = '2',
  fields: Partial<User> = {},
): Promise<{ client: User; adhesion: Adhesion }> {
  seq += 1;
  const phone = `+22901965${String(seq).padStart(4, '0')}${last}`;
  const client = await makeUser(t, 'client', sfd, { phone, ...fields });
  return { client, adhesion: await adhesionOf(client, marche, status) };
}

async function adhesionOf(client: User, tontine: Tontine, status: AdhesionStatus): Promise<Adhesion> {
  const m = t.deps.db.manager;
  const now = t.clock.now();
  return m.save(
    m.create(Adhesion, {
      sfdId: sfd.id,
      tontineId: tontine.id,
      clientId: client.id,
      stake: 500,
      status,
      submittedBy: null,
      reason: null,
      decidedBy: null,
      decidedAt: status === 'demande_soumise' ? null : now,
      paymentReference: null,
      participantId: null,
      createdAt: now,
      updatedAt: now,
    }),
  );
}

async function settled(purposeRef: string, count = 1) {
  for (let i = 0; i < 300; i++) {
    const payments = await t.deps.db.manager.find(PaymentTransaction, {
      where: { purposeRef, type: 'adhesion_tontine' },
      order: { id: 'ASC' },
    });
    if (payments.length >= count && payments.every((p) => p.status !== 'pending')) return payments;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`fee payment of adhesion ${purposeRef} still pending`);
}

describe("the main menu's fee entry", () => {
  it('is not shown without an adhesion awaiting its fee, nor while the agent has not decided; 8 is refused', async () => {
    const p = new Phone(t, (await makeUser(t, 'client', sfd)).phone);
    expect(await p.dial()).toBe(MAIN);
    expect(await p.send('8')).toBe(`CON Choix invalide.\n${MAIN.slice(4)}`);
    const { client } = await applicant('demande_soumise');
    expect(await new Phone(t, client.phone).dial()).toBe(MAIN);
    const { client: member } = await applicant('adherent');
    expect(await new Phone(t, member.phone).dial()).toBe(MAIN);
  });

  it('is shown first once the agent validated: fee, PIN last, payment pushed, a participant once paid', async () => {
    const { client, adhesion } = await applicant('validee_agent');
    const p = new Phone(t, client.phone);
    expect(await p.dial()).toBe(MAIN_FEE);
    expect(await p.send('8')).toBe(SUMMARY);
    expect(await p.send('1')).toBe(`CON Entrez votre PIN pour payer:${FOOTER}`);
    expect(await p.send('0000')).toBe(`CON PIN incorrect. Entrez votre PIN:${FOOTER}`);
    expect(await t.deps.db.manager.countBy(PaymentTransaction, { purposeRef: String(adhesion.id) })).toBe(0);
    expect(await p.send(PIN)).toBe(STARTED);

    const [payment] = await settled(String(adhesion.id));
    expect(payment).toMatchObject({
      status: 'success',
      amount: 1500,
      phone: client.phone,
      clientId: client.id,
      purpose: 'adhesion_tontine',
    });
    expect(await t.deps.db.manager.findOneByOrFail(Adhesion, { id: adhesion.id })).toMatchObject({
      status: 'adherent',
      paymentReference: payment.reference,
    });
    expect(
      await t.deps.db.manager.findOneByOrFail(TontineParticipant, { clientId: client.id }),
    ).toMatchObject({
      tontineId: marche.id,
      stake: 500,
      status: 'actif',
    });
    // Paid: the entry is gone.
    expect(await p.dial()).toBe(MAIN);
  });

  it('comes back after a failed payment to try again; a payment still pending is said, not doubled', async () => {
    const { client, adhesion } = await applicant('validee_agent', '9'); // the simulator fails it
    const p = new Phone(t, client.phone);
    await p.dial();
    expect(await p.sendAll('8', '1', PIN)).toBe(STARTED);
    expect((await settled(String(adhesion.id))).map((x) => x.status)).toEqual(['failed']);
    expect((await t.deps.db.manager.findOneByOrFail(Adhesion, { id: adhesion.id })).status).toBe(
      'en_cours_paiement',
    );
    // en_cours_paiement after a failure: offered again, and a second payment starts.
    expect(await p.dial()).toBe(MAIN_FEE);
    expect(await p.sendAll('8', '1', PIN)).toBe(STARTED);
    expect((await settled(String(adhesion.id), 2)).map((x) => [x.status, x.amount])).toEqual([
      ['failed', 1500],
      ['failed', 1500],
    ]);

    const { client: waiting, adhesion: pending } = await applicant('validee_agent', '8'); // never answered
    const w = new Phone(t, waiting.phone);
    await w.dial();
    expect(await w.sendAll('8', '1', PIN)).toBe(STARTED);
    expect(await w.dial()).toBe(MAIN_FEE);
    expect(await w.sendAll('8', '1', PIN)).toBe(
      'END Un paiement des frais est deja en cours: confirmez-le sur votre telephone, puis attendez le SMS.',
    );
    expect(await t.deps.db.manager.countBy(PaymentTransaction, { purposeRef: String(pending.id) })).toBe(1);
  });

  it('keeps the dial-string shortcuts: *123*6# opens Mon compte, *123*8# the fee', async () => {
    const { client } = await applicant('validee_agent');
    const account = new Phone(t, client.phone);
    account.sessionId = `ATUid_fee_dial_${client.id}_6`;
    expect(await account.post('6')).toBe(
      `CON Mon compte\n1. Langue\n2. Changer PIN\n3. PIN oublie\n4. Mes informations${FOOTER}`,
    );
    const fee = new Phone(t, client.phone);
    fee.sessionId = `ATUid_fee_dial_${client.id}_8`;
    expect(await fee.post('8')).toBe(SUMMARY);
  });

  it('lists the fees when several await, in English', async () => {
    const { client } = await applicant('validee_agent', '2', { language: 'en' });
    const port = await makeTontine(t, sfd, { name: 'Tontine Port', joiningFee: 2500 });
    await adhesionOf(client, port, 'en_cours_paiement'); // a start that never reached the provider
    const p = new Phone(t, client.phone);
    expect(await p.dial()).toBe(
      'CON TontiFlex\n8. Pay joining fee\n1. Contribute\n2. My balances\n3. Join a tontine\n4. Savings\n5. Loans\n6. My account\n7. Help',
    );
    expect(await p.send('8')).toBe(
      'CON Pay the joining fee of which tontine?\n1. Tontine Marche (1 500 FCFA)\n2. Tontine Port (2 500 FCFA)\n0. Back 00. Home',
    );
    expect(await p.send('2')).toBe(
      'CON Joining fee\nTontine: Tontine Port\nAmount: 2 500 FCFA\n1. Pay\n0. Back 00. Home',
    );
  });
});
