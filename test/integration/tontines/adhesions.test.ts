import { User, type Sfd } from '../../../src/accounts/entities';
import type { Role } from '../../../src/http/roles';
import { JournalEntry, LedgerAccount, Posting } from '../../../src/ledger/entities';
import { Notification } from '../../../src/notifications/inapp-entities';
import { PaymentTransaction } from '../../../src/payments/entities';
import { Adhesion, Carnet, Tontine, TontineParticipant } from '../../../src/tontines/entities';
import { auditOf, authed } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeTontine, makeUser, phone, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';

/**
 * Joining a tontine: the request (POST /api/tontines/adhesions/), the agent's decision (valider-agent),
 * the joining fee paid through the payment simulator (payer) and the participant it makes (integrer,
 * or by itself when the fee is paid): statuses, SMS texts, notices, ledger entries and audit rows; and
 * the role × SFD matrix of every adhesion endpoint.
 */

let t: TestApp;
let a: Sfd;
let b: Sfd;
const u: Record<string, User> = {};
const tok: Record<string, string> = {};
let tontine: Tontine;
let tontineB: Tontine;

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '30' });
  a = await makeSfd(t, 'ADHA');
  b = await makeSfd(t, 'ADHB');
  Object.assign(u, {
    agentA: await makeUser(t, 'agent_sfd', a),
    agentA2: await makeUser(t, 'agent_sfd', a, { language: 'en' }),
    superA: await makeUser(t, 'superviseur_sfd', a),
    adminA: await makeUser(t, 'admin_sfd', a),
    agentB: await makeUser(t, 'agent_sfd', b),
    platform: await makeUser(t, 'admin_plateforme', null),
  });
  for (const key of Object.keys(u)) tok[key] = await tokenFor(t, u[key]);
  tontine = await makeTontine(t, a, { name: 'Dantokpa', stakeMin: 200, stakeMax: 5000, joiningFee: 1000 });
  tontineB = await makeTontine(t, b, { name: 'Ouando' });
});
afterAll(() => t.close());

const { get, post, patch } = authed(() => t);

/** A client of `sfd` with a token; phones never end in 8 or 9 (the simulator's silent and failing ones). */
async function client(sfd: Sfd, fields: Partial<User> = {}) {
  let number = phone();
  while (/[89]$/.test(number)) number = phone();
  const user = await makeUser(t, 'client', sfd, { phone: number, ...fields });
  return { user, token: await tokenFor(t, user) };
}

const adhesionRow = (id: number) => t.deps.db.manager.findOneByOrFail(Adhesion, { id });
const balance = async (code: string) =>
  (await t.deps.db.manager.findOneBy(LedgerAccount, { code }))?.balance ?? null;

async function settled(reference: string) {
  for (let i = 0; i < 200; i++) {
    const p = await t.deps.db.manager.findOneByOrFail(PaymentTransaction, { reference });
    if (p.status !== 'pending') return p;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`payment ${reference} still pending`);
}

