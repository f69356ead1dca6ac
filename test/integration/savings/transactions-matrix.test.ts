import type { SavingsAccount } from '../../../src/savings/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser } from '../../helpers/factories';
import { CALLERS, matrixCallers, type Caller } from '../../helpers/matrix';
import { activeSavingsAccount } from './helpers';

/**
 * Who reaches the savings money endpoints: the role × SFD matrix. A record outside the caller's reach
 * is a 404 (its existence is not revealed); a role that may not act is a 403.
 */
let t: TestApp;
let account: SavingsAccount;
let tokens: Record<Caller, string>;

beforeAll(async () => {
  t = await startTestApp();
  const own = await makeSfd(t, 'SMO');
  const other = await makeSfd(t, 'SMX');
  // The simulator pays a phone ending in 1.
  const owner = await makeUser(t, 'client', own, { phone: '+2290196300001' });
  ({ tokens } = await matrixCallers(t, own, other, owner));
  account = await activeSavingsAccount(t, own, owner, 1_000_000);
});
afterAll(() => t.close());

const as = (caller: Caller) => ({
  get: (url: string) => t.request.get(url).set('Authorization', `Bearer ${tokens[caller]}`),
  post: (url: string, body: object, key?: string) => {
    const req = t.request.post(url).set('Authorization', `Bearer ${tokens[caller]}`);
    if (key) req.set('Idempotency-Key', key);
    return req.send(body);
  },
});

async function matrix(call: (caller: Caller) => Promise<{ status: number }>) {
  const got: Record<string, number> = {};
  for (const caller of CALLERS) got[caller] = (await call(caller)).status;
  return got;
}

const MOVERS = {
  owner: 201,
  otherClient: 404,
  'agent_sfd:own': 201,
  'superviseur_sfd:own': 201,
  'admin_sfd:own': 201,
  'agent_sfd:other': 404,
  'superviseur_sfd:other': 404,
  'admin_sfd:other': 404,
  platform: 403,
};

it('deposit by mobile money: the owner and the SFD own staff; another client or SFD 404; platform 403', async () => {
  expect(
    await matrix((c) =>
      as(c).post(`/api/savings/accounts/${account.id}/deposit/`, { amount: 100, method: 'mobile_money' }),
    ),
  ).toEqual(MOVERS);
});

it('deposit in cash: the SFD own staff only; the owner and the platform admin 403; others 404', async () => {
  expect(
    await matrix((c) =>
      as(c).post(
        `/api/savings/accounts/${account.id}/deposit/`,
        { amount: 100, method: 'cash' },
        `matrix-${c}`,
      ),
    ),
  ).toEqual({ ...MOVERS, owner: 403 });
});

it('withdraw, and POST /api/savings/transactions/: the owner and the SFD own staff', async () => {
  expect(
    await matrix((c) => as(c).post(`/api/savings/accounts/${account.id}/withdraw/`, { amount: 500 })),
  ).toEqual(MOVERS);
  expect(
    await matrix((c) =>
      as(c).post('/api/savings/transactions/', { type: 'retrait', account_id: account.id, amount: 500 }),
    ),
  ).toEqual(MOVERS);
});

it('validate: the SFD own staff only; clients and the platform admin 403; another SFD 404', async () => {
  const got = await matrix(async (c) => {
    const { body: asked } = await as('owner').post(`/api/savings/accounts/${account.id}/withdraw/`, {
      amount: 500,
    });
    return as(c).post(`/api/savings/transactions/${asked.id}/validate/`, {
      decision: 'reject',
      reason: 'Matrice',
    });
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
  const missing = await as('agent_sfd:own').post('/api/savings/transactions/99999999/validate/', {
    decision: 'reject',
    reason: 'Matrice',
  });
  expect(missing.status).toBe(404);
  // A deposit is not a withdrawal to decide on.
  const { body: dep } = await as('agent_sfd:own').post(
    `/api/savings/accounts/${account.id}/deposit/`,
    { amount: 100, method: 'cash' },
    'matrix-deposit',
  );
  expect(
    (await as('agent_sfd:own').post(`/api/savings/transactions/${dep.id}/validate/`, { decision: 'approve' }))
      .status,
  ).toBe(404);
});

it('lists: the owner and the SFD staff see the transactions; nobody else does', async () => {
  const seen: Record<string, [number, number]> = {};
  for (const caller of CALLERS) {
    const res = await as(caller).get('/api/savings/transactions/');
    seen[caller] = [res.status, res.body.count];
  }
  // 4 mobile-money deposits + 3 cash ones + 8 requests + 9 for the decisions + 1 deposit.
  const all = await t.request
    .get(`/api/savings/transactions/?account_id=${account.id}&page_size=1`)
    .set('Authorization', `Bearer ${tokens.platform}`);
  const n = all.body.count as number;
  expect(n).toBe(4 + 3 + 8 + 9 + 1);
  expect(seen).toEqual({
    owner: [200, n],
    otherClient: [200, 0],
    'agent_sfd:own': [200, n],
    'superviseur_sfd:own': [200, n],
    'admin_sfd:own': [200, n],
    'agent_sfd:other': [200, 0],
    'superviseur_sfd:other': [200, 0],
    'admin_sfd:other': [200, 0],
    platform: [200, n],
  });
});

it("an account's transactions: its owner and its SFD's staff; the platform admin too; others 404", async () => {
  const got: Record<string, number> = {};
  for (const caller of CALLERS) {
    const res = await as(caller).get(`/api/savings/accounts/${account.id}/transactions/?type=retrait`);
    got[caller] = res.status;
    if (res.status === 200) expect(res.body.count).toBe(8 + 9);
  }
  expect(got).toEqual({
    owner: 200,
    otherClient: 404,
    'agent_sfd:own': 200,
    'superviseur_sfd:own': 200,
    'admin_sfd:own': 200,
    'agent_sfd:other': 404,
    'superviseur_sfd:other': 404,
    'admin_sfd:other': 404,
    platform: 200,
  });
});

it('statistics: staff and the platform admin; clients 403; another SFD sees only its own', async () => {
  const got: Record<string, [number, number | undefined]> = {};
  for (const caller of CALLERS) {
    const res = await as(caller).get('/api/savings/transactions/statistics/');
    got[caller] = [res.status, res.body.results?.length];
  }
  expect(got).toEqual({
    owner: [403, undefined],
    otherClient: [403, undefined],
    'agent_sfd:own': [200, 1],
    'superviseur_sfd:own': [200, 1],
    'admin_sfd:own': [200, 1],
    'agent_sfd:other': [200, 1],
    'superviseur_sfd:other': [200, 1],
    'admin_sfd:other': [200, 1],
    platform: [200, 1],
  });
  const other = await as('agent_sfd:other').get('/api/savings/transactions/statistics/');
  expect(other.body.results[0]).toMatchObject({ deposits_count: 0, active_accounts: 0 });
});
