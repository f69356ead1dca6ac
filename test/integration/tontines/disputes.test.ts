import type { Sfd, User } from '../../../src/accounts/entities';
import { AuditEvent } from '../../../src/accounts/entities';
import { Notification } from '../../../src/notifications/inapp-entities';
import { agentCashAccount, tontineAccount } from '../../../src/tontines/contributions';
import { Contestation, Cotisation, type TontineParticipant } from '../../../src/tontines/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';
import { balanceOf, cash, participantOf, smsIn } from './disputes-helpers';

/**
 * Disputes of cash receipts: `NON <code>` through the real inbound SMS callback (or the client's API
 * call), the 48 h window on the test clock, the superviseur's decision and what it records: the SMS
 * texts, the ledger and the notices exact.
 */
const HOUR = 3_600_000;
let t: TestApp;
let sfd: Sfd;
let agent: User;
let superviseur: User;
let admin: User;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  t.clock.set(new Date('2026-03-02T08:00:00Z')); // 09:00 in Porto-Novo
  sfd = await makeSfd(t, 'DSP');
  agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });
  superviseur = await makeUser(t, 'superviseur_sfd', sfd);
  admin = await makeUser(t, 'admin_sfd', sfd);
  await makeUser(t, 'superviseur_sfd', await makeSfd(t, 'DSX')); // another SFD's: told nothing
  await travel(0);
});
afterAll(() => t.close());

/** Moves the test clock on, and logs the staff in again (an access token lives 15 minutes). */
async function travel(ms: number) {
  t.clock.advance(ms);
  tokens.agent = await tokenFor(t, agent);
  tokens.superviseur = await tokenFor(t, superviseur);
  tokens.admin = await tokenFor(t, admin);
}

const lastSms = async (phone: string) => (await t.inbox.to(phone)).at(-1)?.body;
const disputesOf = (cotisationId: number) => t.deps.db.manager.findBy(Contestation, { cotisationId });
const decide = (id: number, body: object, token = tokens.superviseur) =>
  t.request
    .post(`/api/tontines/contestations/${id}/decider/`)
    .set('Authorization', `Bearer ${token}`)
    .send(body);

async function clientWithParticipant(
  fields: Partial<User> = {},
): Promise<{ client: User; participant: TontineParticipant }> {
  const client = await makeUser(t, 'client', sfd, fields);
  return { client, participant: await participantOf(t, sfd, client, 500) };
}