describe('asking to join', () => {
  it('a client asks for themself: demande_soumise, audited, and the agents and supervisors of the SFD are told', async () => {
    const { user, token } = await client(a, { firstName: 'Awa', lastName: 'Houngbo' });
    const res = await post(token, '/api/tontines/adhesions/', { tontine_id: tontine.id, stake: 500 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      sfd_id: a.id,
      tontine_id: tontine.id,
      client_id: user.id,
      stake: 500,
      status: 'demande_soumise',
      submitted_by: null,
      reason: null,
      decided_by: null,
      decided_at: null,
      payment_reference: null,
      participant_id: null,
      created_at: t.clock.now().toISOString(),
      updated_at: t.clock.now().toISOString(),
    });
    const notices = await t.deps.db.manager.findBy(Notification, {
      type: 'tontine_adhesion_pending',
      data: JSON.stringify({ adhesion_id: res.body.id }),
    });
    expect(new Map(notices.map((n) => [n.userId, [n.title, n.message]]))).toEqual(
      new Map([
        [
          u.agentA.id,
          [
            "Nouvelle demande d'adhésion",
            'Awa Houngbo demande à rejoindre la tontine Dantokpa (mise 500 FCFA/jour).',
          ],
        ],
        [
          u.agentA2.id,
          [
            'New request to join a tontine',
            'Awa Houngbo asks to join the tontine Dantokpa (stake 500 FCFA/day).',
          ],
        ],
        [
          u.superA.id,
          [
            "Nouvelle demande d'adhésion",
            'Awa Houngbo demande à rejoindre la tontine Dantokpa (mise 500 FCFA/jour).',
          ],
        ],
      ]),
    );
    const audit = await auditOf(t, 'tontine_adhesion', res.body.id);
    expect(audit.map((e) => [e.action, e.actorId])).toEqual([['tontine.adhesion.submit', user.id]]);
    // Asking twice is a 409; so is asking while a member.
    expectProblem(await post(token, '/api/tontines/adhesions/', { tontine_id: tontine.id, stake: 600 }), 409);
  });

  it('five requests at once for one client and tontine: one adhesion, the others 409', async () => {
    const { token, user } = await client(a);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        post(token, '/api/tontines/adhesions/', { tontine_id: tontine.id, stake: 500 }),
      ),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(await t.deps.db.manager.countBy(Adhesion, { clientId: user.id, tontineId: tontine.id })).toBe(1);
  });

  it('the stake must be within the bounds: a clear field error, the bounds in the detail', async () => {
    const { token } = await client(a);
    for (const stake of [199, 5001]) {
      const res = await post(token, '/api/tontines/adhesions/', { tontine_id: tontine.id, stake });
      expectProblem(res, 400, 'validation');
      expect(res.body.errors).toEqual({
        stake: ['La mise doit etre comprise entre la mise minimale et la mise maximale de la tontine'],
      });
      expect(res.body.detail).toBe('stake must be between 200 and 5000 XOF a day');
    }
    const en = await t.request
      .post('/api/tontines/adhesions/')
      .set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', 'en')
      .send({ tontine_id: tontine.id, stake: 100 });
    expect(en.body.errors).toEqual({
      stake: ["The stake must be between the tontine's minimum and maximum stake"],
    });
    for (const stake of [200, 5000]) {
      const ok = await post(token, '/api/tontines/adhesions/', { tontine_id: tontine.id, stake });
      expect(ok.status).toBe(stake === 200 ? 201 : 409); // the second is a duplicate, not a stake error
    }
  });

  it("another SFD's tontine is unknown to the client, a closed one takes nobody", async () => {
    const { token } = await client(a);
    const other = await post(token, '/api/tontines/adhesions/', { tontine_id: tontineB.id, stake: 500 });
    expectProblem(other, 400, 'validation');
    expect(Object.keys(other.body.errors)).toEqual(['tontine_id']);
    const closed = await makeTontine(t, a, { status: 'fermee' });
    const res = await post(token, '/api/tontines/adhesions/', { tontine_id: closed.id, stake: 500 });
    expectProblem(res, 400, 'validation');
    expect(res.body.errors).toEqual({ tontine_id: ["Cette tontine n'accepte pas de nouvelles adhesions"] });
    expect(await t.deps.db.manager.countBy(Adhesion, { tontineId: closed.id })).toBe(0);
  });

  it('an agent asks for a client of their SFD (client_id required); another SFD’s client is a 404', async () => {
    const { user } = await client(a);
    const missing = await post(tok.agentA, '/api/tontines/adhesions/', {
      tontine_id: tontine.id,
      stake: 500,
    });
    expectProblem(missing, 400, 'validation');
    expect(Object.keys(missing.body.errors)).toEqual(['client_id']);
    expectProblem(
      await post(tok.agentB, '/api/tontines/adhesions/', {
        tontine_id: tontine.id,
        stake: 500,
        client_id: user.id,
      }),
      404,
    );
    const res = await post(tok.agentA, '/api/tontines/adhesions/', {
      tontine_id: tontine.id,
      stake: 500,
      client_id: user.id,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ client_id: user.id, submitted_by: u.agentA.id });
    // Maker-checker: who submitted it does not decide it.
    const self = await post(tok.agentA, `/api/tontines/adhesions/${res.body.id}/valider-agent/`, {
      decision: 'approve',
    });
    expectProblem(self, 403);
    expect((await adhesionRow(res.body.id)).status).toBe('demande_soumise');
  });

  it('lists are scoped: a client sees their own, staff their SFD’s, with filters', async () => {
    const c1 = await client(b);
    const c2 = await client(b);
    const t2 = await makeTontine(t, b);
    const r1 = await post(c1.token, '/api/tontines/adhesions/', { tontine_id: tontineB.id, stake: 500 });
    const r2 = await post(c2.token, '/api/tontines/adhesions/', { tontine_id: t2.id, stake: 700 });
    const ids = async (token: string, qs = '') =>
      ((await get(token, `/api/tontines/adhesions/${qs}`)).body.results as { id: number }[]).map((r) => r.id);
    expect(await ids(c1.token)).toEqual([r1.body.id]);
    expect(await ids(c1.token, `?client_id=${c2.user.id}`)).toEqual([r1.body.id]); // not theirs to ask
    expect(await ids(tok.agentB)).toEqual([r2.body.id, r1.body.id]);
    expect(await ids(tok.agentB, `?tontine_id=${t2.id}`)).toEqual([r2.body.id]);
    expect(await ids(tok.agentB, `?client_id=${c1.user.id}&status=demande_soumise`)).toEqual([r1.body.id]);
    expect(await ids(tok.agentB, '?status=adherent')).toEqual([]);
    expect(await ids(tok.platform, `?sfd_id=${b.id}`)).toEqual([r2.body.id, r1.body.id]);
    expect(await ids(tok.agentA)).not.toContain(r1.body.id);
  });
});

