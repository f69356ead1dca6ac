import type { Sfd, User } from '../../../src/accounts/entities';
import { SmsOutboxEntry } from '../../../src/notifications/entities';
import { Adhesion, type Tontine, TontineParticipant } from '../../../src/tontines/entities';
import { authed, auditOf } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeTontine, makeUser, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';

/**
 * The participants' back office: the list (filters, balances, carnets), a participant made from a paid
 * adhesion, the per-tontine stats (JSON and CSV, the SFD-local month), POST /api/tontines/cotisations,
 * and the "Carnet N complet" SMS. Porto-Novo is UTC+1: 23:30 UTC on March 31 is already April locally.
 */

let t: TestApp;
let sfd: Sfd;
let otherSfd: Sfd;
let market: Tontine;
let small: Tontine;
let far: Tontine;
/** Another SFD, for the participants made after the stats' world is set. */
let extraSfd: Sfd;
let extra: Tontine;
const tok: Record<string, string> = {};
const users: Record<string, User> = {};
const p: Record<string, number> = {};

const { get, post } = authed(() => t);

/** A client's adhesion, approved by the agent, its fee marked paid, made participant through the API. */
async function join(client: User, tontine: Tontine, stake: number, agent: string): Promise<number> {
  const agentToken = await tokenFor(t, users[agent]);
  const asked = await post(await tokenFor(t, client), '/api/tontines/adhesions/', {
    tontine_id: tontine.id,
    stake,
  });
  expect(asked.status).toBe(201);
  const ok = await post(agentToken, `/api/tontines/adhesions/${asked.body.id}/valider-agent/`, {
    decision: 'approve',
  });
  expect(ok.status).toBe(200);
  await t.deps.db.manager.update(Adhesion, { id: asked.body.id }, { status: 'paiement_effectue' });
  const made = await post(agentToken, '/api/tontines/participants/', { adhesion_id: asked.body.id });
  expect(made.status).toBe(201);
  return made.body.id as number;
}

let key = 0;
/** Cash through POST /api/tontines/cotisations/ (the participant in the body). */
const cash = (token: string, participantId: number, days: number, idem = `pt-${++key}`) =>
  t.request
    .post('/api/tontines/cotisations/')
    .set('Authorization', `Bearer ${token}`)
    .set('Idempotency-Key', idem)
    .send({ participant_id: participantId, days, method: 'cash' });

async function paid(agent: string, participantId: number, days: number, at: string) {
  t.clock.set(new Date(at));
  const res = await cash(await tokenFor(t, users[agent]), participantId, days);
  expect(res.status).toBe(201);
  return res;
}

