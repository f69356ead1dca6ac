import type { TontineParticipant } from '../../../src/tontines/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { CALLERS, matrixCallers, type Caller } from '../../helpers/matrix';
import { makeSfd, makeUser } from '../../helpers/factories';
import { cash, openedDispute, participantOf } from './disputes-helpers';

/**
 * Who reaches the dispute endpoints: the role × SFD matrix, written out (not derived from the code's
 * rights). A record outside the caller's reach is a 404; a role that may not act is a 403; no token 401.
 */
let t: TestApp;
let participant: TontineParticipant;
let tokens: Record<Caller, string>;

beforeAll(async () => {
  t = await startTestApp();
  const own = await makeSfd(t, 'DMO');
  const other = await makeSfd(t, 'DMX');
  const owner = await makeUser(t, 'client', own);
  const callers = await matrixCallers(t, own, other, owner);
  tokens = callers.tokens;
  const { otherClient } = callers.users;
  participant = await participantOf(t, own, owner);
  // The other client has cash receipts of their own: the owner's code is still not theirs.
  await cash(t, tokens['agent_sfd:own'], (await participantOf(t, own, otherClient)).id, 1);
});
afterAll(() => t.close());

const auth = (caller: Caller) => ({ Authorization: `Bearer ${tokens[caller]}` });
const dispute = () =>
  openedDispute(t, { agent: tokens['agent_sfd:own'], client: tokens.owner }, participant.id);

it("open: the receipt's own client only; another client's attempt finds no such code (400)", async () => {
  const got: Record<string, number> = {};
  for (const caller of CALLERS) {
    const { receipt_code } = await cash(t, tokens['agent_sfd:own'], participant.id, 1);
    const res = await t.request
      .post('/api/tontines/contestations/')
      .set(auth(caller))
      .send({ code: receipt_code });
    got[caller] = res.status;
  }
  expect(got).toEqual({
    owner: 201,
    otherClient: 400,
    'agent_sfd:own': 403,
    'superviseur_sfd:own': 403,
    'admin_sfd:own': 403,
    'agent_sfd:other': 403,
    'superviseur_sfd:other': 403,
    'admin_sfd:other': 403,
    platform: 403,
  });
  const anonymous = await t.request.post('/api/tontines/contestations/').send({ code: 'K7M2QX' });
  expect(anonymous.status).toBe(401);
});

it("decision: a superviseur or admin of the SFD; agents, clients, the platform admin 403; another SFD's 404", async () => {
  const got: Record<string, number> = {};
  for (const caller of CALLERS) {
    const id = await dispute();
    const res = await t.request
      .post(`/api/tontines/contestations/${id}/decider/`)
      .set(auth(caller))
      .send({ decision: 'reject', reason: 'Matrice' });
    got[caller] = res.status;
  }
  expect(got).toEqual({
    owner: 403,
    otherClient: 403,
    'agent_sfd:own': 403,
    'superviseur_sfd:own': 200,
    'admin_sfd:own': 200,
    'agent_sfd:other': 403,
    'superviseur_sfd:other': 404,
    'admin_sfd:other': 404,
    platform: 403,
  });
  const missing = await t.request
    .post('/api/tontines/contestations/99999999/decider/')
    .set(auth('superviseur_sfd:own'))
    .send({ decision: 'reject', reason: 'Matrice' });
  expect(missing.status).toBe(404);
  const anonymous = await t.request
    .post(`/api/tontines/contestations/${await dispute()}/decider/`)
    .send({ decision: 'reject', reason: 'Matrice' });
  expect(anonymous.status).toBe(401);
});

it("one dispute: the SFD's superviseurs and admins, the platform admin; another SFD's 404; others 403", async () => {
  const id = await dispute();
  const got: Record<string, number> = {};
  for (const caller of CALLERS) {
    got[caller] = (await t.request.get(`/api/tontines/contestations/${id}/`).set(auth(caller))).status;
  }
  expect(got).toEqual({
    owner: 403,
    otherClient: 403,
    'agent_sfd:own': 403,
    'superviseur_sfd:own': 200,
    'admin_sfd:own': 200,
    'agent_sfd:other': 403,
    'superviseur_sfd:other': 404,
    'admin_sfd:other': 404,
    platform: 200,
  });
  const missing = await t.request.get('/api/tontines/contestations/99999999/').set(auth('platform'));
  expect(missing.status).toBe(404);
  expect((await t.request.get(`/api/tontines/contestations/${id}/`)).status).toBe(401);
});

it("list: the SFD's superviseurs and admins see its disputes, another SFD's none, the platform admin all", async () => {
  const seen: Record<string, [number, number | undefined]> = {};
  for (const caller of CALLERS) {
    const res = await t.request.get('/api/tontines/contestations/').set(auth(caller));
    seen[caller] = [res.status, res.body.count];
  }
  // 1 opened in the first test, 9 + 1 in the second, 1 in the third.
  expect(seen).toEqual({
    owner: [403, undefined],
    otherClient: [403, undefined],
    'agent_sfd:own': [403, undefined],
    'superviseur_sfd:own': [200, 12],
    'admin_sfd:own': [200, 12],
    'agent_sfd:other': [403, undefined],
    'superviseur_sfd:other': [200, 0],
    'admin_sfd:other': [200, 0],
    platform: [200, 12],
  });
  expect((await t.request.get('/api/tontines/contestations/')).status).toBe(401);
});