describe('the date range of the list', () => {
  it("filters on the SFD's local days the requests were made (Porto-Novo is UTC+1)", async () => {
    const sfd = await makeSfd(t, 'ADHD');
    const on = await makeTontine(t, sfd);
    const agent = await tokenFor(t, await makeUser(t, 'agent_sfd', sfd));
    const made: number[] = [];
    // 23:30 local on 2 March, 00:30 local on 3 March, 23:59 local on 3 March.
    for (const instant of ['2026-03-02T22:30:00Z', '2026-03-02T23:30:00Z', '2026-03-03T22:59:00Z']) {
      const c = await client(sfd);
      const { body } = await post(c.token, '/api/tontines/adhesions/', { tontine_id: on.id, stake: 500 });
      await t.deps.db.manager.update(Adhesion, { id: body.id }, { createdAt: new Date(instant) });
      made.push(body.id);
    }
    const ids = async (qs: string) =>
      ((await get(agent, `/api/tontines/adhesions/${qs}`)).body.results as { id: number }[]).map((r) => r.id);
    expect(await ids('?date_to=2026-03-02')).toEqual([made[0]]);
    expect(await ids('?date_from=2026-03-03')).toEqual([made[2], made[1]]);
    expect(await ids('?date_from=2026-03-03&date_to=2026-03-03')).toEqual([made[2], made[1]]);
    expect(await ids('?date_from=2026-03-04')).toEqual([]);
    expectProblem(await get(agent, '/api/tontines/adhesions/?date_from=03-03-2026'), 400, 'validation');
  });
});

