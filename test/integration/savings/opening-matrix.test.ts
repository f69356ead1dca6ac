import type { Sfd, User } from '../../../src/accounts/entities';
import { IsNull, Not } from 'typeorm';
import { SavingsAccount } from '../../../src/savings/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { CALLERS, matrixCallers, type Caller } from '../../helpers/matrix';
import { makeSfd, makeUser, phone, tokenFor } from '../../helpers/factories';
import { jpeg, multipart, png } from './opening-helpers';

/**
 * Who reaches the opening's endpoints: the role × SFD matrix. A record outside the caller's reach is a
 * 404 (its existence is not revealed); a role that may not act is a 403. The expected answers are
 * written out, never derived from the code's rights.
 */
let t: TestApp;
let own: Sfd;
let other: Sfd;
let owner: User;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  own = await makeSfd(t, 'OMO');
  other = await makeSfd(t, 'OMX');
  let number = phone();
  while (/[89]$/.test(number)) number = phone(); // the simulator's silent and failing endings
  owner = await makeUser(t, 'client', own, { phone: number });
  Object.assign(tokens, (await matrixCallers(t, own, other, owner)).tokens);
  // Who makes the matrix's requests (maker-checker: never the one who decides).
  tokens.maker = await tokenFor(t, await makeUser(t, 'agent_sfd', own));
});
afterAll(() => t.close());

const auth = (caller: Caller) => ({ Authorization: `Bearer ${tokens[caller]}` });

/** Frees every client for a next request (the earlier ones rejected by hand). */
const freeOwner = () =>
  t.deps.db.manager.update(
    SavingsAccount,
    { openClientId: Not(IsNull()) },
    { openClientId: null, status: 'rejete' },
  );

/** A request of the owner awaiting its agent, with both documents. */
async function pendingRequest(): Promise<number> {
  await freeOwner();
  const res = await multipart(
    t,
    tokens.maker,
    '/api/savings/accounts/create-request/',
    {
      client_id: owner.id,
    },
    { id_card: { bytes: jpeg() }, photo: { bytes: png() } },
  );
  expect(res.status).toBe(201);
  return res.body.id as number;
}

async function matrix(call: (caller: Caller) => Promise<number>): Promise<Record<string, number>> {
  const got: Record<string, number> = {};
  for (const caller of CALLERS) got[caller] = await call(caller);
  return got;
}

const ALL_SEE = {
  owner: 200,
  otherClient: 404,
  'agent_sfd:own': 200,
  'superviseur_sfd:own': 200,
  'admin_sfd:own': 200,
  'agent_sfd:other': 404,
  'superviseur_sfd:other': 404,
  'admin_sfd:other': 404,
  platform: 200,
};

it('POST /accounts/ (no documents): the owner and the SFD’s staff for them; another SFD 404; platform 403', async () => {
  const got = await matrix(async (caller) => {
    await freeOwner();
    const body = caller === 'owner' ? {} : { client_id: owner.id };
    return (await t.request.post('/api/savings/accounts/').set(auth(caller)).send(body)).status;
  });
  expect(got).toEqual({
    owner: 201,
    otherClient: 201, // for themself: client_id is not theirs to choose
    'agent_sfd:own': 201,
    'superviseur_sfd:own': 201,
    'admin_sfd:own': 201,
    'agent_sfd:other': 404,
    'superviseur_sfd:other': 404,
    'admin_sfd:other': 404,
    platform: 403,
  });
});

it('POST /accounts/create-request/: the same rights, with both documents', async () => {
  const got = await matrix(async (caller) => {
    await freeOwner();
    const fields: Record<string, number> =
      caller === 'owner' || caller === 'otherClient' ? {} : { client_id: owner.id };
    const res = await multipart(t, tokens[caller], '/api/savings/accounts/create-request/', fields, {
      id_card: { bytes: jpeg() },
      photo: { bytes: png() },
    });
    return res.status;
  });
  expect(got).toEqual({
    owner: 201,
    otherClient: 201,
    'agent_sfd:own': 201,
    'superviseur_sfd:own': 201,
    'admin_sfd:own': 201,
    'agent_sfd:other': 404,
    'superviseur_sfd:other': 404,
    'admin_sfd:other': 404,
    platform: 403,
  });
});

it('GET /accounts/{id}/: its client and the SFD’s staff (the platform admin too); others 404', async () => {
  const id = await pendingRequest();
  expect(
    await matrix(async (c) => (await t.request.get(`/api/savings/accounts/${id}/`).set(auth(c))).status),
  ).toEqual(ALL_SEE);
});

it('GET /accounts/: everyone lists, each sees only what they reach', async () => {
  const id = await pendingRequest();
  const got: Record<string, [number, boolean]> = {};
  for (const caller of CALLERS) {
    const res = await t.request.get('/api/savings/accounts/?page_size=100').set(auth(caller));
    got[caller] = [res.status, (res.body.results as { id: number }[]).some((r) => r.id === id)];
  }
  expect(got).toEqual({
    owner: [200, true],
    otherClient: [200, false],
    'agent_sfd:own': [200, true],
    'superviseur_sfd:own': [200, true],
    'admin_sfd:own': [200, true],
    'agent_sfd:other': [200, false],
    'superviseur_sfd:other': [200, false],
    'admin_sfd:other': [200, false],
    platform: [200, true],
  });
});

