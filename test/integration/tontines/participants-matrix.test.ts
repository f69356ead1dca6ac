import type { Sfd, User } from '../../../src/accounts/entities';
import { PaymentTransaction } from '../../../src/payments/entities';
import { Adhesion, TontineParticipant, type Tontine } from '../../../src/tontines/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { CALLERS, matrixCallers, type Caller } from '../../helpers/matrix';
import { makeSfd, makeTontine, makeUser } from '../../helpers/factories';

/**
 * Who reaches the participants' endpoints and POST /api/tontines/cotisations: the role × SFD matrix,
 * written out again (not imported). A record outside the caller's reach is a 404 (its existence is not
 * revealed); a role that may not act is a 403.
 */
let t: TestApp;
let own: Sfd;
let ownTontine: Tontine;
let otherTontine: Tontine;
let owner: User;
let participant: TontineParticipant;
let tokens: Record<Caller, string>;

async function participantOf(sfd: Sfd, tontine: Tontine, client: User) {
  const m = t.deps.db.manager;
  const now = t.clock.now();
  return m.save(
    m.create(TontineParticipant, {
      sfdId: sfd.id,
      tontineId: tontine.id,
      clientId: client.id,
      stake: 500,
      nextStake: null,
      status: 'actif',
      joinedAt: now,
      lastContributionAt: null,
      createdAt: now,
      updatedAt: now,
    }),
  );
}

beforeAll(async () => {
  t = await startTestApp();
  own = await makeSfd(t, 'PMO');
  const other = await makeSfd(t, 'PMX');
  owner = await makeUser(t, 'client', own);
  tokens = (await matrixCallers(t, own, other, owner)).tokens;
  ownTontine = await makeTontine(t, own);
  otherTontine = await makeTontine(t, other);
  participant = await participantOf(own, ownTontine, owner);
  // The other SFD has a participant of its own: its staff see one, never ours.
  await participantOf(other, otherTontine, await makeUser(t, 'client', other));
});
afterAll(() => t.close());

const get = (caller: Caller, url: string) =>
  t.request.get(url).set('Authorization', `Bearer ${tokens[caller]}`);

it('list: the owner their own, the SFD staff theirs, the platform admin all', async () => {
  const seen: Record<string, [number, number[]]> = {};
  for (const caller of CALLERS) {
    const res = await get(caller, '/api/tontines/participants/');
    seen[caller] = [
      res.status,
      res.body.results.map((r: { tontine_id: number }) => r.tontine_id).sort((a: number, b: number) => a - b),
    ];
  }
  const mine: [number, number[]] = [200, [ownTontine.id]];
  const theirs: [number, number[]] = [200, [otherTontine.id]];
  expect(seen).toEqual({
    owner: mine,
    otherClient: [200, []],
    'agent_sfd:own': mine,
    'superviseur_sfd:own': mine,
    'admin_sfd:own': mine,
    'agent_sfd:other': theirs,
    'superviseur_sfd:other': theirs,
    'admin_sfd:other': theirs,
    platform: [200, [ownTontine.id, otherTontine.id]],
  });
});

it('stats (JSON and CSV): the SFD staff their tontines, the platform admin all; clients 403', async () => {
  const seen: Record<string, [number, number[], number, string]> = {};
  for (const caller of CALLERS) {
    const json = await get(caller, '/api/tontines/participants/stats/');
    const csv = await get(caller, '/api/tontines/participants/stats/?format=csv');
    seen[caller] = [
      json.status,
      (json.body.results ?? []).map((r: { tontine_id: number }) => r.tontine_id),
      csv.status,
      csv.status === 200
        ? (csv.text as string)
            .split('\r\n')
            .filter(Boolean)
            .slice(1)
            .map((l) => l.split(',')[0])
            .join(' ')
        : '',
    ];
  }
  const mine: [number, number[], number, string] = [200, [ownTontine.id], 200, String(ownTontine.id)];
  const theirs: [number, number[], number, string] = [200, [otherTontine.id], 200, String(otherTontine.id)];
  expect(seen).toEqual({
    owner: [403, [], 403, ''],
    otherClient: [403, [], 403, ''],
    'agent_sfd:own': mine,
    'superviseur_sfd:own': mine,
    'admin_sfd:own': mine,
    'agent_sfd:other': theirs,
    'superviseur_sfd:other': theirs,
    'admin_sfd:other': theirs,
    platform: [200, [ownTontine.id, otherTontine.id], 200, `${ownTontine.id} ${otherTontine.id}`],
  });
});