beforeAll(async () => {
  t = await startTestApp();
  t.clock.set(new Date('2026-03-10T09:00:00Z'));
  sfd = await makeSfd(t, 'PART');
  otherSfd = await makeSfd(t, 'PARX');
  market = await makeTontine(t, sfd, { name: 'Marche "Dantokpa", Cotonou' });
  small = await makeTontine(t, sfd, { name: 'Petite tontine' });
  far = await makeTontine(t, otherSfd, { name: 'Tontine de Parakou' });
  extraSfd = await makeSfd(t, 'PARE');
  extra = await makeTontine(t, extraSfd, { name: 'Petite tontine' });
  for (const [name, role, s] of [
    ['agent', 'agent_sfd', sfd],
    ['otherAgent', 'agent_sfd', otherSfd],
    ['extraAgent', 'agent_sfd', extraSfd],
    ['c1', 'client', sfd],
    ['c2', 'client', sfd],
    ['c4', 'client', otherSfd],
  ] as const) {
    users[name] = await makeUser(t, role, s);
    tok[name] = await tokenFor(t, users[name]);
  }
  users.platform = await makeUser(t, 'admin_plateforme', null);
  tok.platform = await tokenFor(t, users.platform);

  // Joined on local March 10 (p1, p2) and local March 13 (p3: 23:30 UTC on the 12th).
  p.p1 = await join(users.c1, market, 500, 'agent');
  p.p2 = await join(users.c2, market, 1000, 'agent');
  t.clock.set(new Date('2026-03-12T23:30:00Z'));
  p.p3 = await join(users.c1, small, 200, 'agent');
  t.clock.set(new Date('2026-03-14T09:00:00Z'));
  p.p4 = await join(users.c4, far, 300, 'otherAgent');

  // March (local): p1 3 days (1 500, commission 500); p3 1 day at 23:30 local on March 31 (200, commission).
  await paid('agent', p.p1, 3, '2026-03-15T09:00:00Z');
  await paid('agent', p.p3, 1, '2026-03-31T22:30:00Z');
  // April (local): p1 2 days (1 000) and p2 a whole carnet (31 000, commission 1 000) at 00:30 on April 1.
  await paid('agent', p.p1, 2, '2026-03-31T23:30:00Z');
  await paid('agent', p.p2, 31, '2026-03-31T23:30:00Z');
  await paid('agent', p.p3, 1, '2026-04-02T10:00:00Z');
  await paid('otherAgent', p.p4, 5, '2026-04-03T10:00:00Z');
  // p2 is suspended: no longer active, their balance still held.
  await t.deps.db.manager.update(TontineParticipant, { id: p.p2 }, { status: 'suspendu' });
  t.clock.set(new Date('2026-04-15T10:00:00Z'));
  // Access tokens last 15 minutes: signed in again at the tests' time.
  for (const name of Object.keys(tok)) tok[name] = await tokenFor(t, users[name]);
});
afterAll(() => t.close());

const ids = (res: { body: { results: { id: number }[] } }) => res.body.results.map((r) => r.id);

describe('GET /api/tontines/participants/', () => {
  it('staff see their SFD, each with the ledger balance and the current carnet', async () => {
    const res = await get(tok.agent, '/api/tontines/participants/');
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(3);
    const rows = res.body.results.map((r: Record<string, unknown>) => [
      r.id,
      r.client_id,
      r.tontine_id,
      r.status,
      r.stake,
      r.balance,
      r.cycle,
      r.boxes_paid,
      r.last_contribution_at,
    ]);
    expect(rows).toEqual([
      // p1: boxes 1–5 at 500, box 1 commission: 4 × 500.
      [p.p1, users.c1.id, market.id, 'actif', 500, 2000, 1, 5, '2026-03-31T23:30:00.000Z'],
      // p2: the whole carnet at 1 000, box 1 commission: 30 × 1 000.
      [p.p2, users.c2.id, market.id, 'suspendu', 1000, 30_000, 1, 31, '2026-03-31T23:30:00.000Z'],
      // p3: box 1 (commission) then box 2.
      [p.p3, users.c1.id, small.id, 'actif', 200, 200, 1, 2, '2026-04-02T10:00:00.000Z'],
    ]);
    expect(res.body.results[0].joined_at).toBe('2026-03-10T09:00:00.000Z');
  });

  it('filters: tontine, client, status, local days joined; pages', async () => {
    const q = async (query: string) => ids(await get(tok.agent, `/api/tontines/participants/?${query}`));
    expect(await q(`tontine_id=${small.id}`)).toEqual([p.p3]);
    expect(await q(`tontine_id=${far.id}`)).toEqual([]);
    expect(await q(`client_id=${users.c1.id}`)).toEqual([p.p1, p.p3]);
    expect(await q('status=suspendu')).toEqual([p.p2]);
    expect(await q('status=actif')).toEqual([p.p1, p.p3]);
    // p3 joined at 23:30 UTC on March 12: March 13 in Porto-Novo.
    expect(await q('date_from=2026-03-13')).toEqual([p.p3]);
    expect(await q('date_to=2026-03-12')).toEqual([p.p1, p.p2]);
    expect(await q('date_from=2026-03-10&date_to=2026-03-10')).toEqual([p.p1, p.p2]);
    const page = await get(tok.agent, '/api/tontines/participants/?page_size=2&page=2');
    expect([page.body.count, ids(page), page.body.next]).toEqual([3, [p.p3], null]);
    expect(page.body.previous).toContain('page=1');
    expectProblem(await get(tok.agent, '/api/tontines/participants/?status=gone'), 400);
    expectProblem(await get(tok.agent, '/api/tontines/participants/?date_from=13-03-2026'), 400);
  });

  it('a client sees their own participations only, whatever client_id says', async () => {
    expect(ids(await get(tok.c1, '/api/tontines/participants/'))).toEqual([p.p1, p.p3]);
    expect(ids(await get(tok.c1, `/api/tontines/participants/?client_id=${users.c2.id}`))).toEqual([
      p.p1,
      p.p3,
    ]);
    expect(ids(await get(tok.c2, '/api/tontines/participants/'))).toEqual([p.p2]);
  });

  it('the platform admin sees every SFD, or sfd_id’s; another SFD’s agent only theirs', async () => {
    expect(ids(await get(tok.platform, '/api/tontines/participants/'))).toEqual(
      expect.arrayContaining([p.p1, p.p2, p.p3, p.p4]),
    );
    expect(ids(await get(tok.platform, `/api/tontines/participants/?sfd_id=${otherSfd.id}`))).toEqual([p.p4]);
    expect(ids(await get(tok.otherAgent, `/api/tontines/participants/?sfd_id=${sfd.id}`))).toEqual([p.p4]);
  });
});

