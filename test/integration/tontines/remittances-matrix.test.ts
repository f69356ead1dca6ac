import type { Sfd, User } from '../../../src/accounts/entities';
import type { Role } from '../../../src/http/roles';
import type { TontineParticipant } from '../../../src/tontines/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { fundedParticipant } from './withdrawals-helpers';

/**
 * Who reaches the cash remittance endpoints: the role × SFD matrix, written out again here (not imported)
 * so widening a right fails this test. A record outside the caller's reach is a 404; a role that may
 * not act is a 403. The app itself serves the routes (ahead of /api/tontines/:id).
 */
let t: TestApp;
let own: Sfd;
let other: Sfd;
/** The agent of `own` whose remittances the others read and count. */
let declarer: User;
const users = {} as Record<Caller, User>;
const tokens = {} as Record<Caller | 'declarer', string>;
const participants = new Map<number, TontineParticipant>();
let keys = 0;

type Caller =
  'client' | `${Exclude<Role, 'client' | 'admin_plateforme'>}:${'own' | 'other'}` | 'platform' | 'declarer';

const CALLERS: Caller[] = [
  'declarer',
  'client',
  'agent_sfd:own',
  'superviseur_sfd:own',
  'admin_sfd:own',
  'agent_sfd:other',
  'superviseur_sfd:other',
  'admin_sfd:other',
  'platform',
];

const bearer = (caller: Caller) => ({ Authorization: `Bearer ${tokens[caller]}` });

/** `by` collects 10 boxes (5 000 XOF) in cash from a participant of their SFD. */
async function collect(by: Caller) {
  const user = users[by];
  const participant = participants.get(user.sfdId as number) as TontineParticipant;
  const res = await t.request
    .post(`/api/tontines/participants/${participant.id}/cotiser/`)
    .set(bearer(by))
    .set('Idempotency-Key', `matrix-${++keys}`)
    .send({ days: 10, method: 'cash' });
  expect(res.status).toBe(201);
}

const declare = (caller: Caller, amount = 1000) =>
  t.request.post('/api/tontines/collecte/versements/').set(bearer(caller)).send({ amount });

const confirm = (caller: Caller, id: number) =>
  t.request
    .post(`/api/tontines/collecte/versements/${id}/confirmer/`)
    .set(bearer(caller))
    .send({ counted_amount: 1000 });

beforeAll(async () => {
  t = await startTestApp();
  own = await makeSfd(t, 'RMO');
  other = await makeSfd(t, 'RMX');
  for (const sfd of [own, other]) {
    participants.set(sfd.id, await fundedParticipant(t, sfd, await makeUser(t, 'client', sfd), 0));
  }
  declarer = await makeUser(t, 'agent_sfd', own);
  users.declarer = declarer;
  users.client = await makeUser(t, 'client', own);
  for (const role of ['agent_sfd', 'superviseur_sfd', 'admin_sfd'] as const) {
    users[`${role}:own`] = await makeUser(t, role, own);
    users[`${role}:other`] = await makeUser(t, role, other);
  }
  users.platform = await makeUser(t, 'admin_plateforme', null);
  for (const caller of CALLERS) tokens[caller] = await tokenFor(t, users[caller]);
  // Staff hold cash to hand over; the declarer enough for every remittance below.
  for (const caller of CALLERS) if (caller !== 'client' && caller !== 'platform') await collect(caller);
  for (let i = 0; i < 3; i++) await collect('declarer');
});
afterAll(() => t.close());

it('declare: any SFD staff for their own cash, to their own SFD; a client or the platform admin: 403', async () => {
  const got: Record<string, number | string> = {};
  for (const caller of CALLERS) {
    const res = await declare(caller);
    got[caller] = res.status === 201 ? `201 sfd:${res.body.sfd_id === users[caller].sfdId}` : res.status;
  }
  expect(got).toEqual({
    declarer: '201 sfd:true',
    client: 403,
    'agent_sfd:own': '201 sfd:true',
    'superviseur_sfd:own': '201 sfd:true',
    'admin_sfd:own': '201 sfd:true',
    'agent_sfd:other': '201 sfd:true',
    'superviseur_sfd:other': '201 sfd:true',
    'admin_sfd:other': '201 sfd:true',
    platform: 403,
  });
});

