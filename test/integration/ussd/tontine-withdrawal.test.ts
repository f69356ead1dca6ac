import type { Sfd, User } from '../../../src/accounts/entities';
import { Notification } from '../../../src/notifications/inapp-entities';
import { Carnet, Retrait, type TontineParticipant } from '../../../src/tontines/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, PIN } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';
import { fundedParticipant } from '../tontines/withdrawals-helpers';

/**
 * "2. Mes soldes" → a tontine → "1. Retirer" over HTTP as Africa's Talking sends it: the amount checked
 * against the tontine's minimum and the available balance (said, and asked again), the confirmation,
 * the PIN last, the request recorded pending for an agent, the client's SMS; a refusal on the re-check
 * (another request meanwhile) ends clearly.
 */
let t: TestApp;
let sfd: Sfd;

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'WDR');
  await makeUser(t, 'agent_sfd', sfd); // the SFD's agent, told of each request
});
afterAll(() => t.close());

const FOOTER = '\n0. Retour 00. Accueil';
const AMOUNT = (max: string) => `Retirer\nMontant en FCFA, de 500 a ${max}:${FOOTER}`;

/** A client whose participation in "Tontine Dantokpa" holds `balance`, in carnet 2 at box 17. */
async function funded(
  balance: number,
): Promise<{ client: User; participant: TontineParticipant; phone: Phone }> {
  const client = await makeUser(t, 'client', sfd);
  const participant = await fundedParticipant(t, sfd, client, balance, {
    minWithdrawal: 500,
    name: 'Tontine Dantokpa',
  });
  const m = t.deps.db.manager;
  const now = t.clock.now();
  await m.save(
    m.create(Carnet, {
      sfdId: sfd.id,
      participantId: participant.id,
      cycle: 2,
      stake: 500,
      startedOn: '2026-11-10',
      boxesPaid: 17,
      completedAt: null,
      createdAt: now,
      updatedAt: now,
    }),
  );
  return { client, participant, phone: new Phone(t, client.phone) };
}

/** Dials, opens Mes soldes behind the PIN and chooses the tontine: its screen. */
async function openTontine(p: Phone): Promise<string> {
  await p.dial();
  expect(await p.sendAll('2', PIN)).toMatch(/^CON Mes soldes\n1\. Tontine Dantokpa: /);
  return p.send('1');
}