describe('POST /api/tontines/participants/', () => {
  it('makes the participant of a paid adhesion: adherent, carnet 1, welcome SMS, audited; once', async () => {
    const client = await makeUser(t, 'client', extraSfd);
    const asked = await post(await tokenFor(t, client), '/api/tontines/adhesions/', {
      tontine_id: extra.id,
      stake: 700,
    });
    const id = asked.body.id as number;
    // Not paid yet: 409, nothing made.
    expectProblem(await post(tok.extraAgent, '/api/tontines/participants/', { adhesion_id: id }), 409);
    await post(tok.extraAgent, `/api/tontines/adhesions/${id}/valider-agent/`, { decision: 'approve' });
    expectProblem(await post(tok.extraAgent, '/api/tontines/participants/', { adhesion_id: id }), 409);
    await t.deps.db.manager.update(Adhesion, { id }, { status: 'paiement_effectue' });

    const res = await post(tok.extraAgent, '/api/tontines/participants/', { adhesion_id: id });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      sfd_id: extraSfd.id,
      tontine_id: extra.id,
      client_id: client.id,
      stake: 700,
      next_stake: null,
      status: 'actif',
      joined_at: '2026-04-15T10:00:00.000Z',
      created_at: '2026-04-15T10:00:00.000Z',
      updated_at: '2026-04-15T10:00:00.000Z',
      last_contribution_at: null,
      balance: 0,
      cycle: 1,
      boxes_paid: 0,
    });
    const adhesion = await t.deps.db.manager.findOneByOrFail(Adhesion, { id });
    expect([adhesion.status, adhesion.participantId]).toEqual(['adherent', res.body.id]);
    expect((await auditOf(t, 'tontine_adhesion', id)).at(-1)).toMatchObject({
      action: 'tontine.adhesion.integrate',
      actorId: users.extraAgent.id,
    });
    const sms = await t.deps.db.manager.findBy(SmsOutboxEntry, { toPhone: client.phone });
    expect(sms.map((s) => s.body)).toContain(
      'TontiFlex: bienvenue dans la tontine Petite tontine. Mise: 700 FCFA/jour. Carnet 1: 0/31. ' +
        'Cotisez quand vous voulez.',
    );

    expectProblem(await post(tok.extraAgent, '/api/tontines/participants/', { adhesion_id: id }), 409);
    expectProblem(
      await post(tok.extraAgent, '/api/tontines/participants/', { adhesion_id: 99_999_999 }),
      404,
    );
    expectProblem(await post(tok.agent, '/api/tontines/participants/', { adhesion_id: id }), 404);
    expectProblem(await post(tok.extraAgent, '/api/tontines/participants/', { adhesion_id: 'x' }), 400);
    expectProblem(await post(tok.extraAgent, '/api/tontines/participants/', {}), 400);
  });
});

