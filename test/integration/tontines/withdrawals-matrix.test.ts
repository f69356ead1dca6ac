import type supertest from 'supertest';
import type { TontineParticipant } from '../../../src/tontines/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { CALLERS, matrixCallers, type Caller } from '../../helpers/matrix';
import { makeSfd, makeUser } from '../../helpers/factories';
import { fundedParticipant, mountWithdrawals } from './withdrawals-helpers';

/**
 * Who reaches the withdrawal endpoints: the role × SFD matrix. A record outside the caller's reach is a
 * 404 (its existence is not revealed); a role that may not act is a 403.
 */
let t: TestApp;
let api: ReturnType<typeof supertest>;
let participant: TontineParticipant;
let tokens: Record<Caller, string>;

beforeAll(async () => {
  t = await startTestApp();
  api = mountWithdrawals(t);
  const own = await makeSfd(t, 'WMO');
  const other = await makeSfd(t, 'WMX');
  const owner = await makeUser(t, 'client', own);
  tokens = (await matrixCallers(t, own, other, owner)).tokens;
  participant = await fundedParticipant(t, own, owner, 100_000);
});
afterAll(() => t.close());

const ask = (caller: Caller) =>
  api
    .post('/api/tontines/retraits/')
    .set('Authorization', `Bearer ${tokens[caller]}`)
    .send({ participant_id: participant.id, amount: 100 });

it('request: the owner and the SFD own staff; another client or SFD: 404; the platform admin: 403', async () => {
  const got: Record<string, number> = {};
  for (const caller of CALLERS) got[caller] = (await ask(caller)).status;
  expect(got).toEqual({
    owner: 201,
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

it('decision: the SFD own staff only; clients and the platform admin 403; another SFD 404', async () => {
  const got: Record<string, number> = {};
  for (const caller of CALLERS) {
    const { body: asked } = await ask('owner');
    const res = await api
      .post(`/api/tontines/retraits/${asked.id}/valider/`)
      .set('Authorization', `Bearer ${tokens[caller]}`)
      .send({ decision: 'reject', reason: 'Matrice' });
    got[caller] = res.status;
  }
  expect(got).toEqual({
    owner: 403,
    otherClient: 403,
    'agent_sfd:own': 200,
    'superviseur_sfd:own': 200,
    'admin_sfd:own': 200,
    'agent_sfd:other': 404,
    'superviseur_sfd:other': 404,
    'admin_sfd:other': 404,
    platform: 403,
  });
  // A missing one is a 404 like another SFD's.
  const missing = await api
    .post('/api/tontines/retraits/99999999/valider/')
    .set('Authorization', `Bearer ${tokens['agent_sfd:own']}`)
    .send({ decision: 'reject', reason: 'Matrice' });
  expect(missing.status).toBe(404);
});

it('list: the owner and the SFD staff see the withdrawals; nobody else does', async () => {
  const seen: Record<string, [number, number]> = {};
  for (const caller of CALLERS) {
    const res = await api.get('/api/tontines/retraits/').set('Authorization', `Bearer ${tokens[caller]}`);
    seen[caller] = [res.status, res.body.count];
  }
  // 4 requests in the first test, 9 in the second.
  expect(seen).toEqual({
    owner: [200, 13],
    otherClient: [200, 0],
    'agent_sfd:own': [200, 13],
    'superviseur_sfd:own': [200, 13],
    'admin_sfd:own': [200, 13],
    'agent_sfd:other': [200, 0],
    'superviseur_sfd:other': [200, 0],
    'admin_sfd:other': [200, 0],
    platform: [200, 13],
  });
});

it('the app itself serves them, ahead of /api/tontines/:id', async () => {
  const auth = { Authorization: `Bearer ${tokens['agent_sfd:own']}` };
  const list = await t.request.get('/api/tontines/retraits/').set(auth);
  expect([list.status, list.body.count]).toEqual([200, 13]);
  const desk = await t.request.get('/api/tontines/collecte/caisse/').set(auth);
  expect([desk.status, desk.body.cash_on_hand]).toEqual([200, 0]);
  const asked = await t.request
    .post('/api/tontines/retraits/')
    .set({ Authorization: `Bearer ${tokens.owner}` })
    .send({ participant_id: participant.id, amount: 100 });
  expect(asked.status).toBe(201);
  const decided = await t.request
    .post(`/api/tontines/retraits/${asked.body.id}/valider/`)
    .set(auth)
    .send({ decision: 'approve', method: 'cash' });
  expect([decided.status, decided.body.status]).toEqual([200, 'confirmee']);
});
