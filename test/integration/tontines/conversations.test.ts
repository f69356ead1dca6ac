import { randomUUID } from 'node:crypto';
import { User, type Sfd } from '../../../src/accounts/entities';
import { PaymentTransaction } from '../../../src/payments/entities';
import {
  Adhesion,
  Contestation,
  Retrait,
  TontineParticipant,
  type Tontine,
} from '../../../src/tontines/entities';
import { ledgerBalance } from '../../helpers/ledger';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeTontine, makeUser, tokenFor } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';
import { smsIn } from './disputes-helpers';

/**
 * Issue 12's two whole conversations over HTTP, as Africa's Talking sends them (USSD hops, incoming SMS)
 * and as the back office calls the API, against the real MySQL and Redis and the payment simulator:
 * 1. register → join → the agent validates → the fee paid (simulator) → contribute twice → balances →
 *    withdrawal request → the agent approves → payout (simulator) → balance;
 * 2. cash collection: the agent records cash, the client disputes the receipt by SMS (`NON <code>`), the
 *    superviseur upholds it, the client reads the corrected balance, the agent hands the cash to the
 *    branch and a superviseur counts it.
 * Stake 500 a day throughout; every figure is worked out in the comments.
 */
let t: TestApp;
let sfd: Sfd;
let tontine: Tontine;
let agentToken: string;
let superviseurToken: string;

const FOOTER = '\n0. Retour 00. Accueil';
const PIN = '7391';

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '30' });
  sfd = await makeSfd(t, 'CNV');
  tontine = await makeTontine(t, sfd, {
    name: 'Tontine Zogbo',
    stakeMin: 200,
    stakeMax: 5000,
    joiningFee: 1000,
    minWithdrawal: 500,
  });
  const agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });
  agentToken = await tokenFor(t, agent);
  superviseurToken = await tokenFor(t, await makeUser(t, 'superviseur_sfd', sfd));
});
afterAll(() => t.close());

async function until<T>(read: () => Promise<T | null | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await read();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what}: not in time`);
}

const settled = (where: { clientId: number; purpose: string; purposeRef: string }) =>
  until(async () => {
    const p = await t.deps.db.manager.findOneBy(PaymentTransaction, where);
    return p && p.status !== 'pending' ? p : null;
  }, `payment ${where.purposeRef}`);

const balanceOf = (code: string) => ledgerBalance(t, code);

const smsTo = async (phone: string) => (await t.inbox.to(phone)).map((m) => m.body);

/** A newcomer registers on USSD (names, the SFD, a PIN), then asks to join the tontine at 500 a day. */
async function registerAndJoin(p: Phone, firstName: string): Promise<User> {
  await p.dial();
  const sfds = await p.sendAll('1', 'dossou', firstName);
  const pick = /(\d+)\. SFD CNV/.exec(sfds);
  expect(pick).not.toBeNull();
  await p.send(pick![1]);
  expect(await p.sendAll('1', PIN, PIN)).toMatch(/^END Bienvenue /);
  const user = await t.deps.db.manager.findOneByOrFail(User, { phone: p.number });

  await p.dial();
  await p.sendAll('3', '1', '1');
  expect(await p.send('500')).toBe(
    `CON Tontine Zogbo\nMise: 500 FCFA par jour\nFrais d'adhesion: 1 000 FCFA, a payer apres accord de l'agent\n1. Confirmer${FOOTER}`,
  );
  expect(await p.send('1')).toBe('END Demande envoyee. Un agent vous contactera.');
  return user;
}

/** The agent validates the adhesion through the API; the client pays the fee from the main menu's 8. */
async function validateAndPayFee(p: Phone, user: User): Promise<TontineParticipant> {
  const adhesion = await t.deps.db.manager.findOneByOrFail(Adhesion, { clientId: user.id });
  const decided = await t.request
    .post(`/api/tontines/adhesions/${adhesion.id}/valider-agent/`)
    .set('Authorization', `Bearer ${agentToken}`)
    .send({ decision: 'approve' });
  expect(decided.status).toBe(200);
  expect(decided.body.status).toBe('validee_agent');

  expect(await p.dial()).toMatch(/^CON TontiFlex\n8\. Payer frais d'adhesion\n1\. Cotiser\n/);
  expect(await p.send('8')).toBe(
    `CON Frais d'adhesion\nTontine: Tontine Zogbo\nMontant: 1 000 FCFA\n1. Payer${FOOTER}`,
  );
  expect(await p.sendAll('1', PIN)).toBe(
    'END Confirmez le paiement sur votre telephone. Un SMS vous dira quand vous serez membre.',
  );
  const fee = await settled({
    clientId: user.id,
    purpose: 'adhesion_tontine',
    purposeRef: String(adhesion.id),
  });
  expect(fee).toMatchObject({ status: 'success', amount: 1000, type: 'adhesion_tontine' });
  const participant = await t.deps.db.manager.findOneByOrFail(TontineParticipant, { clientId: user.id });
  expect(participant).toMatchObject({ tontineId: tontine.id, stake: 500, status: 'actif' });
  // The fee paid, the main menu no longer offers it.
  expect(await p.dial()).toMatch(/^CON TontiFlex\n1\. Cotiser\n/);
  return participant;
}