describe('NON <code> by SMS', () => {
  let client: User;
  let participant: TontineParticipant;
  let receipt: Awaited<ReturnType<typeof cash>>;
  let disputeId: number;

  beforeAll(async () => {
    ({ client, participant } = await clientWithParticipant());
    receipt = await cash(t, tokens.agent, participant.id, 3); // 1 500 FCFA, box 1 the commission
  });

  it('opens a dispute within 48 h (any case, spaces around): the reply, the notices, the audit row', async () => {
    await travel(48 * HOUR - 60_000);
    const res = await smsIn(t, client.phone, `  non ${receipt.receipt_code.toLowerCase()} `);
    expect([res.status, res.text]).toEqual([200, 'OK']);

    const [dispute] = await disputesOf(receipt.id);
    disputeId = dispute.id;
    expect(dispute).toMatchObject({
      sfdId: sfd.id,
      participantId: participant.id,
      clientId: client.id,
      agentId: agent.id,
      status: 'ouverte',
      channel: 'sms',
      daysMissing: null,
      correctionCotisationId: null,
    });
    expect(await lastSms(client.phone)).toBe(
      `TontiFlex: contestation du recu ${receipt.receipt_code} (1 500 FCFA, agent Koffi Agbo) enregistree. ` +
        "Le superviseur de l'agent va l'examiner; sa decision vous sera envoyee par SMS.",
    );
    const notices = await t.deps.db.manager.find(Notification, {
      where: { type: 'tontine_contestation_pending' },
      order: { userId: 'ASC' },
    });
    expect(notices.map((n) => [n.userId, n.data, n.readAt])).toEqual([
      [superviseur.id, JSON.stringify({ contestation_id: dispute.id }), null],
      [admin.id, JSON.stringify({ contestation_id: dispute.id }), null],
    ]);
    expect(notices[0].message).toBe(
      `${client.firstName} ${client.lastName} conteste le reçu ${receipt.receipt_code} du ` +
        "02/03/2026 09:00 : 1 500 FCFA en espèces enregistrés par l'agent Koffi Agbo. À examiner et décider.",
    );
    const audit = await t.deps.db.manager.findOneByOrFail(AuditEvent, {
      action: 'tontine.contestation.open',
      targetId: String(dispute.id),
    });
    expect([audit.actorId, audit.actorRole, audit.sfdId]).toEqual([client.id, 'client', sfd.id]);
  });

  it('a second NON for the same code answers "already" and opens nothing; an AT retry is answered once', async () => {
    const before = (await t.inbox.to(client.phone)).length;
    await smsIn(t, client.phone, `NON ${receipt.receipt_code}`, 'ATXid_retry');
    await smsIn(t, client.phone, `NON ${receipt.receipt_code}`, 'ATXid_retry');
    expect(await disputesOf(receipt.id)).toHaveLength(1);
    const sent = (await t.inbox.to(client.phone)).slice(before).map((m) => m.body);
    expect(sent).toEqual([
      `TontiFlex: le recu ${receipt.receipt_code} a deja ete conteste. La decision du superviseur vous est ` +
        'envoyee par SMS.',
    ]);
  });

  it('the superviseur upholds it: the missing days recorded as cash the agent owes, the client told', async () => {
    const agentBefore = await balanceOf(t, agentCashAccount(agent.id));
    expect(await balanceOf(t, tontineAccount(participant.id))).toBe(1000);

    const res = await decide(disputeId, { decision: 'approve', days_missing: 2 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: disputeId,
      status: 'fondee',
      days_missing: 2,
      decided_by: superviseur.id,
      receipt_code: receipt.receipt_code,
      amount: 1500,
      days: 3,
      agent_id: agent.id,
    });
    const correction = await t.deps.db.manager.findOneByOrFail(Cotisation, {
      id: res.body.correction_cotisation_id,
    });
    // Boxes 4 and 5 of carnet 1: no commission.
    expect(correction).toMatchObject({
      participantId: participant.id,
      method: 'cash',
      status: 'confirmee',
      collectedBy: agent.id,
      days: 2,
      amount: 1000,
      commission: 0,
      idempotencyKey: `contestation:${disputeId}`,
    });
    expect((await balanceOf(t, agentCashAccount(agent.id))) - agentBefore).toBe(-1000);
    expect(await balanceOf(t, tontineAccount(participant.id))).toBe(2000);

    const [correctionReceipt, outcome] = (await t.inbox.to(client.phone)).slice(-2).map((m) => m.body);
    expect(correctionReceipt).toBe(
      "TontiFlex: l'agent Koffi Agbo a recu 1 000 FCFA en especes (2 case(s)). Carnet 1: 5/31. Solde tontine: " +
        `2 000 FCFA. Code ${correction.receiptCode}. Repondez NON ${correction.receiptCode} si incorrect.`,
    );
    expect(outcome).toBe(
      `TontiFlex: votre contestation du recu ${receipt.receipt_code} est fondee: 2 case(s) de plus ` +
        'enregistree(s), 1 000 FCFA. Solde tontine: 2 000 FCFA.',
    );
    // The superviseur's and the admin's notices are closed.
    const notices = await t.deps.db.manager.find(Notification, {
      where: { type: 'tontine_contestation_pending', data: JSON.stringify({ contestation_id: disputeId }) },
    });
    expect(notices.map((n) => n.readAt)).toEqual([t.clock.now(), t.clock.now()]);
    expect(
      await t.deps.db.manager.countBy(AuditEvent, {
        action: 'tontine.contestation.approve',
        targetId: String(disputeId),
      }),
    ).toBe(1);
    const audit = await t.deps.db.manager.findOneByOrFail(AuditEvent, {
      action: 'tontine.cotisation.correction',
      targetId: String(correction.id),
    });
    expect([audit.actorId, JSON.parse(audit.after ?? '{}')]).toEqual([
      superviseur.id,
      { contestation_id: disputeId, collected_by: agent.id, amount: 1000, days: 2, commission: 0 },
    ]);

    // Decided: no second decision, nothing recorded twice.
    expectProblem(await decide(disputeId, { decision: 'approve', days_missing: 2 }, tokens.admin), 409);
    expect(await balanceOf(t, tontineAccount(participant.id))).toBe(2000);
  });
});