it('create from a paid adhesion: the SFD staff and the platform admin (as integrer); clients 403; another SFD 404', async () => {
  const got: Record<string, number> = {};
  for (const caller of CALLERS) {
    // A fresh paid adhesion of the SFD for each caller, on a tontine of its own.
    const client = await makeUser(t, 'client', own);
    const tontine = await makeTontine(t, own);
    const now = t.clock.now();
    const adhesion = await t.deps.db.manager.save(
      t.deps.db.manager.create(Adhesion, {
        sfdId: own.id,
        tontineId: tontine.id,
        clientId: client.id,
        stake: 500,
        status: 'paiement_effectue',
        submittedBy: null,
        reason: null,
        decidedBy: null,
        decidedAt: now,
        paymentReference: null,
        participantId: null,
        createdAt: now,
        updatedAt: now,
      }),
    );
    const res = await t.request
      .post('/api/tontines/participants/')
      .set('Authorization', `Bearer ${tokens[caller]}`)
      .send({ adhesion_id: adhesion.id });
    got[caller] = res.status;
    const made = await t.deps.db.manager.countBy(TontineParticipant, { clientId: client.id });
    expect({ caller, made }).toEqual({ caller, made: res.status === 201 ? 1 : 0 });
  }
  expect(got).toEqual({
    owner: 403,
    otherClient: 403,
    'agent_sfd:own': 201,
    'superviseur_sfd:own': 201,
    'admin_sfd:own': 201,
    'agent_sfd:other': 404,
    'superviseur_sfd:other': 404,
    'admin_sfd:other': 404,
    platform: 201,
  });
});

let key = 0;
it('POST /api/tontines/cotisations cash: the SFD own staff; a client 403; another SFD 404; the platform admin 403', async () => {
  const got: Record<string, number> = {};
  for (const caller of CALLERS) {
    const res = await t.request
      .post('/api/tontines/cotisations/')
      .set('Authorization', `Bearer ${tokens[caller]}`)
      .set('Idempotency-Key', `pmatrix-${++key}`)
      .send({ participant_id: participant.id, days: 1, method: 'cash' });
    got[caller] = res.status;
  }
  expect(got).toEqual({
    owner: 403,
    otherClient: 404,
    'agent_sfd:own': 201,
    'superviseur_sfd:own': 201,
    'admin_sfd:own': 201,
    'agent_sfd:other': 404,
    'superviseur_sfd:other': 404,
    'admin_sfd:other': 404,
    platform: 403,
  });
});

it('POST /api/tontines/cotisations mobile money: refused outside the caller reach before any payment; the owner starts one', async () => {
  const got: Record<string, number> = {};
  for (const caller of ['otherClient', 'agent_sfd:other', 'admin_sfd:other'] as const) {
    got[caller] = (
      await t.request
        .post('/api/tontines/cotisations/')
        .set('Authorization', `Bearer ${tokens[caller]}`)
        .send({ participant_id: participant.id, days: 1, method: 'mobile_money' })
    ).status;
  }
  expect(got).toEqual({ otherClient: 404, 'agent_sfd:other': 404, 'admin_sfd:other': 404 });
  expect(await t.deps.db.manager.count(PaymentTransaction)).toBe(0);
  const mine = await t.request
    .post('/api/tontines/cotisations/')
    .set('Authorization', `Bearer ${tokens.owner}`)
    .send({ participant_id: participant.id, days: 2, method: 'mobile_money' });
  expect(mine.status).toBe(201);
  expect(mine.body).toMatchObject({
    method: 'mobile_money',
    status: 'pending',
    participant_id: participant.id,
    days: 2,
  });
  expect(await t.deps.db.manager.countBy(PaymentTransaction, { clientId: owner.id })).toBe(1);
});

it('without a token: 401 everywhere', async () => {
  const statuses = await Promise.all([
    t.request.get('/api/tontines/participants/'),
    t.request.post('/api/tontines/participants/').send({ adhesion_id: 1 }),
    t.request.get('/api/tontines/participants/stats/'),
    t.request.get('/api/tontines/participants/stats/?format=csv'),
    t.request
      .post('/api/tontines/cotisations/')
      .send({ participant_id: participant.id, days: 1, method: 'cash' }),
  ]);
  expect(statuses.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
});