describe("the agent's decision", () => {
  it('approve: validee_agent, the pending KYC verified, one SMS with the fee, the notice closed, audited', async () => {
    const { user, token } = await client(a);
    const { body } = await post(token, '/api/tontines/adhesions/', { tontine_id: tontine.id, stake: 1500 });
    t.clock.advance(60_000);
    const res = await post(tok.agentA, `/api/tontines/adhesions/${body.id}/valider-agent/`, {
      decision: 'approve',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'validee_agent',
      decided_by: u.agentA.id,
      decided_at: t.clock.now().toISOString(),
      reason: null,
    });
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: user.id })).kycStatus).toBe('verified');
    expect((await t.inbox.to(user.phone)).map((m) => m.body)).toEqual([
      "TontiFlex: votre demande d'adhesion a la tontine Dantokpa (SFD ADHA) est acceptee. Mise: 1 500 FCFA/jour. " +
        "Payez les frais d'adhesion de 1 000 FCFA pour commencer.",
    ]);
    const notices = await t.deps.db.manager.findBy(Notification, {
      type: 'tontine_adhesion_pending',
      data: JSON.stringify({ adhesion_id: body.id }),
    });
    expect(notices.length).toBe(3);
    expect(notices.every((n) => n.readAt?.toISOString() === t.clock.now().toISOString())).toBe(true);
    const audit = await auditOf(t, 'tontine_adhesion', body.id);
    expect(audit.map((e) => [e.action, e.actorId, e.sfdId, e.before, e.after])).toEqual([
      [
        'tontine.adhesion.submit',
        user.id,
        a.id,
        null,
        { status: 'demande_soumise', stake: 1500, tontine_id: tontine.id },
      ],
      [
        'tontine.adhesion.approve',
        u.agentA.id,
        a.id,
        { status: 'demande_soumise' },
        { status: 'validee_agent' },
      ],
    ]);
    const kyc = (await auditOf(t, 'user', user.id)).filter((e) => e.action.startsWith('user.kyc'));
    expect(kyc.map((e) => [e.action, e.actorId, e.before, e.after])).toEqual([
      [
        'user.kyc.approve',
        u.agentA.id,
        { kyc_status: 'pending' },
        { kyc_status: 'verified', via: 'tontine_adhesion' },
      ],
    ]);
    // Decided once: the second decision is a 409 and changes nothing.
    const again = await post(tok.superA, `/api/tontines/adhesions/${body.id}/valider-agent/`, {
      decision: 'reject',
      reason: 'Trop tard',
    });
    expectProblem(again, 409);
    expect((await adhesionRow(body.id)).status).toBe('validee_agent');
  });

  it('an approval leaves a KYC already decided as it is', async () => {
    const { user, token } = await client(a, { kycStatus: 'rejected' });
    const { body } = await post(token, '/api/tontines/adhesions/', { tontine_id: tontine.id, stake: 500 });
    await post(tok.agentA, `/api/tontines/adhesions/${body.id}/valider-agent/`, { decision: 'approve' });
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: user.id })).kycStatus).toBe('rejected');
    expect((await auditOf(t, 'user', user.id)).filter((e) => e.action.startsWith('user.kyc'))).toEqual([]);
  });

  it('reject: the reason is required, then rejetee with it, told in the client’s language', async () => {
    const { user, token } = await client(a, { language: 'en' });
    const { body } = await post(token, '/api/tontines/adhesions/', { tontine_id: tontine.id, stake: 500 });
    const url = `/api/tontines/adhesions/${body.id}/valider-agent/`;
    const none = await post(tok.superA, url, { decision: 'reject' });
    expectProblem(none, 400, 'validation');
    expect(Object.keys(none.body.errors)).toEqual(['reason']);
    const res = await post(tok.superA, url, { decision: 'reject', reason: '  Piece  illisible ' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'rejetee',
      reason: 'Piece  illisible',
      decided_by: u.superA.id,
    });
    expect((await t.inbox.to(user.phone)).map((m) => m.body)).toEqual([
      'TontiFlex: SFD ADHA declined your request to join the tontine Dantokpa: Piece illisible',
    ]);
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: user.id })).kycStatus).toBe('pending');
    const audit = await auditOf(t, 'tontine_adhesion', body.id);
    expect(audit.at(-1)).toMatchObject({
      action: 'tontine.adhesion.reject',
      after: { status: 'rejetee', reason: 'Piece  illisible' },
    });
    // A rejected request may be made again.
    expect(
      (await post(token, '/api/tontines/adhesions/', { tontine_id: tontine.id, stake: 500 })).status,
    ).toBe(201);
  });
});