describe('conversation 1: mobile money from registration to a paid-out withdrawal', () => {
  // The simulator pays numbers ending in 1.
  let p: Phone;
  let user: User;
  let participant: TontineParticipant;

  beforeAll(() => {
    p = new Phone(t, '+2290196500031');
  });

  it('registers, joins, is validated and pays the fee: a participant', async () => {
    user = await registerAndJoin(p, 'afi');
    participant = await validateAndPayFee(p, user);
  });

  it('contributes twice by USSD: 3 days (box 1 is the commission), then 10', async () => {
    // 3 days × 500 = 1 500, of which box 1 (500) is the SFD's commission: balance 1 000.
    expect(await p.sendAll('1', '3')).toBe(
      'CON Tontine Zogbo: 3 case(s) de 500 FCFA\nMontant: 1 500 FCFA\nDont commission (case 1 du carnet): 500 FCFA\nApres: Carnet 1: 3/31\n1. Confirmer' +
        FOOTER,
    );
    expect(await p.sendAll('1', PIN)).toMatch(/^END Confirmez le paiement sur votre telephone/);
    expect(
      await settled({ clientId: user.id, purpose: 'cotisation_tontine', purposeRef: `${participant.id}:3` }),
    ).toMatchObject({
      status: 'success',
      amount: 1500,
    });
    // 10 days × 500 = 5 000, no commission (carnet 1 under way): balance 6 000, carnet 1 at 13/31.
    await p.dial();
    expect(await p.sendAll('1', '10')).toBe(
      'CON Tontine Zogbo: 10 case(s) de 500 FCFA\nMontant: 5 000 FCFA\nApres: Carnet 1: 13/31\n1. Confirmer' +
        FOOTER,
    );
    expect(await p.sendAll('1', PIN)).toMatch(/^END Confirmez le paiement sur votre telephone/);
    const second = await settled({
      clientId: user.id,
      purpose: 'cotisation_tontine',
      purposeRef: `${participant.id}:10`,
    });
    expect(second.status).toBe('success');
    expect(await balanceOf(`tontine:${participant.id}`)).toBe(6000);
  });

  it('reads the balance, asks to withdraw 4 000; the agent approves; the payout lands; 2 000 left', async () => {
    await p.dial();
    expect(await p.sendAll('2', PIN)).toBe(
      `CON Mes soldes\n1. Tontine Zogbo: 6 000 FCFA, Carnet 1: 13/31${FOOTER}`,
    );
    expect(await p.send('1')).toBe(
      'CON Tontine Zogbo\nSolde: 6 000 FCFA\nCarnet 1: 13/31\nDisponible au retrait: 6 000 FCFA\n1. Retirer\n2. Contester un recu' +
        FOOTER,
    );
    expect(await p.sendAll('1', '4000', '1')).toBe(`CON Entrez votre PIN pour demander le retrait:${FOOTER}`);
    expect(await p.send(PIN)).toBe(
      'END Demande de retrait de 4 000 FCFA envoyee; un agent va la valider. Vous recevrez un SMS.',
    );
    const retrait = await t.deps.db.manager.findOneByOrFail(Retrait, { participantId: participant.id });
    expect(retrait).toMatchObject({ amount: 4000, status: 'pending' });

    // The agent finds it in the SFD's pending list and approves it, paid by mobile money.
    const pending = await t.request
      .get(`/api/tontines/retraits/?status=pending&client_id=${user.id}`)
      .set('Authorization', `Bearer ${agentToken}`);
    expect(pending.body.results.map((r: { id: number }) => r.id)).toEqual([retrait.id]);
    const approved = await t.request
      .post(`/api/tontines/retraits/${retrait.id}/valider/`)
      .set('Authorization', `Bearer ${agentToken}`)
      .send({ decision: 'approve', method: 'mobile_money' });
    expect(approved.status).toBe(200);
    const payout = await settled({
      clientId: user.id,
      purpose: 'retrait_tontine',
      purposeRef: String(retrait.id),
    });
    expect(payout).toMatchObject({ direction: 'payout', status: 'success', amount: 4000, phone: p.number });
    await until(
      async () =>
        (await t.deps.db.manager.findOneByOrFail(Retrait, { id: retrait.id })).status === 'confirmee',
      'withdrawal confirmee',
    );

    // 6 000 − 4 000.
    expect(await balanceOf(`tontine:${participant.id}`)).toBe(2000);
    await p.dial();
    expect(await p.sendAll('2', PIN)).toBe(
      `CON Mes soldes\n1. Tontine Zogbo: 2 000 FCFA, Carnet 1: 13/31${FOOTER}`,
    );
    // Every SMS of the conversation, exact (the references are the payments'). Sorted: SMS queued in one
    // transaction are sent by parallel workers, in any order.
    const refs = (
      await t.deps.db.manager.find(PaymentTransaction, { where: { clientId: user.id }, order: { id: 'ASC' } })
    ).map((x) => x.reference);
    expect((await smsTo(p.number)).sort()).toEqual(
      [
        "Bienvenue sur TontiFlex, Afi ! Votre compte chez SFD CNV est cree. Passez en agence avec votre piece d'identite pour le valider.",
        "TontiFlex: votre demande d'adhesion a la tontine Tontine Zogbo (SFD CNV) est acceptee. Mise: 500 FCFA/jour. Payez les frais d'adhesion de 1 000 FCFA pour commencer.",
        `TontiFlex: paiement de 1 000 FCFA recu. Ref ${refs[0]}. Merci.`,
        'TontiFlex: bienvenue dans la tontine Tontine Zogbo. Mise: 500 FCFA/jour. Carnet 1: 0/31. Cotisez quand vous voulez.',
        `TontiFlex: cotisation de 1 500 FCFA recue (3 case(s)). Carnet 1: 3/31. Nouveau solde tontine: 1 000 FCFA. Ref ${refs[1]}.`,
        `TontiFlex: cotisation de 5 000 FCFA recue (10 case(s)). Carnet 1: 13/31. Nouveau solde tontine: 6 000 FCFA. Ref ${refs[2]}.`,
        `TontiFlex: demande de retrait de 4 000 FCFA sur la tontine Tontine Zogbo recue (ref R${retrait.id}). Un agent va la traiter.`,
        `TontiFlex: retrait de 4 000 FCFA (tontine Tontine Zogbo, ref R${retrait.id}) accepte. L'argent est envoye sur votre compte mobile money.`,
        `TontiFlex: 4 000 FCFA envoyes sur votre compte mobile money. Ref ${payout.reference}.`,
      ].sort(),
    );
    expect(refs[3]).toBe(payout.reference);
  });
});