it("confirm: a superviseur or admin of the SFD, never the declarer; another SFD's: 404", async () => {
  // The declarer's remittance of the first test is open: each caller tries to count it, and when
  // they may not, a superviseur of the SFD counts it so the declarer can declare the next one.
  const got: Record<string, number> = {};
  for (const caller of CALLERS) {
    const open = await t.request
      .get('/api/tontines/collecte/versements/?status=declare')
      .set(bearer('declarer'));
    let id = (open.body.results as { id: number }[])[0]?.id;
    if (id === undefined) id = (await declare('declarer')).body.id as number;
    const res = await confirm(caller, id);
    got[caller] = res.status;
    if (res.status !== 200) expect((await confirm('superviseur_sfd:own', id)).status).toBe(200);
  }
  expect(got).toEqual({
    declarer: 403,
    client: 403,
    'agent_sfd:own': 403,
    'superviseur_sfd:own': 200,
    'admin_sfd:own': 200,
    'agent_sfd:other': 403,
    'superviseur_sfd:other': 404,
    'admin_sfd:other': 404,
    platform: 403,
  });
  const missing = await confirm('superviseur_sfd:own', 99_999_999);
  expect(missing.status).toBe(404);
});

it("list: an agent their own, a superviseur or admin their SFD's, the platform admin all", async () => {
  const seen: Record<string, [number, number | undefined]> = {};
  for (const caller of CALLERS) {
    const res = await t.request.get('/api/tontines/collecte/versements/').set(bearer(caller));
    seen[caller] = [res.status, res.body.count as number | undefined];
  }
  // The declarer: 1 in the first test, then one for each caller but the first in the second (8).
  // Own SFD: those 9 and one each for its agent, superviseur and admin; the other SFD: 3.
  expect(seen).toEqual({
    declarer: [200, 9],
    client: [403, undefined],
    'agent_sfd:own': [200, 1],
    'superviseur_sfd:own': [200, 12],
    'admin_sfd:own': [200, 12],
    'agent_sfd:other': [200, 1],
    'superviseur_sfd:other': [200, 3],
    'admin_sfd:other': [200, 3],
    platform: [200, 15],
  });
});

it("one by id: the declarer and the SFD's superviseurs and admins, the platform admin; others 404", async () => {
  const list = await t.request.get('/api/tontines/collecte/versements/').set(bearer('declarer'));
  const id = (list.body.results as { id: number }[])[0].id;
  const got: Record<string, number> = {};
  for (const caller of CALLERS) {
    got[caller] = (
      await t.request.get(`/api/tontines/collecte/versements/${id}/`).set(bearer(caller))
    ).status;
  }
  expect(got).toEqual({
    declarer: 200,
    client: 403,
    'agent_sfd:own': 404,
    'superviseur_sfd:own': 200,
    'admin_sfd:own': 200,
    'agent_sfd:other': 404,
    'superviseur_sfd:other': 404,
    'admin_sfd:other': 404,
    platform: 200,
  });
});

it("the cash desk shows the open remittance to the agent and to the SFD's superviseur", async () => {
  const declared = await declare('agent_sfd:other', 500);
  expect(declared.status).toBe(409); // still open since the first test
  const desk = await t.request
    .get(`/api/tontines/collecte/caisse/?agent_id=${users['agent_sfd:other'].id}`)
    .set(bearer('superviseur_sfd:other'));
  expect(desk.body).toMatchObject({
    cash_on_hand: 5000,
    open_remittance: { declared_amount: 1000 },
    variance: 0,
  });
});