describe('the joining fee', () => {
  async function validated(stake = 500, sfd = a, on = tontine) {
    const c = await client(sfd);
    const { body } = await post(c.token, '/api/tontines/adhesions/', { tontine_id: on.id, stake });
    const agent = sfd === a ? tok.agentA : tok.agentB;
    await post(agent, `/api/tontines/adhesions/${body.id}/valider-agent/`, { decision: 'approve' });
    await t.inbox.drain();
    return { ...c, id: body.id as number };
  }

  it('paid through the simulator: booked to fee income, the client becomes a participant with carnet 1', async () => {
    const { user, token, id } = await validated(750);
    const feeIncome = (await balance(`sfd:${a.id}:fee-income`)) as number;
    const clearing = (await balance(`sfd:${a.id}:mobile-money`)) as number;
    const smsBefore = (await t.inbox.to(user.phone)).length;
    const res = await post(token, `/api/tontines/adhesions/${id}/payer/`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('en_cours_paiement');
    expect(res.body.payment_reference).toMatch(/^TFAT/);
    // A second start while it is pending is a 409.
    expectProblem(await post(token, `/api/tontines/adhesions/${id}/payer/`), 409);
    const payment = await settled(res.body.payment_reference);
    expect(payment).toMatchObject({
      status: 'success',
      type: 'adhesion_tontine',
      purpose: 'adhesion_tontine',
      purposeRef: String(id),
      amount: 1000,
      clientId: user.id,
      sfdId: a.id,
      phone: user.phone,
    });

    const adhesion = await adhesionRow(id);
    expect(adhesion.status).toBe('adherent');
    const participant = await t.deps.db.manager.findOneByOrFail(TontineParticipant, {
      id: adhesion.participantId as number,
    });
    expect(participant).toMatchObject({
      sfdId: a.id,
      tontineId: tontine.id,
      clientId: user.id,
      stake: 750,
      nextStake: null,
      status: 'actif',
    });
    const carnets = await t.deps.db.manager.findBy(Carnet, { participantId: participant.id });
    expect(carnets.map((c) => [c.cycle, c.stake, c.boxesPaid, c.startedOn, c.completedAt])).toEqual([
      [1, 750, 0, null, null],
    ]);

    // The ledger: exactly one entry, clearing → fee income, and the participant's account at 0.
    const entry = await t.deps.db.manager.findOneByOrFail(JournalEntry, {
      key: `payment:${payment.reference}`,
    });
    expect(entry).toMatchObject({
      kind: 'adhesion_fee',
      refType: 'tontine_adhesion',
      refId: String(id),
      sfdId: a.id,
    });
    const postings = await t.deps.db.manager.findBy(Posting, { entryId: entry.id });
    const codes = await t.deps.db.manager.findBy(LedgerAccount, {});
    const codeOf = new Map(codes.map((c) => [c.id, c.code]));
    expect(postings.map((p) => [codeOf.get(p.accountId), p.amount]).sort()).toEqual(
      [
        [`sfd:${a.id}:fee-income`, 1000],
        [`sfd:${a.id}:mobile-money`, -1000],
      ].sort(),
    );
    expect(await balance(`sfd:${a.id}:fee-income`)).toBe(feeIncome + 1000);
    expect(await balance(`sfd:${a.id}:mobile-money`)).toBe(clearing - 1000);
    const account = await t.deps.db.manager.findOneByOrFail(LedgerAccount, {
      code: `tontine:${participant.id}`,
    });
    expect(account).toMatchObject({
      kind: 'tontine',
      balance: 0,
      ownerId: user.id,
      sfdId: a.id,
      mayGoNegative: false,
    });

    // The client's SMS: the payment's receipt and the welcome (both queued in the payment's transaction).
    expect(
      (await t.inbox.to(user.phone))
        .slice(smsBefore)
        .map((m) => m.body)
        .sort(),
    ).toEqual(
      [
        `TontiFlex: paiement de 1 000 FCFA recu. Ref ${payment.reference}. Merci.`,
        'TontiFlex: bienvenue dans la tontine Dantokpa. Mise: 750 FCFA/jour. Carnet 1: 0/31. Cotisez quand vous voulez.',
      ].sort(),
    );
    const audit = await auditOf(t, 'tontine_adhesion', id);
    expect(audit.map((e) => [e.action, e.actorId])).toEqual([
      ['tontine.adhesion.submit', user.id],
      ['tontine.adhesion.approve', u.agentA.id],
      ['tontine.adhesion.pay', user.id],
      ['tontine.adhesion.fee_paid', null],
      ['tontine.adhesion.integrate', null],
    ]);
    expect(audit[4].after).toEqual({ status: 'adherent', participant_id: participant.id, stake: 750 });

    // Nothing more to do: integrer and payer are 409s, and the participants list shows the client.
    expectProblem(await post(tok.agentA, `/api/tontines/adhesions/${id}/integrer/`), 409);
    expectProblem(await post(token, `/api/tontines/adhesions/${id}/payer/`), 409);
    const list = await get(tok.agentA, `/api/tontines/${tontine.id}/participants/`);
    expect(list.body.results.map((r: { client_id: number }) => r.client_id)).toContain(user.id);
  });

  it('a failed fee payment may be started again, on another phone; the first changes nothing', async () => {
    const { user, token, id } = await validated();
    const failing = '+2290196000019';
    const first = await post(token, `/api/tontines/adhesions/${id}/payer/`, { phone: failing });
    expect(first.status).toBe(200);
    expect((await settled(first.body.payment_reference)).status).toBe('failed');
    expect((await adhesionRow(id)).status).toBe('en_cours_paiement');
    const second = await post(token, `/api/tontines/adhesions/${id}/payer/`);
    expect(second.status).toBe(200);
    expect(second.body.payment_reference).not.toBe(first.body.payment_reference);
    expect((await settled(second.body.payment_reference)).status).toBe('success');
    expect((await adhesionRow(id)).status).toBe('adherent');
    expect(
      await t.deps.db.manager.findOneBy(JournalEntry, { key: `payment:${first.body.payment_reference}` }),
    ).toBeNull();
    expect(await t.deps.db.manager.countBy(TontineParticipant, { clientId: user.id })).toBe(1);
  });

  it('a fee paid while the tontine is suspended waits for an agent to integrate it once it is active again', async () => {
    const paused = await makeTontine(t, a, { name: 'Pause', joiningFee: 2000 });
    const { user, token, id } = await validated(500, a, paused);
    expectProblem(await post(tok.agentA, `/api/tontines/adhesions/${id}/integrer/`), 409); // fee not paid
    await patch(tok.adminA, `/api/tontines/${paused.id}/`, { status: 'suspendue' });
    const res = await post(token, `/api/tontines/adhesions/${id}/payer/`);
    await settled(res.body.payment_reference);
    expect((await adhesionRow(id)).status).toBe('paiement_effectue');
    expect(await t.deps.db.manager.countBy(TontineParticipant, { clientId: user.id })).toBe(0);
    expectProblem(await post(tok.agentA, `/api/tontines/adhesions/${id}/integrer/`), 409); // still suspended
    await patch(tok.adminA, `/api/tontines/${paused.id}/`, { status: 'active' });
    expectProblem(await post(token, `/api/tontines/adhesions/${id}/integrer/`), 403); // clients do not
    const ok = await post(tok.agentA, `/api/tontines/adhesions/${id}/integrer/`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'adherent', participant_id: expect.any(Number) });
    expect((await auditOf(t, 'tontine_adhesion', id)).at(-1)).toMatchObject({
      action: 'tontine.adhesion.integrate',
      actorId: u.agentA.id,
    });
    expectProblem(await post(tok.agentA, `/api/tontines/adhesions/${id}/integrer/`), 409);
  });

  it('a payment started by hand for the purpose but not matching the fee is parked in suspense', async () => {
    const { token, id } = await validated();
    const suspense = (await balance(`sfd:${a.id}:suspense`)) as number;
    const res = await t.request
      .post('/api/payments/initiate/')
      .set('Authorization', `Bearer ${token}`)
      .send({ type: 'adhesion_tontine', amount: 150, purpose_ref: String(id) });
    expect(res.status).toBe(201);
    const payment = await settled(res.body.reference);
    expect(payment.status).toBe('success');
    expect((await adhesionRow(id)).status).toBe('validee_agent');
    expect(await balance(`sfd:${a.id}:suspense`)).toBe(suspense + 150);
    expect(
      await t.deps.db.manager.findOneByOrFail(JournalEntry, { key: `payment:${payment.reference}` }),
    ).toMatchObject({ kind: 'unmatched_collection' });
  });

  it('a withdrawal (a payout purpose) cannot be started as a collection through POST /api/payments/initiate', async () => {
    const { token } = await validated();
    const res = await t.request
      .post('/api/payments/initiate/')
      .set('Authorization', `Bearer ${token}`)
      .send({ type: 'retrait_tontine', amount: 500, purpose_ref: '1' });
    expectProblem(res, 400);
    expect(res.body.errors).toEqual({ type: ["Ce paiement n'est pas encore disponible"] });
  });

  it('a start that never wrote its payment blocks a second start for 5 minutes, then gives way', async () => {
    const { token, id } = await validated();
    // As if the process stopped between the claim and the provider: en_cours_paiement, no payment.
    await t.deps.db.manager.update(
      Adhesion,
      { id },
      { status: 'en_cours_paiement', updatedAt: t.clock.now() },
    );
    t.clock.advance(4 * 60_000);
    const agentToken = await tokenFor(t, u.agentA);
    expectProblem(await post(agentToken, `/api/tontines/adhesions/${id}/payer/`), 409);
    t.clock.advance(60_000);
    const res = await post(token, `/api/tontines/adhesions/${id}/payer/`);
    expect(res.status).toBe(200);
    expect((await settled(res.body.payment_reference)).status).toBe('success');
    expect((await adhesionRow(id)).status).toBe('adherent');
  });

  it('a fee changed while its payment is under way: the payment the adhesion started still pays it', async () => {
    const changing = await makeTontine(t, a, { name: 'Change', joiningFee: 1000 });
    const { user, id } = await validated(500, a, changing);
    const reference = 'TFAT260303100000ABCDEF0123';
    await t.deps.db.manager.update(
      Adhesion,
      { id },
      { status: 'en_cours_paiement', paymentReference: reference },
    );
    await t.deps.db.manager.update(Tontine, { id: changing.id }, { joiningFee: 1200 });
    const feeIncome = (await balance(`sfd:${a.id}:fee-income`)) as number;
    const payment = { reference, amount: 1000, clientId: user.id, sfdId: a.id, purposeRef: String(id) };
    const handler = t.payments.registry.get('adhesion_tontine');
    await t.deps.db.transaction(async (m) => {
      await handler.applyCollection?.(m, payment as PaymentTransaction, t.clock.now());
    });
    expect((await adhesionRow(id)).status).toBe('adherent');
    expect(await balance(`sfd:${a.id}:fee-income`)).toBe(feeIncome + 1000);
  });

  it('a free tontine makes the participant at once, without a payment', async () => {
    const free = await makeTontine(t, a, { name: 'Gratuite', joiningFee: 0 });
    const { token, id } = await validated(300, a, free);
    const res = await post(token, `/api/tontines/adhesions/${id}/payer/`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'adherent', payment_reference: null });
    expect(await t.deps.db.manager.countBy(PaymentTransaction, { purposeRef: String(id) })).toBe(0);
  });
});