describe('what NON <code> refuses', () => {
  it('past 48 h: too late (exactly 48 h still counts)', async () => {
    const { client, participant } = await clientWithParticipant();
    const onTime = await cash(t, tokens.agent, participant.id, 1);
    const late = await cash(t, tokens.agent, participant.id, 1);
    await travel(48 * HOUR);
    await smsIn(t, client.phone, `NON ${onTime.receipt_code}`);
    expect(await disputesOf(onTime.id)).toHaveLength(1);
    t.clock.advance(1);
    await smsIn(t, client.phone, `NON ${late.receipt_code}`);
    expect(await disputesOf(late.id)).toHaveLength(0);
    expect(await lastSms(client.phone)).toBe(
      `TontiFlex: le recu ${late.receipt_code} date de plus de 48 h et ne peut plus etre conteste. ` +
        'Passez a votre agence.',
    );
  });

  it("another client's code is unknown, like a code that does not exist; NON alone explains itself", async () => {
    const owner = await clientWithParticipant();
    const other = await clientWithParticipant();
    const receipt = await cash(t, tokens.agent, owner.participant.id, 1);
    await smsIn(t, other.client.phone, `NON ${receipt.receipt_code}`);
    expect(await disputesOf(receipt.id)).toHaveLength(0);
    expect(await lastSms(other.client.phone)).toBe(
      `TontiFlex: aucun recu en especes avec le code ${receipt.receipt_code} parmi vos cotisations. ` +
        'Verifiez le code dans le SMS de recu et repondez NON suivi du code.',
    );
    await smsIn(t, other.client.phone, 'Non');
    expect(await lastSms(other.client.phone)).toBe(
      'TontiFlex: pour contester un recu en especes, repondez NON suivi du code du recu, par exemple NON K7M2QX.',
    );
  });

  it('an unknown number or a staff member gets the unknown-number answer', async () => {
    const receipt = await cash(t, tokens.agent, (await clientWithParticipant()).participant.id, 1);
    const stranger = '+2290196999001';
    await smsIn(t, stranger, `NON ${receipt.receipt_code}`);
    await smsIn(t, agent.phone, `NON ${receipt.receipt_code}`);
    const unknown = `TontiFlex: ce numero n'est pas enregistre. Composez ${t.config.USSD_SERVICE_CODE} pour vous inscrire.`;
    expect(await lastSms(stranger)).toBe(unknown);
    expect(await lastSms(agent.phone)).toBe(unknown);
    expect(await disputesOf(receipt.id)).toHaveLength(0);
  });

  it('in English for an English-speaking client', async () => {
    const { client, participant } = await clientWithParticipant({ language: 'en' });
    const receipt = await cash(t, tokens.agent, participant.id, 2);
    await smsIn(t, client.phone, `NON ${receipt.receipt_code}`);
    expect(await lastSms(client.phone)).toBe(
      `TontiFlex: dispute of receipt ${receipt.receipt_code} (1 000 FCFA, agent Koffi Agbo) recorded. The ` +
        "agent's supervisor will review it; you will get the decision by SMS.",
    );
  });
});

