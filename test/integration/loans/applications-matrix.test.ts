import type { Sfd, User } from '../../../src/accounts/entities';
import type { SavingsAccount } from '../../../src/savings/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd } from '../../helpers/factories';
import { CALLERS, matrixCallers, type Caller } from '../../helpers/matrix';
import { addDays } from '../../../src/shared/sfd-calendar';
import { eligibleClient, makeApplication, today } from './helpers';

/**
 * Who reaches the applications and terms endpoints: the role × SFD matrix, the expected answers written
 * out. Another SFD's record is a 404, a role that may not act a 403.
 */
let t: TestApp;
let own: Sfd;
let owner: User;
let ownerSavings: SavingsAccount;
let tokens: Record<Caller, string>;

beforeAll(async () => {
  t = await startTestApp();
  own = await makeSfd(t, 'LMO');
  const other = await makeSfd(t, 'LMX');
  ({ client: owner, savings: ownerSavings } = await eligibleClient(t, own));
  ({ tokens } = await matrixCallers(t, own, other, owner));
});
afterAll(() => t.close());

const as = (caller: Caller) => ({
  get: (url: string) => t.request.get(url).set('Authorization', `Bearer ${tokens[caller]}`),
  post: (url: string, body: object) =>
    t.request.post(url).set('Authorization', `Bearer ${tokens[caller]}`).send(body),
});

async function matrix(call: (caller: Caller) => Promise<{ status: number }>) {
  const got: Record<string, number> = {};
  for (const caller of CALLERS) got[caller] = (await call(caller)).status;
  return got;
}

/** A fresh application of a fresh client of the own SFD (the owner's for `owner`). */
async function freshApplication(status: 'soumis' | 'transfere_admin', forOwner = false) {
  const { client, savings } = forOwner
    ? { client: owner, savings: ownerSavings }
    : await eligibleClient(t, own);
  return (await makeApplication(t, own, client, savings, { status })).application;
}

const TERMS = { annual_rate: 12, daily_penalty_rate: 0.1 };

it('POST /api/loans/applications/: the client for themself, the SFD staff for its client; platform 403', async () => {
  const got = await matrix(async (c) => {
    const { client } = await eligibleClient(t, own);
    return as(c).post('/api/loans/applications/', {
      client_id: client.id,
      amount: 10_000,
      months: 6,
      purpose: 'commerce',
    });
  });
  expect(got).toEqual({
    owner: 201, // client_id is ignored for a client: the owner applies for themself
    otherClient: 409, // without savings: not eligible
    'agent_sfd:own': 201,
    'superviseur_sfd:own': 201,
    'admin_sfd:own': 201,
    'agent_sfd:other': 404,
    'superviseur_sfd:other': 404,
    'admin_sfd:other': 404,
    platform: 403,
  });
});