describe('concurrency', () => {
  it('six deciders at once: one decision wins, the others are 409s, one audit row and one SMS', async () => {
    const { user, token } = await client(a);
    const { body } = await post(token, '/api/tontines/adhesions/', { tontine_id: tontine.id, stake: 500 });
    const deciders = [tok.agentA, tok.agentA2, tok.superA, tok.adminA, tok.agentA, tok.superA];
    const results = await Promise.all(
      deciders.map((token, i) =>
        post(token, `/api/tontines/adhesions/${body.id}/valider-agent/`, {
          decision: i % 2 ? 'reject' : 'approve',
          reason: 'Dossier incomplet',
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    const winner = results.find((r) => r.status === 200)?.body as { status: string };
    expect((await adhesionRow(body.id)).status).toBe(winner.status);
    const decisions = (await auditOf(t, 'tontine_adhesion', body.id)).filter((e) =>
      /\.(approve|reject)$/.test(e.action),
    );
    expect(decisions.length).toBe(1);
    expect((await t.inbox.to(user.phone)).length).toBe(1);
  });

  it('five fee payments started at once: one starts, the others are 409s', async () => {
    const c = await client(a);
    const { body } = await post(c.token, '/api/tontines/adhesions/', { tontine_id: tontine.id, stake: 500 });
    await post(tok.agentA, `/api/tontines/adhesions/${body.id}/valider-agent/`, { decision: 'approve' });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => post(c.token, `/api/tontines/adhesions/${body.id}/payer/`)),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(await t.deps.db.manager.countBy(PaymentTransaction, { purposeRef: String(body.id) })).toBe(1);
    const reference = results.find((r) => r.status === 200)?.body.payment_reference as string;
    await settled(reference);
    expect((await adhesionRow(body.id)).status).toBe('adherent');
  });
});

// ---------------------------------------------------------------------------------------------------
// The role × SFD matrix, written out from the specification. Every target is SFD A's, owned by
// `owner`; each case gets a fresh adhesion in the state the endpoint acts on.
// ---------------------------------------------------------------------------------------------------

type Op = 'list' | 'get' | 'decide' | 'pay' | 'integrate';
type ActorKey = 'owner' | 'client@A' | 'client@B' | `${Role}@A` | `${Role}@B` | 'platform';
const STAFF: Role[] = ['agent_sfd', 'superviseur_sfd', 'admin_sfd'];
const ACTOR_KEYS: ActorKey[] = [
  'owner',
  'client@A',
  'client@B',
  ...STAFF.map((r) => `${r}@A` as ActorKey),
  ...STAFF.map((r) => `${r}@B` as ActorKey),
  'platform',
];

function expected(op: Op, actor: ActorKey): number {
  if (op === 'list') return 200;
  const isClient = actor === 'owner' || actor.startsWith('client@');
  const staffOnly = op === 'decide' || op === 'integrate';
  if (isClient && staffOnly) return 403;
  if (actor === 'platform') return op === 'decide' ? 403 : 200; // it belongs to no SFD: it does not decide
  if (actor === 'owner' || actor.endsWith('@A')) return actor === 'client@A' ? 404 : 200;
  return 404;
}

describe('the role × SFD matrix', () => {
  const mtok: Partial<Record<ActorKey, string>> = {};
  let owner: User;
  let free: Tontine;
  beforeAll(async () => {
    free = await makeTontine(t, a, { name: 'Matrix', joiningFee: 0 });
    const o = await client(a);
    owner = o.user;
    mtok.owner = o.token;
    mtok['client@A'] = (await client(a)).token;
    mtok['client@B'] = (await client(b)).token;
    for (const role of STAFF) {
      mtok[`${role}@A` as ActorKey] = await tokenFor(t, await makeUser(t, role, a));
      mtok[`${role}@B` as ActorKey] = await tokenFor(t, await makeUser(t, role, b));
    }
    mtok.platform = tok.platform;
  });

  const STATE: Record<Op, Adhesion['status']> = {
    list: 'demande_soumise',
    get: 'demande_soumise',
    decide: 'demande_soumise',
    pay: 'validee_agent',
    integrate: 'paiement_effectue',
  };

  async function target(op: Op): Promise<Adhesion> {
    const now = t.clock.now();
    return t.deps.db.manager.save(
      t.deps.db.manager.create(Adhesion, {
        sfdId: a.id,
        tontineId: free.id,
        clientId: owner.id,
        stake: 500,
        status: STATE[op],
        submittedBy: null,
        reason: null,
        decidedBy: null,
        decidedAt: null,
        paymentReference: null,
        participantId: null,
        createdAt: now,
        updatedAt: now,
      }),
    );
  }

  const cases = (['list', 'get', 'decide', 'pay', 'integrate'] as Op[]).flatMap((op) =>
    ACTOR_KEYS.map((actor) => ({ op, actor, status: expected(op, actor) })),
  );

  it.each(cases)('$op as $actor -> $status', async ({ op, actor, status }) => {
    const token = mtok[actor] as string;
    const record = await target(op);
    const base = `/api/tontines/adhesions/${record.id}`;
    const res =
      op === 'list'
        ? await get(token, '/api/tontines/adhesions/')
        : op === 'get'
          ? await get(token, `${base}/`)
          : op === 'decide'
            ? await post(token, `${base}/valider-agent/`, { decision: 'approve' })
            : op === 'pay'
              ? await post(token, `${base}/payer/`)
              : await post(token, `${base}/integrer/`);
    if (status >= 400) {
      expectProblem(res, status);
      expect(res.body).not.toHaveProperty('client_id');
      expect(await adhesionRow(record.id)).toEqual(record);
    } else {
      expect(res.status).toBe(status);
      if (op === 'list') {
        const ids = (res.body.results as { id: number }[]).map((r) => r.id);
        const sees =
          actor === 'owner' || actor === 'platform' || (actor.endsWith('@A') && actor !== 'client@A');
        expect(ids.includes(record.id)).toBe(sees);
      } else {
        expect(res.body.id).toBe(record.id);
      }
    }
    await t.deps.db.manager.update(Adhesion, { id: record.id }, { status: 'rejetee' });
  });
});
