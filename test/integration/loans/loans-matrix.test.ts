import type { Sfd } from '../../../src/accounts/entities';
import { addDays } from '../../../src/shared/sfd-calendar';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser } from '../../helpers/factories';
import { CALLERS, matrixCallers, type Caller, type MatrixCallers } from '../../helpers/matrix';
import { eligibleClient, makeApplication, makeLoan, today } from './helpers';

/**
 * Who reaches the loans, disbursement and schedule endpoints: the role × SFD matrix. A record outside
 * the caller's reach is a 404 (its existence is not revealed); a role that may not act is a 403. The
 * expected answers are written out, never derived from the code.
 */
let t: TestApp;
let own: Sfd;
let callers: MatrixCallers;
let loanId: number;

beforeAll(async () => {
  t = await startTestApp();
  own = await makeSfd(t, 'LMO');
  const other = await makeSfd(t, 'LMX');
  const owner = await makeUser(t, 'client', own);
  callers = await matrixCallers(t, own, other, owner);
  // The owner's loan, disbursed in cash with its first instalment due in 30 days (a-venir).
  const { savings } = await eligibleClient(t, own, { client: owner });
  const { loan } = await makeLoan(t, own, owner, savings);
  loanId = loan.id;
  const agent = callers.auth('agent_sfd:own');
  const set = await t.request
    .post('/api/loans/schedules/')
    .set(agent)
    .send({ loan_id: loan.id, first_due_date: addDays(today(t), 30) });
  expect(set.status).toBe(200);
  expect(
    (await t.request.post(`/api/loans/${loan.id}/decaissement/`).set(agent).send({ method: 'cash' })).status,
  ).toBe(200);
  // Another client's loan, its first instalment ten days late or so (en-retard).
  const late = await eligibleClient(t, own);
  await makeLoan(t, own, late.client, late.savings, { disbursedOn: addDays(today(t), -40) });
});
afterAll(() => t.close());

async function matrix(call: (caller: Caller) => Promise<{ status: number }>) {
  const got: Record<string, number> = {};
  for (const caller of CALLERS) got[caller] = (await call(caller)).status;
  return got;
}

/** Status and count of a list, per caller. */
async function listMatrix(url: string) {
  const got: Record<string, [number, number | undefined]> = {};
  for (const caller of CALLERS) {
    const res = await t.request.get(url).set(callers.auth(caller));
    got[caller] = [res.status, res.body.count as number | undefined];
  }
  return got;
}