describe('conversation 2: cash collection, a disputed receipt, the remittance to the branch', () => {
  let p: Phone;
  let user: User;
  let participant: TontineParticipant;

  beforeAll(() => {
    p = new Phone(t, '+2290196500041');
  });

  it('registers, joins, is validated and pays the fee', async () => {
    user = await registerAndJoin(p, 'bola');
    participant = await validateAndPayFee(p, user);
  });

  it('the agent collects 5 days in cash; the client disputes the receipt by SMS; the superviseur upholds 2 days', async () => {
    // 5 days × 500 = 2 500 in the agent's hands, of which box 1 (500) is commission: balance 2 000.
    const collected = await t.request
      .post(`/api/tontines/participants/${participant.id}/cotiser/`)
      .set('Authorization', `Bearer ${agentToken}`)
      .set('Idempotency-Key', randomUUID())
      .send({ days: 5, method: 'cash' });
    expect(collected.status).toBe(201);
    const code = collected.body.receipt_code as string;
    expect((await smsTo(p.number)).at(-1)).toBe(
      `TontiFlex: l'agent Koffi Agbo a recu 2 500 FCFA en especes (5 case(s)). Carnet 1: 5/31. Solde tontine: 2 000 FCFA. Code ${code}. Repondez NON ${code} si incorrect.`,
    );

    // The collector took 7 days' cash (3 500) and recorded 5: the client answers NON <code>.
    expect((await smsIn(t, p.number, `non ${code}`)).status).toBe(200);
    const dispute = await until(
      () => t.deps.db.manager.findOneBy(Contestation, { cotisationId: collected.body.id }),
      'dispute',
    );
    expect(dispute).toMatchObject({ status: 'ouverte', channel: 'sms', clientId: user.id });

    // The superviseur sees it in the SFD's open disputes and upholds it: 2 days missing.
    const open = await t.request
      .get('/api/tontines/contestations/?status=ouverte')
      .set('Authorization', `Bearer ${superviseurToken}`);
    expect(open.body.results.map((d: { id: number }) => d.id)).toEqual([dispute.id]);
    const upheld = await t.request
      .post(`/api/tontines/contestations/${dispute.id}/decider/`)
      .set('Authorization', `Bearer ${superviseurToken}`)
      .send({ decision: 'approve', days_missing: 2 });
    expect(upheld.status).toBe(200);
    expect(upheld.body.status).toBe('fondee');
    const correction = await t.deps.db.manager.findOneByOrFail(Contestation, { id: dispute.id });
    expect(correction).toMatchObject({ daysMissing: 2, correctionCotisationId: expect.any(Number) });
    const sms = await smsTo(p.number);
    const correctionCode = sms
      .map((m) => /^TontiFlex: l'agent Koffi Agbo a recu 1 000 FCFA .*Code (\w{6})\./.exec(m)?.[1])
      .find(Boolean);
    // The acknowledgement first; the correction's receipt and the decision share a transaction (any order).
    expect(sms.slice(-3, -2)).toEqual([
      `TontiFlex: contestation du recu ${code} (2 500 FCFA, agent Koffi Agbo) enregistree. Le superviseur de l'agent va l'examiner; sa decision vous sera envoyee par SMS.`,
    ]);
    expect(sms.slice(-2).sort()).toEqual([
      `TontiFlex: l'agent Koffi Agbo a recu 1 000 FCFA en especes (2 case(s)). Carnet 1: 7/31. Solde tontine: 3 000 FCFA. Code ${correctionCode}. Repondez NON ${correctionCode} si incorrect.`,
      `TontiFlex: votre contestation du recu ${code} est fondee: 2 case(s) de plus enregistree(s), 1 000 FCFA. Solde tontine: 3 000 FCFA.`,
    ]);

    // 2 000 + 2 × 500 (carnet 1 under way: no commission) = 3 000; carnet 1 at 7/31.
    expect(await balanceOf(`tontine:${participant.id}`)).toBe(3000);
    await p.dial();
    expect(await p.sendAll('2', PIN)).toBe(
      `CON Mes soldes\n1. Tontine Zogbo: 3 000 FCFA, Carnet 1: 7/31${FOOTER}`,
    );
  });

  it('the agent hands the 3 500 to the branch; a superviseur counts 3 400: a variance of −100 on the agent', async () => {
    const desk = await t.request
      .get('/api/tontines/collecte/caisse/')
      .set('Authorization', `Bearer ${agentToken}`);
    expect(desk.body.cash_on_hand).toBe(3500);
    const declared = await t.request
      .post('/api/tontines/collecte/versements/')
      .set('Authorization', `Bearer ${agentToken}`)
      .send({ amount: 3500 });
    expect(declared.status).toBe(201);
    const counted = await t.request
      .post(`/api/tontines/collecte/versements/${declared.body.id}/confirmer/`)
      .set('Authorization', `Bearer ${superviseurToken}`)
      .send({ counted_amount: 3400 });
    expect(counted.status).toBe(200);
    expect(counted.body).toMatchObject({
      status: 'confirme',
      declared_amount: 3500,
      counted_amount: 3400,
      variance: -100,
    });
    const after = await t.request
      .get('/api/tontines/collecte/caisse/')
      .set('Authorization', `Bearer ${agentToken}`);
    expect(after.body).toMatchObject({ cash_on_hand: 0, variance: -100 });
  });
});