describe('GET /api/tontines/participants/stats/', () => {
  const MARKET = {
    tontine_id: 0,
    sfd_id: 0,
    tontine: 'Marche "Dantokpa", Cotonou',
    status: 'active',
    month: '2026-04',
    participants_active: 1, // p1 (p2 is suspended)
    contributions_count: 2, // p1's 2 days and p2's 31, both at 00:30 local on April 1
    contributions_amount: 32_000, // 2 × 500 + 31 × 1 000
    commission: 1000, // p2's box 1 (p1's box 1 was paid in March)
    balances_held: 32_000, // p1 2 000 + p2 30 000
  };
  const SMALL = {
    tontine_id: 0,
    sfd_id: 0,
    tontine: 'Petite tontine',
    status: 'active',
    month: '2026-04',
    participants_active: 1,
    contributions_count: 1, // April 2 (the one at 23:30 local on March 31 is March's)
    contributions_amount: 200,
    commission: 0,
    balances_held: 200,
  };
  const FAR = {
    tontine_id: 0,
    sfd_id: 0,
    tontine: 'Tontine de Parakou',
    status: 'active',
    month: '2026-04',
    participants_active: 1,
    contributions_count: 1,
    contributions_amount: 1500,
    commission: 300,
    balances_held: 1200,
  };
  const row = (base: typeof MARKET, tontine: Tontine) => ({
    ...base,
    tontine_id: tontine.id,
    sfd_id: tontine.sfdId,
  });

  it('per tontine of the SFD: active participants, this local month, commission, balances held', async () => {
    const res = await get(tok.agent, '/api/tontines/participants/stats/');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ results: [row(MARKET, market), row(SMALL, small)] });
  });

  it('the month is the SFD’s: on March 31 at 23:00 local, March’s figures', async () => {
    t.clock.set(new Date('2026-03-31T22:00:00Z'));
    try {
      const res = await get(tok.agent, '/api/tontines/participants/stats/');
      const march = res.body.results.map((r: Record<string, unknown>) => [
        r.month,
        r.contributions_count,
        r.contributions_amount,
        r.commission,
      ]);
      // Market: p1's 3 days; small: p3's box 1 at 23:30 local on March 31 (the month's, not now's).
      expect(march).toEqual([
        ['2026-03', 1, 1500, 500],
        ['2026-03', 1, 200, 200],
      ]);
    } finally {
      t.clock.set(new Date('2026-04-15T10:00:00Z'));
    }
  });

  it('format=csv: text/csv, a header row, quoted names', async () => {
    const res = await get(tok.agent, '/api/tontines/participants/stats/?format=csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.text).toBe(
      'tontine_id,sfd_id,tontine,status,month,participants_active,contributions_count,' +
        'contributions_amount,commission,balances_held\r\n' +
        `${market.id},${sfd.id},"Marche ""Dantokpa"", Cotonou",active,2026-04,1,2,32000,1000,32000\r\n` +
        `${small.id},${sfd.id},Petite tontine,active,2026-04,1,1,200,0,200\r\n`,
    );
    expectProblem(await get(tok.agent, '/api/tontines/participants/stats/?format=xml'), 400);
  });

  it('the API document declares both answers: application/json and text/csv', async () => {
    const doc = await t.request.get('/api/schema');
    const ok = doc.body.paths['/api/tontines/participants/stats/'].get.responses['200'];
    expect(Object.keys(ok.content).sort()).toEqual(['application/json', 'text/csv']);
    expect(ok.content['text/csv']).toMatchObject({ schema: { type: 'string' } });
    expect(ok.content['text/csv'].example).toMatch(/^tontine_id,sfd_id,tontine,status,month,/);
  });

  it('the platform admin: every SFD, or sfd_id’s; another SFD’s staff theirs; clients 403', async () => {
    const all = await get(tok.platform, '/api/tontines/participants/stats/');
    const mine = all.body.results.filter((r: { sfd_id: number }) => [sfd.id, otherSfd.id].includes(r.sfd_id));
    expect(mine).toEqual([row(MARKET, market), row(SMALL, small), row(FAR, far)]);
    const one = await get(tok.platform, `/api/tontines/participants/stats/?sfd_id=${otherSfd.id}`);
    expect(one.body).toEqual({ results: [row(FAR, far)] });
    const theirs = await get(tok.otherAgent, `/api/tontines/participants/stats/?sfd_id=${sfd.id}`);
    expect(theirs.body).toEqual({ results: [row(FAR, far)] });
    expectProblem(await get(tok.c1, '/api/tontines/participants/stats/'), 403);
  });
});

