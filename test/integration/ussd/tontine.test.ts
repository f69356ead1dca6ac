import { User, type Sfd } from '../../../src/accounts/entities';
import { PaymentTransaction } from '../../../src/payments/entities';
import {
  Adhesion,
  Carnet,
  Cotisation,
  TontineParticipant,
  type Tontine,
} from '../../../src/tontines/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeTontine, makeUser, tokenFor } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';

/**
 * The tontine menus over HTTP as Africa's Talking sends them: a newcomer registers and asks to join;
 * the agent validates and the fee is paid (simulator); the participant contributes twice by USSD
 * (mobile money through the simulator) and reads the balance and carnet progress.
 */
let t: TestApp;
let sfd: Sfd;
let marche: Tontine;

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '50' });
  sfd = await makeSfd(t, 'TNT');
  marche = await makeTontine(t, sfd, {
    name: 'Tontine Marche',
    stakeMin: 200,
    stakeMax: 5000,
    joiningFee: 1000,
  });
  await makeTontine(t, sfd, { name: 'Tontine Fermee', status: 'fermee' });
  // Another SFD's tontine is never offered.
  await makeTontine(t, await makeSfd(t, 'OTH'), { name: 'Tontine Ailleurs' });
});
afterAll(() => t.close());

const FOOTER = '\n0. Retour 00. Accueil';
const MAIN =
  'CON TontiFlex\n1. Cotiser\n2. Mes soldes\n3. Rejoindre une tontine\n4. Epargne\n5. Prets\n6. Mon compte\n7. Aide';
const NEW_PIN = '7391';

async function settled(where: { clientId: number; purposeRef: string }) {
  for (let i = 0; i < 300; i++) {
    const p = await t.deps.db.manager.findOneBy(PaymentTransaction, where);
    if (p && p.status !== 'pending') return p;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`payment ${JSON.stringify(where)} still pending`);
}

