import { PaymentTransaction } from '../../../src/payments/entities';
import { TontineParticipant } from '../../../src/tontines/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { CALLERS, matrixCallers, type Caller } from '../../helpers/matrix';
import { makeSfd, makeTontine, makeUser } from '../../helpers/factories';

/**
 * Who reaches the contribution endpoints: the role × SFD matrix. A record outside the caller's reach is
 * a 404 (its existence is not revealed); a role that may not act is a 403.
 */
let t: TestApp;
let participant: TontineParticipant;
let tokens: Record<Caller, string>;

beforeAll(async () => {
  t = await startTestApp();
  const own = await makeSfd(t, 'MXO');
  const other = await makeSfd(t, 'MXX');
  const owner = await makeUser(t, 'client', own);
  tokens = (await matrixCallers(t, own, other, owner)).tokens;
  const tontine = await makeTontine(t, own);
  const now = t.clock.now();
  participant = await t.deps.db.manager.save(
    t.deps.db.manager.create(TontineParticipant, {
      sfdId: own.id,
      tontineId: tontine.id,
      clientId: owner.id,
      stake: 500,
      nextStake: null,
      status: 'actif',
      joinedAt: now,
      createdAt: now,
      updatedAt: now,
    }),
  );
});
afterAll(() => t.close());

const get = (caller: Caller, url: string) =>
  t.request.get(url).set('Authorization', `Bearer ${tokens[caller]}`);

let key = 0;
const cash = (caller: Caller) =>
  t.request
    .post(`/api/tontines/participants/${participant.id}/cotiser/`)
    .set('Authorization', `Bearer ${tokens[caller]}`)
    .set('Idempotency-Key', `matrix-${++key}`)
    .send({ days: 1, method: 'cash' });

it('cash: the SFD own staff record it; a client may not; outside the SFD it does not exist', async () => {
  const expected: Record<Caller, number> = {
    owner: 403,
    otherClient: 404,
    'agent_sfd:own': 201,
    'superviseur_sfd:own': 201,
    'admin_sfd:own': 201,
    'agent_sfd:other': 404,
    'superviseur_sfd:other': 404,
    'admin_sfd:other': 404,
    platform: 403,
  };
  const got: Record<string, number> = {};
  for (const caller of CALLERS) got[caller] = (await cash(caller)).status;
  expect(got).toEqual(expected);
});

it('mobile money: refused outside the caller reach, before any payment starts', async () => {
  const got: Record<string, number> = {};
  for (const caller of ['otherClient', 'agent_sfd:other', 'admin_sfd:other'] as const) {
    got[caller] = (
      await t.request
        .post(`/api/tontines/participants/${participant.id}/cotiser/`)
        .set('Authorization', `Bearer ${tokens[caller]}`)
        .send({ days: 1, method: 'mobile_money' })
    ).status;
  }
  expect(got).toEqual({ otherClient: 404, 'agent_sfd:other': 404, 'admin_sfd:other': 404 });
  expect(await t.deps.db.manager.count(PaymentTransaction)).toBe(0);
});

it('reads: the owner and the SFD staff see the participation; nobody else does', async () => {
  const seen: Record<string, [number, number, number, number]> = {};
  for (const caller of CALLERS) {
    const list = await get(caller, '/api/tontines/cotisations/');
    const carnets = await get(caller, `/api/tontines/carnets-cotisation/?participant_id=${participant.id}`);
    const soldes = await get(caller, '/api/tontines/soldes/');
    seen[caller] = [list.status, list.body.count, carnets.status, soldes.body.count];
  }
  // The three cash contributions of the first test; one participation.
  expect(seen).toEqual({
    owner: [200, 3, 200, 1],
    otherClient: [200, 0, 404, 0],
    'agent_sfd:own': [200, 3, 200, 1],
    'superviseur_sfd:own': [200, 3, 200, 1],
    'admin_sfd:own': [200, 3, 200, 1],
    'agent_sfd:other': [200, 0, 404, 0],
    'superviseur_sfd:other': [200, 0, 404, 0],
    'admin_sfd:other': [200, 0, 404, 0],
    platform: [200, 3, 200, 1],
  });
});

it('list filters: tontine, client, status, date range', async () => {
  const count = async (query: string) =>
    (await get('admin_sfd:own', `/api/tontines/cotisations/?${query}`)).body.count as number;
  const today = new Date(t.clock.now().getTime() + 3_600_000).toISOString().slice(0, 10); // UTC+1
  expect(await count(`tontine_id=${participant.tontineId}`)).toBe(3);
  expect(await count(`tontine_id=${participant.tontineId + 1000}`)).toBe(0);
  expect(await count(`client_id=${participant.clientId}`)).toBe(3);
  expect(await count('status=confirmee')).toBe(3);
  expect(await count('status=rejetee')).toBe(0);
  expect(await count(`date_from=${today}&date_to=${today}`)).toBe(3);
  expect(await count('date_to=2000-01-01')).toBe(0);
  expect(await count('page_size=2')).toBe(3);
  const page = await get('admin_sfd:own', '/api/tontines/cotisations/?page_size=2');
  expect([page.body.results.length, page.body.next === null]).toEqual([2, false]);
  expect((await get('admin_sfd:own', '/api/tontines/cotisations/?status=unknown')).status).toBe(400);
  // A client's client_id filter cannot reach another client's records: they see their own.
  expect(
    (await get('otherClient', `/api/tontines/cotisations/?client_id=${participant.clientId}`)).body.count,
  ).toBe(0);
});

it('without a token: 401 everywhere', async () => {
  const statuses = await Promise.all([
    t.request.get('/api/tontines/cotisations/'),
    t.request.get(`/api/tontines/carnets-cotisation/?participant_id=${participant.id}`),
    t.request.get('/api/tontines/soldes/'),
    t.request.post(`/api/tontines/participants/${participant.id}/cotiser/`).send({ days: 1, method: 'cash' }),
  ]);
  expect(statuses.map((r) => r.status)).toEqual([401, 401, 401, 401]);
});
