import type { Sfd } from '../../../src/accounts/entities';
import type { LoanApplication } from '../../../src/loans/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { CALLERS, matrixCallers, type Caller, type MatrixCallers } from '../../helpers/matrix';
import { makeSfd } from '../../helpers/factories';
import { multipart, pdf } from '../savings/opening-helpers';
import { eligibleClient, makeApplication, makeLoan, today } from './helpers';

/**
 * Who may call each endpoint of the guarantees, attachments and reports: the role × SFD matrix, the
 * expected answers written out (never derived from the code's rights). The record is an application
 * `soumis` of the owner at the own SFD; the other SFD has a loan of its own.
 */
let t: TestApp;
let own: Sfd;
let other: Sfd;
let callers: MatrixCallers;
let app: LoanApplication;
let docId: number;

beforeAll(async () => {
  t = await startTestApp();
  own = await makeSfd(t, 'RXO');
  other = await makeSfd(t, 'RXX');
  const { client, savings } = await eligibleClient(t, own);
  callers = await matrixCallers(t, own, other, client);
  ({ application: app } = await makeApplication(t, own, client, savings));
  const c2 = await eligibleClient(t, other);
  await makeLoan(t, other, c2.client, c2.savings, { disbursedOn: today(t) });
  const doc = await multipart(
    t,
    callers.tokens['agent_sfd:own'],
    `/api/loans/applications/${app.id}/documents/`,
    { kind: 'other' },
    {
      file: { bytes: pdf(), type: 'application/pdf' },
    },
  );
  expect(doc.status).toBe(201);
  docId = doc.body.id as number;
});
afterAll(() => t.close());

type Expected = Record<Caller, number>;
const READ: Expected = {
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
const ADD: Expected = {
  ...READ,
  owner: 201,
  'agent_sfd:own': 201,
  'superviseur_sfd:own': 201,
  'admin_sfd:own': 201,
  platform: 403,
};
const STAFF_OF_SFD: Expected = { ...READ, owner: 403, otherClient: 403, platform: 403 };
const STAFF_READ: Expected = { ...READ, owner: 403, otherClient: 403 };

async function statuses(call: (caller: Caller) => Promise<{ status: number }>): Promise<Expected> {
  const got = {} as Expected;
  for (const caller of CALLERS) got[caller] = (await call(caller)).status;
  return got;
}

const base = () => `/api/loans/applications/${app.id}`;

it('GET …/guarantees/: the owner, own SFD staff, the platform admin; others 404', async () => {
  expect(await statuses((c) => t.request.get(`${base()}/guarantees/`).set(callers.auth(c)))).toEqual(READ);
});

it('POST …/guarantees/: the owner and own SFD staff; the platform admin 403; others 404', async () => {
  const body = { type: 'autre', value: 5_000, description: 'Bijoux' };
  expect(
    await statuses((c) => t.request.post(`${base()}/guarantees/`).set(callers.auth(c)).send(body)),
  ).toEqual(ADD);
});

it('GET …/documents/: the owner, own SFD staff, the platform admin; others 404', async () => {
  expect(await statuses((c) => t.request.get(`${base()}/documents/`).set(callers.auth(c)))).toEqual(READ);
});

it('POST …/documents/: the owner and own SFD staff; the platform admin 403; others 404', async () => {
  expect(
    await statuses((c) =>
      multipart(
        t,
        callers.tokens[c],
        `${base()}/documents/`,
        { kind: 'other' },
        {
          file: { bytes: pdf(), type: 'application/pdf' },
        },
      ),
    ),
  ).toEqual(ADD);
});

it('GET …/documents/{docId}/: own SFD staff only; clients and the platform admin 403; other SFD 404', async () => {
  expect(await statuses((c) => t.request.get(`${base()}/documents/${docId}/`).set(callers.auth(c)))).toEqual(
    STAFF_OF_SFD,
  );
});

it('GET …/rapport-analyse/: own SFD staff and the platform admin; clients 403; other SFD 404', async () => {
  expect(await statuses((c) => t.request.get(`${base()}/rapport-analyse/`).set(callers.auth(c)))).toEqual(
    STAFF_READ,
  );
});

it('GET /api/loans/reports/statistiques/: staff their own SFD, the platform admin all; clients 403', async () => {
  const sfdsSeen: Partial<Record<Caller, number[]>> = {};
  const got = await statuses(async (c) => {
    const res = await t.request.get('/api/loans/reports/statistiques/?format=json').set(callers.auth(c));
    if (res.status === 200) sfdsSeen[c] = (res.body.results as { sfd_id: number }[]).map((r) => r.sfd_id);
    return res;
  });
  expect(got).toEqual({
    ...STAFF_READ,
    'agent_sfd:other': 200,
    'superviseur_sfd:other': 200,
    'admin_sfd:other': 200,
  });
  expect(sfdsSeen).toEqual({
    'agent_sfd:own': [own.id],
    'superviseur_sfd:own': [own.id],
    'admin_sfd:own': [own.id],
    'agent_sfd:other': [other.id],
    'superviseur_sfd:other': [other.id],
    'admin_sfd:other': [other.id],
    platform: [own.id, other.id],
  });
});

it('no token: 401 everywhere; the endpoints are in the API document', async () => {
  for (const path of [
    `${base()}/guarantees/`,
    `${base()}/documents/`,
    `${base()}/documents/${docId}/`,
    `${base()}/rapport-analyse/`,
    '/api/loans/reports/statistiques/',
  ]) {
    expect([path, (await t.request.get(path)).status]).toEqual([path, 401]);
  }
  expect((await t.request.post(`${base()}/guarantees/`).send({})).status).toBe(401);
  expect((await t.request.post(`${base()}/documents/`).send({})).status).toBe(401);
  const doc = (await t.request.get('/api/schema/')).body as {
    paths: Record<string, Record<string, unknown>>;
  };
  expect(Object.keys(doc.paths['/api/loans/applications/{id}/guarantees/']).sort()).toEqual(['get', 'post']);
  expect(Object.keys(doc.paths['/api/loans/applications/{id}/documents/']).sort()).toEqual(['get', 'post']);
  expect(Object.keys(doc.paths['/api/loans/applications/{id}/documents/{docId}/'])).toEqual(['get']);
  expect(Object.keys(doc.paths['/api/loans/applications/{id}/rapport-analyse/'])).toEqual(['get']);
  expect(Object.keys(doc.paths['/api/loans/reports/statistiques/'])).toEqual(['get']);
});