describe('POST /api/tontines/cotisations/ and the carnet-completed SMS', () => {
  const smsOf = async (phone: string) =>
    (await t.deps.db.manager.find(SmsOutboxEntry, { where: { toPhone: phone }, order: { id: 'ASC' } })).map(
      (s) => [s.dedupeKey.startsWith('tontine:carnet:') ? 'carnet' : 'other', s.dedupeKey, s.body],
    );

  it('p2’s 31 boxes: "Carnet 1 complet" with the balance after the payment, once', async () => {
    const carnet = (await smsOf(users.c2.phone)).filter(([template]) => template === 'carnet');
    expect(carnet).toEqual([
      [
        'carnet',
        `tontine:carnet:${p.p2}:1:completed`,
        'TontiFlex: Carnet 1 complet (31/31), tontine Marche "Dantokpa", Cotonou. Solde tontine: ' +
          '30 000 FCFA. Felicitations !',
      ],
    ]);
    // p1 has completed nothing.
    expect((await smsOf(users.c1.phone)).map(([template]) => template)).not.toContain('carnet');
  });

  it('93 days at once complete three carnets: three SMS, in English for an English client', async () => {
    const client = await makeUser(t, 'client', extraSfd, { language: 'en' });
    const id = await join(client, extra, 200, 'extraAgent');
    const first = await cash(tok.extraAgent, id, 93, 'carnets-93');
    expect(first.status).toBe(201);
    expect([first.body.participant_id, first.body.amount, first.body.commission]).toEqual([id, 18_600, 600]);
    // A retry with the same key answers the first result and announces nothing again.
    const again = await cash(tok.extraAgent, id, 93, 'carnets-93');
    expect([again.status, again.body.id, again.headers['idempotent-replayed']]).toEqual([
      201,
      first.body.id,
      'true',
    ]);
    const carnets = (await smsOf(client.phone)).filter(([template]) => template === 'carnet');
    // Balance after the payment: 90 × 200.
    const text = (n: number) =>
      `TontiFlex: Carnet ${n} complete (31/31), tontine Petite tontine. Tontine balance: 18 000 FCFA. ` +
      'Congratulations!';
    expect(carnets).toEqual([1, 2, 3].map((n) => ['carnet', `tontine:carnet:${id}:${n}:completed`, text(n)]));
  });

  it('the body route answers like the path route: its checks, its problems', async () => {
    expectProblem(await cash(tok.c1, p.p1, 1), 403); // cash is the SFD staff's
    expectProblem(await cash(tok.otherAgent, p.p1, 1), 404);
    expectProblem(await cash(tok.agent, 99_999_999, 1), 404);
    expectProblem(await cash(tok.agent, p.p1, 0), 400);
    expectProblem(await cash(tok.agent, p.p2, 1), 409); // suspended
    const noKey = await post(tok.agent, '/api/tontines/cotisations/', {
      participant_id: p.p1,
      days: 1,
      method: 'cash',
    });
    expectProblem(noKey, 400);
    expectProblem(await post(tok.agent, '/api/tontines/cotisations/', { days: 1, method: 'cash' }), 400);
  });
});