describe('through the API, and the rejection', () => {
  it('the client opens one (channel ussd); reject needs a reason, approve days_missing 1-31', async () => {
    const { client, participant } = await clientWithParticipant();
    let clientToken = await tokenFor(t, client);
    const receipt = await cash(t, tokens.agent, participant.id, 2);
    const open = (code: string) =>
      t.request
        .post('/api/tontines/contestations/')
        .set('Authorization', `Bearer ${clientToken}`)
        .send({ code });

    const unknown = await open('ZZZZZZ');
    expectProblem(unknown, 400, 'validation');
    expect(unknown.body.errors).toEqual({ code: [expect.any(String)] });
    const opened = await open(` ${receipt.receipt_code.toLowerCase()}`);
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ status: 'ouverte', channel: 'ussd', cotisation_id: receipt.id });
    expect(await lastSms(client.phone)).toMatch(/^TontiFlex: contestation du recu [A-Z2-9]{6} \(1 000 FCFA/);
    expectProblem(await open(receipt.receipt_code), 409, 'dispute-already-open');
    const old = await cash(t, tokens.agent, participant.id, 1);
    await travel(49 * HOUR);
    clientToken = await tokenFor(t, client);
    expectProblem(await open(old.receipt_code), 409, 'dispute-too-late');

    const id = opened.body.id as number;
    for (const body of [
      { decision: 'reject' },
      { decision: 'approve' },
      { decision: 'approve', days_missing: 0 },
      { decision: 'approve', days_missing: 32 },
      { decision: 'approve', days_missing: 1.5 },
    ]) {
      const res = await decide(id, body);
      expectProblem(res, 400, 'validation');
      expect(Object.keys(res.body.errors)).toEqual([body.decision === 'reject' ? 'reason' : 'days_missing']);
    }
    const agentBefore = await balanceOf(t, agentCashAccount(agent.id));
    const rejected = await decide(
      id,
      { decision: 'reject', reason: 'Montant verifie avec le carnet' },
      tokens.admin,
    );
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({
      status: 'rejetee',
      reason: 'Montant verifie avec le carnet',
      days_missing: null,
      correction_cotisation_id: null,
      decided_by: admin.id,
    });
    expect(await lastSms(client.phone)).toBe(
      `TontiFlex: votre contestation du recu ${receipt.receipt_code} est rejetee: Montant verifie avec le carnet`,
    );
    expect(await balanceOf(t, agentCashAccount(agent.id))).toBe(agentBefore);
    expect(await balanceOf(t, tontineAccount(participant.id))).toBe(500 + 500);
  });

  it('lists filter by status, agent and the days opened', async () => {
    const auth = { Authorization: `Bearer ${tokens.superviseur}` };
    const all = await t.request.get('/api/tontines/contestations/').set(auth);
    const total = await t.deps.db.manager.countBy(Contestation, { sfdId: sfd.id });
    expect([all.status, all.body.count]).toEqual([200, total]);
    const ids = all.body.results.map((r: { id: number }) => r.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => b - a));
    const byStatus = async (status: string) =>
      (await t.request.get(`/api/tontines/contestations/?status=${status}`).set(auth)).body.count;
    expect([await byStatus('ouverte'), await byStatus('fondee'), await byStatus('rejetee')]).toEqual([
      total - 2,
      1,
      1,
    ]);
    const other = await t.request.get(`/api/tontines/contestations/?agent_id=${admin.id}`).set(auth);
    expect(other.body.count).toBe(0);
    const future = await t.request.get('/api/tontines/contestations/?date_from=2030-01-01').set(auth);
    expect(future.body.count).toBe(0);
    const first = await t.request
      .get('/api/tontines/contestations/?date_to=2026-03-04&page_size=1')
      .set(auth);
    expect(first.body.count).toBe(1); // the first one, opened on 4 March (local) at 08:59
    expect(first.body.next).toBeNull();
  });
});

describe('concurrency', () => {
  it('two NON for one receipt at once open one dispute; two decisions at once: one wins, one 409', async () => {
    const { client, participant } = await clientWithParticipant();
    const receipt = await cash(t, tokens.agent, participant.id, 1);
    const before = (await t.inbox.to(client.phone)).length;
    await Promise.all([
      smsIn(t, client.phone, `NON ${receipt.receipt_code}`),
      smsIn(t, client.phone, `NON ${receipt.receipt_code}`),
    ]);
    const disputes = await disputesOf(receipt.id);
    expect(disputes).toHaveLength(1);
    // One is told it is recorded, the other that it already is.
    const replies = (await t.inbox.to(client.phone)).slice(before).map((m) => m.body);
    expect(replies.map((b) => /^TontiFlex: contestation du recu /.test(b)).sort()).toEqual([false, true]);
    expect(
      replies.filter((b) => b.includes(`le recu ${receipt.receipt_code} a deja ete conteste`)),
    ).toHaveLength(1);

    const results = await Promise.all([
      decide(disputes[0].id, { decision: 'approve', days_missing: 3 }),
      decide(disputes[0].id, { decision: 'approve', days_missing: 3 }, tokens.admin),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    // One correction: the 1 day paid (box 1, the commission) and 3 more boxes.
    expect(await t.deps.db.manager.countBy(Cotisation, { participantId: participant.id })).toBe(2);
    expect(await balanceOf(t, tontineAccount(participant.id))).toBe(1500);
  });
});