describe('register, join, contribute, balances', () => {
  // The simulator fails numbers ending in 9 and never answers those ending in 8.
  let p: Phone;
  let user: User;
  let participant: TontineParticipant;

  beforeAll(() => {
    p = new Phone(t, '+2290196400052');
  });

  it('registers a newcomer', async () => {
    await p.dial();
    const sfds = await p.sendAll('1', 'houngbo', 'awa');
    const pick = /(\d+)\. SFD TNT/.exec(sfds);
    expect(pick).not.toBeNull();
    await p.send(pick![1]);
    expect(await p.sendAll('1', NEW_PIN, NEW_PIN)).toMatch(/^END Bienvenue Awa !/);
    user = await t.deps.db.manager.findOneByOrFail(User, { phone: p.number });
  });

  it('joins: the SFD active tontines with their range, the stake checked, the fee shown, back and home', async () => {
    expect(await p.dial()).toBe(MAIN);
    expect(await p.send('3')).toBe(
      `CON Rejoindre une tontine de votre SFD\n1. Voir les tontines ouvertes${FOOTER}`,
    );
    const list = `CON Choisissez une tontine (mise par jour):\n1. Tontine Marche (200-5 000 FCFA)${FOOTER}`;
    expect(await p.send('1')).toBe(list);
    expect(await p.send('1')).toBe(`CON Tontine Marche\nMise par jour, de 200 a 5 000 FCFA:${FOOTER}`);
    expect(await p.send('mille')).toBe(
      `CON Montant invalide: entrez un nombre en FCFA.\nTontine Marche\nMise par jour, de 200 a 5 000 FCFA:${FOOTER}`,
    );
    expect(await p.send('100')).toBe(
      `CON Mise entre 200 et 5 000 FCFA.\nEntrez votre mise par jour:${FOOTER}`,
    );
    expect(await p.send('0')).toBe(`CON Tontine Marche\nMise par jour, de 200 a 5 000 FCFA:${FOOTER}`);
    expect(await p.send('00')).toBe(MAIN);
    await p.sendAll('3', '1', '1');
    expect(await p.send('1500')).toBe(
      `CON Tontine Marche\nMise: 1 500 FCFA par jour\nFrais d'adhesion: 1 000 FCFA, a payer apres accord de l'agent\n1. Confirmer${FOOTER}`,
    );
    expect(await p.send('1')).toBe('END Demande envoyee. Un agent vous contactera.');

    const adhesions = await t.deps.db.manager.findBy(Adhesion, { clientId: user.id });
    expect(adhesions.map((a) => [a.tontineId, a.stake, a.status, a.submittedBy])).toEqual([
      [marche.id, 1500, 'demande_soumise', null],
    ]);
    // Asking twice is said, not recorded.
    await p.dial();
    expect(await p.sendAll('3', '1', '1', '1500', '1')).toBe(
      'END Vous etes deja membre de cette tontine ou une demande est en cours.',
    );
    expect(await t.deps.db.manager.countBy(Adhesion, { clientId: user.id })).toBe(1);
  });

  it('the agent validates, the fee is paid through the simulator: a participant', async () => {
    const agent = await makeUser(t, 'agent_sfd', sfd);
    const agentToken = await tokenFor(t, agent);
    const [adhesion] = await t.deps.db.manager.findBy(Adhesion, { clientId: user.id });
    const decided = await t.request
      .post(`/api/tontines/adhesions/${adhesion.id}/valider-agent/`)
      .set('Authorization', `Bearer ${agentToken}`)
      .send({ decision: 'approve' });
    expect(decided.status).toBe(200);
    const paid = await t.request
      .post(`/api/tontines/adhesions/${adhesion.id}/payer/`)
      .set('Authorization', `Bearer ${await tokenFor(t, user, NEW_PIN)}`)
      .send({});
    expect(paid.status).toBe(200);
    expect((await settled({ clientId: user.id, purposeRef: String(adhesion.id) })).status).toBe('success');
    participant = await t.deps.db.manager.findOneByOrFail(TontineParticipant, { clientId: user.id });
    expect(participant).toMatchObject({ tontineId: marche.id, stake: 1500, status: 'actif' });
  });

  it('contributes 3 days: summary with the commission, PIN last, paid through the simulator', async () => {
    expect(await p.dial()).toBe(MAIN);
    expect(await p.send('1')).toBe(`CON Cotiser\nNombre de jours a payer (1 a 31):${FOOTER}`);
    expect(await p.send('32')).toBe(
      `CON Nombre de jours invalide: 1 a 31.\nCotiser\nNombre de jours a payer (1 a 31):${FOOTER}`,
    );
    // One tontine: no choice to make.
    expect(await p.send('3')).toBe(
      'CON Tontine Marche: 3 case(s) de 1 500 FCFA\nMontant: 4 500 FCFA\nDont commission (case 1 du carnet): 1 500 FCFA\nApres: Carnet 1: 3/31\n1. Confirmer' +
        FOOTER,
    );
    expect(await p.send('1')).toBe(`CON Entrez votre PIN pour payer:${FOOTER}`);
    expect(await p.send('4827')).toBe(`CON PIN incorrect. Entrez votre PIN:${FOOTER}`);
    expect(
      await t.deps.db.manager.countBy(PaymentTransaction, { clientId: user.id, type: 'cotisation_tontine' }),
    ).toBe(0);
    expect(await p.send(NEW_PIN)).toBe(
      'END Confirmez le paiement sur votre telephone. Vous recevrez un SMS de recu.',
    );
    const payment = await settled({ clientId: user.id, purposeRef: `${participant.id}:3` });
    expect(payment).toMatchObject({
      status: 'success',
      amount: 4500,
      phone: p.number,
      type: 'cotisation_tontine',
    });
    const cotisation = await t.deps.db.manager.findOneByOrFail(Cotisation, {
      paymentReference: payment.reference,
    });
    expect(cotisation).toMatchObject({ status: 'confirmee', days: 3, amount: 4500, commission: 1500 });
    // Once paid, the receipt SMS gives the carnet progress.
    expect((await t.inbox.to(p.number)).at(-1)?.body).toMatch(/ 4 500 FCFA .*Carnet 1: 3\/31/);
  });

  it('reads the balance and carnet progress behind the PIN', async () => {
    await p.dial();
    expect(await p.send('2')).toBe(`CON Mes soldes\nEntrez votre PIN:${FOOTER}`);
    expect(await p.send(NEW_PIN)).toBe(
      `CON Mes soldes\n1. Tontine Marche: 3 000 FCFA, Carnet 1: 3/31${FOOTER}`,
    );
  });

  it('contributes 31 more days: the overflow starts carnet 2 with its commission', async () => {
    // The balances were left on screen: the next dial offers to go back there.
    expect(await p.dial()).toBe('CON Session interrompue.\n1. Reprendre: Mes soldes\n2. Menu principal');
    expect(await p.send('2')).toBe(MAIN);
    expect(await p.sendAll('1', '31')).toBe(
      'CON Tontine Marche: 31 case(s) de 1 500 FCFA\nMontant: 46 500 FCFA\nDont commission (case 1 du carnet): 1 500 FCFA\nApres: Carnet 2: 3/31\n1. Confirmer' +
        FOOTER,
    );
    expect(await p.send('1')).toBe(`CON Entrez votre PIN pour payer:${FOOTER}`);
    // Back from the PIN: the same summary, nothing started.
    expect(await p.send('0')).toMatch(
      /^CON Tontine Marche: 31 case\(s\) de 1 500 FCFA\nMontant: 46 500 FCFA\n/,
    );
    expect(await t.deps.db.manager.countBy(PaymentTransaction, { purposeRef: `${participant.id}:31` })).toBe(
      0,
    );
    expect(await p.sendAll('1', NEW_PIN)).toMatch(/^END Confirmez le paiement sur votre telephone/);
    expect((await settled({ clientId: user.id, purposeRef: `${participant.id}:31` })).status).toBe('success');
    const carnets = await t.deps.db.manager.find(Carnet, {
      where: { participantId: participant.id },
      order: { cycle: 'ASC' },
    });
    expect(carnets.map((c) => [c.cycle, c.boxesPaid])).toEqual([
      [1, 31],
      [2, 3],
    ]);
    await p.dial();
    // 3 000 + 46 500 − 1 500 (box 1 of carnet 2).
    expect(await p.sendAll('2', NEW_PIN)).toBe(
      `CON Mes soldes\n1. Tontine Marche: 48 000 FCFA, Carnet 2: 3/31${FOOTER}`,
    );
  });
});