it('GET /accounts/my-account/: clients only (one without any: 404); staff 403', async () => {
  await pendingRequest();
  expect(
    await matrix(async (c) => (await t.request.get('/api/savings/accounts/my-account/').set(auth(c))).status),
  ).toEqual({
    owner: 200,
    otherClient: 200, // asked for themself in the matrix above
    'agent_sfd:own': 403,
    'superviseur_sfd:own': 403,
    'admin_sfd:own': 403,
    'agent_sfd:other': 403,
    'superviseur_sfd:other': 403,
    'admin_sfd:other': 403,
    platform: 403,
  });
  const fresh = await tokenFor(t, await makeUser(t, 'client', own));
  expect(
    (await t.request.get('/api/savings/accounts/my-account/').set('Authorization', `Bearer ${fresh}`)).status,
  ).toBe(404);
});

it('POST /accounts/{id}/documents/: agents and above of the SFD; clients 403; another SFD 404; platform 403', async () => {
  const id = await pendingRequest();
  const got = await matrix(
    async (c) =>
      (
        await multipart(
          t,
          tokens[c],
          `/api/savings/accounts/${id}/documents/`,
          {},
          { photo: { bytes: png() } },
        )
      ).status,
  );
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
});

it('GET /accounts/{id}/documents/{docId}/: staff of the SFD; clients and the platform admin 403; another SFD 404', async () => {
  const id = await pendingRequest();
  const { body } = await t.request.get(`/api/savings/accounts/${id}/`).set(auth('agent_sfd:own'));
  const url = `/api/savings/accounts/${id}/documents/${body.documents[0].id}/`;
  expect(await matrix(async (c) => (await t.request.get(url).set(auth(c))).status)).toEqual({
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
});

it('POST /accounts/{id}/validate-request/: agents and above of the SFD; clients 403; another SFD 404; platform 403', async () => {
  const got = await matrix(async (c) => {
    const id = await pendingRequest();
    const res = await t.request
      .post(`/api/savings/accounts/${id}/validate-request/`)
      .set(auth(c))
      .send({ decision: 'reject', reason: 'Matrice' });
    return res.status;
  });
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
});

it('POST /accounts/{id}/pay-fees/: the owner and the SFD’s staff; another client or SFD 404; platform 403', async () => {
  const got = await matrix(async (c) => {
    const id = await pendingRequest();
    await t.request
      .post(`/api/savings/accounts/${id}/validate-request/`)
      .set(auth('agent_sfd:own'))
      .send({ decision: 'approve' });
    return (await t.request.post(`/api/savings/accounts/${id}/pay-fees/`).set(auth(c)).send({})).status;
  });
  expect(got).toEqual({
    owner: 200,
    otherClient: 404,
    'agent_sfd:own': 200,
    'superviseur_sfd:own': 200,
    'admin_sfd:own': 200,
    'agent_sfd:other': 404,
    'superviseur_sfd:other': 404,
    'admin_sfd:other': 404,
    platform: 403,
  });
});

it('GET/PUT /settings/: staff read their SFD’s (the platform admin names one), only the SFD admin sets it', async () => {
  const read = await matrix(async (c) => (await t.request.get('/api/savings/settings/').set(auth(c))).status);
  expect(read).toEqual({
    owner: 403,
    otherClient: 403,
    'agent_sfd:own': 200,
    'superviseur_sfd:own': 200,
    'admin_sfd:own': 200,
    'agent_sfd:other': 200,
    'superviseur_sfd:other': 200,
    'admin_sfd:other': 200,
    platform: 400, // sfd_id required
  });
  const named = await t.request.get(`/api/savings/settings/?sfd_id=${own.id}`).set(auth('platform'));
  expect(named.status).toBe(200);
  expect(named.body.sfd_id).toBe(own.id);
  // Staff of another SFD read their own SFD's, whatever they name.
  const mine = await t.request.get(`/api/savings/settings/?sfd_id=${own.id}`).set(auth('agent_sfd:other'));
  expect(mine.body.sfd_id).toBe(other.id);
  const write = await matrix(
    async (c) =>
      (await t.request.put('/api/savings/settings/').set(auth(c)).send({ opening_fee: 2000 })).status,
  );
  expect(write).toEqual({
    owner: 403,
    otherClient: 403,
    'agent_sfd:own': 403,
    'superviseur_sfd:own': 403,
    'admin_sfd:own': 200,
    'agent_sfd:other': 403,
    'superviseur_sfd:other': 403,
    'admin_sfd:other': 200,
    platform: 403,
  });
});

it('every endpoint: 401 without a token', async () => {
  const statuses = [
    (await t.request.get('/api/savings/accounts/')).status,
    (await t.request.post('/api/savings/accounts/').send({})).status,
    (await t.request.post('/api/savings/accounts/create-request/')).status,
    (await t.request.get('/api/savings/accounts/my-account/')).status,
    (await t.request.get('/api/savings/accounts/1/')).status,
    (await t.request.post('/api/savings/accounts/1/documents/')).status,
    (await t.request.get('/api/savings/accounts/1/documents/1/')).status,
    (await t.request.post('/api/savings/accounts/1/validate-request/').send({ decision: 'approve' })).status,
    (await t.request.post('/api/savings/accounts/1/pay-fees/').send({})).status,
    (await t.request.get('/api/savings/settings/')).status,
    (await t.request.put('/api/savings/settings/').send({ opening_fee: 1000 })).status,
  ];
  expect(statuses).toEqual(statuses.map(() => 401));
});