describe('Mes soldes → a tontine → Retirer', () => {
  it('checks the amount, confirms, asks the PIN last and sends the request to an agent', async () => {
    const { client, participant, phone: p } = await funded(20_000);
    await p.dial();
    await p.send('2');
    expect(await p.send(PIN)).toBe(
      `CON Mes soldes\n1. Tontine Dantokpa: 20 000 FCFA, Carnet 2: 17/31${FOOTER}`,
    );
    expect(await p.send('1')).toBe(
      'CON Tontine Dantokpa\nSolde: 20 000 FCFA\nCarnet 2: 17/31\nDisponible au retrait: 20 000 FCFA\n1. Retirer\n2. Contester un recu' +
        FOOTER,
    );
    expect(await p.send('1')).toBe(`CON ${AMOUNT('20 000')}`);
    // Above what is available, below the minimum, not a number: said, and asked again.
    expect(await p.send('25000')).toBe(
      `CON Vous pouvez retirer au plus 20 000 FCFA.\nMontant a retirer:${FOOTER}`,
    );
    expect(await p.send('300')).toBe(`CON Le retrait minimum est de 500 FCFA.\nMontant a retirer:${FOOTER}`);
    expect(await p.send('5 000')).toBe(
      `CON Montant invalide: entrez un nombre entier de FCFA.\nLe retrait minimum est de 500 FCFA.\nMontant a retirer:${FOOTER}`,
    );
    expect(await p.send('5000')).toBe(
      `CON Retrait de 5 000 FCFA\nTontine: Tontine Dantokpa\nUn agent validera la demande.\n1. Confirmer${FOOTER}`,
    );
    expect(await p.send('1')).toBe(`CON Entrez votre PIN pour demander le retrait:${FOOTER}`);
    expect(await p.send('0000')).toBe(`CON PIN incorrect. Entrez votre PIN:${FOOTER}`);
    expect(await t.deps.db.manager.countBy(Retrait, { participantId: participant.id })).toBe(0);
    expect(await p.send(PIN)).toBe(
      'END Demande de retrait de 5 000 FCFA envoyee; un agent va la valider. Vous recevrez un SMS.',
    );

    const retraits = await t.deps.db.manager.findBy(Retrait, { participantId: participant.id });
    expect(retraits.map((r) => [r.clientId, r.sfdId, r.amount, r.status])).toEqual([
      [client.id, sfd.id, 5000, 'pending'],
    ]);
    expect((await t.inbox.to(client.phone)).at(-1)?.body).toBe(
      `TontiFlex: demande de retrait de 5 000 FCFA sur la tontine Tontine Dantokpa recue (ref R${retraits[0].id}). Un agent va la traiter.`,
    );
    const notices = await t.deps.db.manager.findBy(Notification, { type: 'tontine_retrait_pending' });
    expect(notices.map((n) => JSON.parse(n.data ?? 'null') as unknown)).toContainEqual({
      retrait_id: retraits[0].id,
    });

    // The pending request is no longer available: the next one may ask 15 000 at most.
    expect(await openTontine(p)).toMatch(/\nDisponible au retrait: 15 000 FCFA\n/);
    expect(await p.sendAll('1', '20000')).toBe(
      `CON Vous pouvez retirer au plus 15 000 FCFA.\nMontant a retirer:${FOOTER}`,
    );
  });

  it('ends clearly when the balance moved before the PIN (another request meanwhile), and records nothing', async () => {
    const { client, participant, phone: p } = await funded(8_000);
    await openTontine(p);
    expect(await p.sendAll('1', '8000', '1')).toBe(`CON Entrez votre PIN pour demander le retrait:${FOOTER}`);
    // Meanwhile an agent records a 1 000 request for the client at the branch.
    const now = t.clock.now();
    await t.deps.db.manager.save(
      t.deps.db.manager.create(Retrait, {
        sfdId: sfd.id,
        participantId: participant.id,
        clientId: client.id,
        amount: 1000,
        status: 'pending',
        reason: null,
        decidedBy: null,
        decidedAt: null,
        paymentReference: null,
        createdAt: now,
        updatedAt: now,
      }),
    );
    expect(await p.send(PIN)).toBe(
      'END Solde disponible insuffisant pour ce retrait: une autre demande est peut-etre en cours. Consultez Mes soldes.',
    );
    expect(
      (await t.deps.db.manager.findBy(Retrait, { participantId: participant.id })).map((r) => r.amount),
    ).toEqual([1000]);
  });

  it('says so when less than the minimum is available; 2 opens the dispute of a receipt', async () => {
    const { participant, phone: p } = await funded(400);
    expect(await openTontine(p)).toMatch(/\nDisponible au retrait: 400 FCFA\n/);
    expect(await p.send('1')).toBe(
      'END Retrait impossible: le minimum est de 500 FCFA et vous avez 400 FCFA disponibles.',
    );
    expect(await openTontine(p)).toMatch(/^CON Tontine Dantokpa\n/);
    expect(await p.send('2')).toBe(`CON Contester un recu\nCode du recu a contester:${FOOTER}`);
    // Back: the tontine's screen again.
    expect(await p.send('0')).toMatch(/^CON Tontine Dantokpa\nSolde: 400 FCFA\n/);
    expect(await t.deps.db.manager.countBy(Retrait, { participantId: participant.id })).toBe(0);
  });

  it('speaks English', async () => {
    const client = await makeUser(t, 'client', sfd, { language: 'en' });
    await fundedParticipant(t, sfd, client, 3_000, { minWithdrawal: 500, name: 'Tontine Port' });
    const p = new Phone(t, client.phone);
    await p.dial();
    expect(await p.sendAll('2', PIN, '1')).toBe(
      'CON Tontine Port\nBalance: 3 000 FCFA\nCard 1: 0/31\nAvailable to withdraw: 3 000 FCFA\n1. Withdraw\n2. Dispute a receipt\n0. Back 00. Home',
    );
    expect(await p.sendAll('1', '3000', '1', PIN)).toBe(
      'END Withdrawal request of 3 000 FCFA sent; an agent will approve it. You will get an SMS.',
    );
  });
});