const READERS = {
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

const DISBURSERS = {
  owner: 403,
  otherClient: 403,
  'agent_sfd:own': 200,
  'superviseur_sfd:own': 200,
  'admin_sfd:own': 200,
  'agent_sfd:other': 404,
  'superviseur_sfd:other': 404,
  'admin_sfd:other': 404,
  platform: 403,
};

it('GET /api/loans/: the owner their own, the SFD staff its two, another SFD none, the platform all', async () => {
  expect(await listMatrix('/api/loans/')).toEqual({
    owner: [200, 1],
    otherClient: [200, 0],
    'agent_sfd:own': [200, 2],
    'superviseur_sfd:own': [200, 2],
    'admin_sfd:own': [200, 2],
    'agent_sfd:other': [200, 0],
    'superviseur_sfd:other': [200, 0],
    'admin_sfd:other': [200, 0],
    platform: [200, 2],
  });
  // A client's client_id filter cannot widen their reach.
  const res = await t.request
    .get(`/api/loans/?client_id=${callers.users.owner.id}`)
    .set(callers.auth('otherClient'));
  expect(res.body.count).toBe(0);
  // The platform admin narrows to one SFD; SFD staff cannot widen theirs with sfd_id.
  const platform = callers.auth('platform');
  const otherSfd = callers.users['agent_sfd:other'].sfdId as number;
  expect((await t.request.get(`/api/loans/?sfd_id=${own.id}`).set(platform)).body.count).toBe(2);
  expect((await t.request.get(`/api/loans/?sfd_id=${otherSfd}`).set(platform)).body.count).toBe(0);
  expect(
    (await t.request.get(`/api/loans/?sfd_id=${own.id}`).set(callers.auth('agent_sfd:other'))).body.count,
  ).toBe(0);
  expect((await t.request.get(`/api/loans/schedules/?sfd_id=${otherSfd}`).set(platform)).body.count).toBe(0);
});

it('GET /api/loans/{id}/ and its calendrier: its client, its SFD staff, the platform; others 404', async () => {
  expect(await matrix((c) => t.request.get(`/api/loans/${loanId}/`).set(callers.auth(c)))).toEqual(READERS);
  expect(
    await matrix((c) => t.request.get(`/api/loans/${loanId}/calendrier-remboursement/`).set(callers.auth(c))),
  ).toEqual(READERS);
  expect(
    await matrix((c) =>
      t.request.get(`/api/loans/${loanId}/calendrier-remboursement/?format=csv`).set(callers.auth(c)),
    ),
  ).toEqual(READERS);
});

it('GET /api/loans/schedules/, a-venir, en-retard: scoped like the loans', async () => {
  expect(await listMatrix('/api/loans/schedules/')).toEqual({
    owner: [200, 12],
    otherClient: [200, 0],
    'agent_sfd:own': [200, 24],
    'superviseur_sfd:own': [200, 24],
    'admin_sfd:own': [200, 24],
    'agent_sfd:other': [200, 0],
    'superviseur_sfd:other': [200, 0],
    'admin_sfd:other': [200, 0],
    platform: [200, 24],
  });
  // Within 31 days: the owner's first instalment (in 30 days), the other loan's second (in 19 to 22).
  expect(await listMatrix('/api/loans/schedules/a-venir/?jours=31')).toEqual({
    owner: [200, 1],
    otherClient: [200, 0],
    'agent_sfd:own': [200, 2],
    'superviseur_sfd:own': [200, 2],
    'admin_sfd:own': [200, 2],
    'agent_sfd:other': [200, 0],
    'superviseur_sfd:other': [200, 0],
    'admin_sfd:other': [200, 0],
    platform: [200, 2],
  });
  expect(await listMatrix('/api/loans/schedules/en-retard/')).toEqual({
    owner: [200, 0],
    otherClient: [200, 0],
    'agent_sfd:own': [200, 1],
    'superviseur_sfd:own': [200, 1],
    'admin_sfd:own': [200, 1],
    'agent_sfd:other': [200, 0],
    'superviseur_sfd:other': [200, 0],
    'admin_sfd:other': [200, 0],
    platform: [200, 1],
  });
});

/** A granted loan of a new client of the own SFD, waiting for its disbursement. */
async function grantedLoan() {
  const { client, savings } = await eligibleClient(t, own);
  return (await makeLoan(t, own, client, savings)).loan;
}

it('POST /api/loans/{id}/decaissement/: the SFD own staff; clients and the platform 403; another SFD 404', async () => {
  expect(
    await matrix(async (c) =>
      t.request
        .post(`/api/loans/${(await grantedLoan()).id}/decaissement/`)
        .set(callers.auth(c))
        .send({ method: 'cash' }),
    ),
  ).toEqual(DISBURSERS);
});

it('POST /api/loans/schedules/: the SFD own staff; clients and the platform 403; another SFD 404', async () => {
  const first = addDays(today(t), 30);
  expect(
    await matrix(async (c) =>
      t.request
        .post('/api/loans/schedules/')
        .set(callers.auth(c))
        .send({ loan_id: (await grantedLoan()).id, first_due_date: first }),
    ),
  ).toEqual(DISBURSERS);
});

it('POST /api/loans/ (the grant): the SFD own admin only; another SFD admin 404; others 403', async () => {
  const granted: [number, Record<string, unknown>][] = [];
  expect(
    await matrix(async (c) => {
      const { client, savings } = await eligibleClient(t, own);
      const { application } = await makeApplication(t, own, client, savings, { status: 'transfere_admin' });
      const res = await t.request
        .post('/api/loans/')
        .set(callers.auth(c))
        .send({ application_id: application.id });
      if (res.status === 201) granted.push([application.id, res.body as Record<string, unknown>]);
      return res;
    }),
  ).toEqual({
    owner: 403,
    otherClient: 403,
    'agent_sfd:own': 403,
    'superviseur_sfd:own': 403,
    'admin_sfd:own': 201,
    'agent_sfd:other': 403,
    'superviseur_sfd:other': 403,
    'admin_sfd:other': 404,
    platform: 403,
  });
  expect(granted).toHaveLength(1);
  const [applicationId, loan] = granted[0];
  expect(loan).toMatchObject({
    application_id: applicationId,
    status: 'accorde',
    principal: 100_000,
    granted_by: callers.users['admin_sfd:own'].id,
    disbursement_method: null,
    outstanding_principal: 0,
  });
});

it('every one of these endpoints is in the API document, under the issue’s path', async () => {
  const doc = (await t.request.get('/api/schema/')).body as {
    paths: Record<string, Record<string, unknown>>;
  };
  const ops = (path: string) => Object.keys(doc.paths[path] ?? {}).sort();
  expect(ops('/api/loans/')).toEqual(['get', 'post']);
  expect(ops('/api/loans/{id}/')).toEqual(['get']);
  expect(ops('/api/loans/{id}/decaissement/')).toEqual(['post']);
  expect(ops('/api/loans/{id}/calendrier-remboursement/')).toEqual(['get']);
  expect(ops('/api/loans/schedules/')).toEqual(['get', 'post']);
  expect(ops('/api/loans/schedules/a-venir/')).toEqual(['get']);
  expect(ops('/api/loans/schedules/en-retard/')).toEqual(['get']);
});