it('GET /api/loans/applications/{id}/: its client, the SFD staff, the platform admin', async () => {
  const { body: mine } = await as('owner').get('/api/loans/applications/');
  const id = mine.results[0].id as number;
  expect(await matrix((c) => as(c).get(`/api/loans/applications/${id}/`))).toEqual({
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
  expect((await as('platform').get('/api/loans/applications/99999999/')).status).toBe(404);
});

it('GET /api/loans/applications/: the client their own, staff their SFD, the platform admin all', async () => {
  const seen: Record<string, [number, number]> = {};
  for (const caller of CALLERS) {
    const res = await as(caller).get('/api/loans/applications/?page_size=1');
    seen[caller] = [res.status, res.body.count];
  }
  // The 4 made by the previous matrix (owner + three own staff).
  expect(seen).toEqual({
    owner: [200, 1],
    otherClient: [200, 0],
    'agent_sfd:own': [200, 4],
    'superviseur_sfd:own': [200, 4],
    'admin_sfd:own': [200, 4],
    'agent_sfd:other': [200, 0],
    'superviseur_sfd:other': [200, 0],
    'admin_sfd:other': [200, 0],
    platform: [200, 4],
  });
  const filtered = await as('platform').get(
    `/api/loans/applications/?sfd_id=${own.id}&client_id=${owner.id}`,
  );
  expect(filtered.body.count).toBe(1);
  const soumis = await as('agent_sfd:own').get('/api/loans/applications/?status=accorde');
  expect(soumis.body.count).toBe(0);
  // Created today in the SFD's calendar: in from today, out up to yesterday.
  const day = today(t);
  const from = await as('agent_sfd:own').get(`/api/loans/applications/?date_from=${day}&date_to=${day}`);
  expect(from.body.count).toBe(4);
  const before = await as('agent_sfd:own').get(`/api/loans/applications/?date_to=${addDays(day, -1)}`);
  expect(before.body.count).toBe(0);
  expect((await as('owner').get(`/api/loans/applications/?date_from=${addDays(day, 1)}`)).body.count).toBe(0);
  expect((await as('owner').get('/api/loans/applications/?date_from=2026-13-01')).status).toBe(400);
});

it('process-application and POST /api/loans/terms/: superviseur or admin of the SFD; others 403, another SFD 404', async () => {
  const expected = {
    owner: 403,
    otherClient: 403,
    'agent_sfd:own': 403,
    'superviseur_sfd:own': 200,
    'admin_sfd:own': 200,
    'agent_sfd:other': 403,
    'superviseur_sfd:other': 404,
    'admin_sfd:other': 404,
    platform: 403,
  };
  expect(
    await matrix(async (c) => {
      const a = await freshApplication('soumis');
      return as(c).post(`/api/loans/applications/${a.id}/process-application/`, TERMS);
    }),
  ).toEqual(expected);
  expect(
    await matrix(async (c) => {
      const a = await freshApplication('soumis');
      return as(c).post('/api/loans/terms/', { application_id: a.id, ...TERMS });
    }),
  ).toEqual({ ...expected, 'superviseur_sfd:own': 201, 'admin_sfd:own': 201 });
});

it('admin-decision: the admin_sfd of the SFD only; the superviseur 403; another SFD admin 404', async () => {
  expect(
    await matrix(async (c) => {
      const a = await freshApplication('transfere_admin');
      return as(c).post(`/api/loans/applications/${a.id}/admin-decision/`, {
        decision: 'reject',
        reason: 'Matrice',
      });
    }),
  ).toEqual({
    owner: 403,
    otherClient: 403,
    'agent_sfd:own': 403,
    'superviseur_sfd:own': 403,
    'admin_sfd:own': 200,
    'agent_sfd:other': 403,
    'superviseur_sfd:other': 403,
    'admin_sfd:other': 404,
    platform: 403,
  });
});

it('GET /api/loans/terms/: staff of the SFD see its terms, the platform admin all; clients 403', async () => {
  const seen: Record<string, [number, number | undefined]> = {};
  for (const caller of CALLERS) {
    const res = await as(caller).get('/api/loans/terms/?page_size=1');
    seen[caller] = [res.status, res.body.count];
  }
  // 2 + 2 set by the terms matrix, 9 made with the transfere_admin fixtures.
  expect(seen).toEqual({
    owner: [403, undefined],
    otherClient: [403, undefined],
    'agent_sfd:own': [200, 13],
    'superviseur_sfd:own': [200, 13],
    'admin_sfd:own': [200, 13],
    'agent_sfd:other': [200, 0],
    'superviseur_sfd:other': [200, 0],
    'admin_sfd:other': [200, 0],
    platform: [200, 13],
  });
});

it('GET /api/loans/terms/simuler-amortissement/: any signed-in user; no token 401', async () => {
  const url = '/api/loans/terms/simuler-amortissement/?montant=100000&taux=12&duree=12';
  expect(await matrix((c) => as(c).get(url))).toEqual(Object.fromEntries(CALLERS.map((c) => [c, 200])));
  expect((await t.request.get(url)).status).toBe(401);
});

it('the API document names every applications, terms and settings endpoint with its problems', async () => {
  const res = await t.request.get('/api/schema');
  expect(res.status).toBe(200);
  const paths = res.body.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
  const methods = (p: string) => Object.keys(paths[p] ?? {}).sort();
  expect(methods('/api/loans/applications/')).toEqual(['get', 'post']);
  expect(methods('/api/loans/applications/{id}/')).toEqual(['get']);
  expect(methods('/api/loans/applications/{id}/process-application/')).toEqual(['post']);
  expect(methods('/api/loans/applications/{id}/admin-decision/')).toEqual(['post']);
  expect(methods('/api/loans/terms/')).toEqual(['get', 'post']);
  expect(methods('/api/loans/terms/simuler-amortissement/')).toEqual(['get']);
  expect(methods('/api/loans/settings/')).toEqual(['get', 'put']);
  expect(Object.keys(paths['/api/loans/applications/{id}/admin-decision/'].post.responses).sort()).toEqual([
    '200',
    '400',
    '401',
    '403',
    '404',
    '409',
  ]);
});
