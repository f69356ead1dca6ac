import type { Sfd, User } from '../../../src/accounts/entities';
import { Contestation, type TontineParticipant } from '../../../src/tontines/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, PIN, tokenFor } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';
import { cash, participantOf } from '../tontines/disputes-helpers';

/**
 * Cash collection with a dispute, over HTTP as Africa's Talking sends it: the agent records cash
 * through the API, the client disputes the receipt on USSD ("2. Mes soldes" → the tontine → "2.
 * Contester un recu"), the superviseur upholds it through the API and the client reads the new balance.
 */
const HOUR = 3_600_000;
const FOOTER = '\n0. Retour 00. Accueil';
const CODE_SCREEN = `Contester un recu\nCode du recu a contester:${FOOTER}`;
let t: TestApp;
let sfd: Sfd;
let agent: User;
let superviseur: User;
let client: User;
let participant: TontineParticipant;
let phone: Phone;

beforeAll(async () => {
  t = await startTestApp();
  t.clock.set(new Date('2026-03-02T08:00:00Z')); // 09:00 in Porto-Novo
  sfd = await makeSfd(t, 'UDS');
  agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });
  superviseur = await makeUser(t, 'superviseur_sfd', sfd);
  client = await makeUser(t, 'client', sfd);
  participant = await participantOf(t, sfd, client, 500);
  phone = new Phone(t, client.phone);
});
afterAll(() => t.close());

/** Dials and goes to the dispute's first screen through Mes soldes and the tontine. */
async function disputeScreen(): Promise<string> {
  // A session left on a CON screen offers to resume it: 2 is the main menu.
  if ((await phone.dial()).startsWith('CON Session interrompue')) await phone.send('2');
  expect(await phone.sendAll('2', PIN)).toMatch(/^CON Mes soldes\n1\. Tontine du marche: /);
  expect(await phone.send('1')).toMatch(/\n2\. Contester un recu\n0\. Retour 00\. Accueil$/);
  return phone.send('2');
}

it('disputes a cash receipt: the code, the receipt shown, the dispute recorded; then "already"', async () => {
  const receipt = await cash(t, await tokenFor(t, agent), participant.id, 3);
  t.clock.advance(2 * HOUR);

  expect(await disputeScreen()).toBe(`CON ${CODE_SCREEN}`);
  expect(await phone.send('K7M')).toBe(
    `CON Code invalide: les 6 lettres ou chiffres du SMS de recu.\n${CODE_SCREEN}`,
  );
  expect(await phone.send(` ${receipt.receipt_code.toLowerCase()}`)).toBe(
    `CON Recu ${receipt.receipt_code} du 02/03/2026 09:00\nMontant: 1 500 FCFA\nAgent: Koffi Agbo\n` +
      `L'agent a pris plus que ce montant ?\n1. Contester${FOOTER}`,
  );
  expect(await t.deps.db.manager.countBy(Contestation, { cotisationId: receipt.id })).toBe(0);
  expect(await phone.send('1')).toBe(
    "END Contestation enregistree. Le superviseur de l'agent va l'examiner; vous recevrez sa decision par SMS.",
  );
  const disputes = await t.deps.db.manager.findBy(Contestation, { cotisationId: receipt.id });
  expect(disputes.map((d) => [d.status, d.channel, d.agentId, d.clientId])).toEqual([
    ['ouverte', 'ussd', agent.id, client.id],
  ]);
  expect((await t.inbox.to(client.phone)).at(-1)?.body).toBe(
    `TontiFlex: contestation du recu ${receipt.receipt_code} (1 500 FCFA, agent Koffi Agbo) enregistree. ` +
      "Le superviseur de l'agent va l'examiner; sa decision vous sera envoyee par SMS.",
  );

  await disputeScreen();
  expect(await phone.send(receipt.receipt_code)).toBe(
    "END Ce recu est deja conteste. Le superviseur l'examine; vous recevrez sa decision par SMS.",
  );

  // The superviseur upholds it: 2 more days recorded; Mes soldes shows them.
  const decided = await t.request
    .post(`/api/tontines/contestations/${disputes[0].id}/decider/`)
    .set('Authorization', `Bearer ${await tokenFor(t, superviseur)}`)
    .send({ decision: 'approve', days_missing: 2 });
  expect([decided.status, decided.body.status]).toEqual([200, 'fondee']);
  await phone.dial();
  expect(await phone.sendAll('2', PIN)).toBe(
    `CON Mes soldes\n1. Tontine du marche: 2 000 FCFA, Carnet 1: 5/31${FOOTER}`,
  );
});

it("refuses a code that is not one of the client's receipts, and a receipt past 48 h", async () => {
  const other = await makeUser(t, 'client', sfd);
  const agentToken = await tokenFor(t, agent);
  const theirs = await cash(t, agentToken, (await participantOf(t, sfd, other)).id, 1);
  expect(await disputeScreen()).toBe(`CON ${CODE_SCREEN}`);
  expect(await phone.send(theirs.receipt_code)).toBe(
    'END Aucun recu en especes avec ce code parmi vos cotisations. Verifiez le code du SMS.',
  );

  const old = await cash(t, agentToken, participant.id, 1);
  t.clock.advance(48 * HOUR + 60_000);
  await disputeScreen();
  expect(await phone.send(old.receipt_code)).toBe(
    'END Ce recu a plus de 48 h: il ne peut plus etre conteste. Passez a votre agence.',
  );
  expect(await t.deps.db.manager.countBy(Contestation, { cotisationId: old.id })).toBe(0);
  expect(await t.deps.db.manager.countBy(Contestation, { cotisationId: theirs.id })).toBe(0);
});