describe('a client with no tontine', () => {
  it('is told so on Cotiser and on Mes soldes', async () => {
    const client = await makeUser(t, 'client', sfd);
    const p = new Phone(t, client.phone);
    await p.dial();
    expect(await p.sendAll('1', '2')).toBe(
      "END Vous n'avez pas de tontine. Choisissez 3 au menu pour en rejoindre une.",
    );
    await p.dial();
    expect(await p.sendAll('2', '4827')).toBe(
      "END Vous n'avez pas de tontine. Choisissez 3 au menu pour en rejoindre une.",
    );
  });

  it('dialling *123*2*<PIN># stops at the PIN screen: a PIN never rides in a dial string', async () => {
    const client = await makeUser(t, 'client', sfd);
    const p = new Phone(t, client.phone);
    p.sessionId = 'ATUid_tontine_dial_string';
    expect(await p.post('2*4827')).toBe(`CON Mes soldes\nEntrez votre PIN:${FOOTER}`);
  });

  it('of an SFD with no open tontine is told so on Rejoindre', async () => {
    const client = await makeUser(t, 'client', await makeSfd(t, 'NONE'));
    const p = new Phone(t, client.phone);
    await p.dial();
    expect(await p.sendAll('3', '1')).toBe('END Aucune tontine ouverte dans votre SFD pour le moment.');
  });
});
