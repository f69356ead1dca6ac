import { LoanPayment, type Loan } from '../../../src/loans/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser } from '../../helpers/factories';
import { CALLERS, matrixCallers, type Caller } from '../../helpers/matrix';
import { expectProblem } from '../../helpers/problem';
import { eligibleClient, makeLoan, today } from './helpers';

/**
 * Who reaches the loan repayment endpoints: the role × SFD matrix, the expected answers written out.
 * A record outside the caller's reach is a 404 (its existence is not revealed); a role that may not
 * act is a 403. The owner's phone ends in 8: the simulator never answers, so mobile-money repayments
 * stay en_attente and confirmer has something to ask about.
 */
let t: TestApp;
let loan: Loan;
let otherLoan: Loan;
let tokens: Record<Caller, string>;

beforeAll(async () => {
  t = await startTestApp();
  const own = await makeSfd(t, 'PMO');
  const other = await makeSfd(t, 'PMX');
  const owner = await makeUser(t, 'client', own, { phone: '+2290196400008', kycStatus: 'verified' });
  ({ tokens } = await matrixCallers(t, own, other, owner));
  const { savings } = await eligibleClient(t, own, { client: owner });
  ({ loan } = await makeLoan(t, own, owner, savings, { disbursedOn: today(t) }));
  // A loan of the other SFD, with one cash repayment: nobody of the first SFD sees it.
  const stranger = await eligibleClient(t, other);
  ({ loan: otherLoan } = await makeLoan(t, other, stranger.client, stranger.savings, {
    disbursedOn: today(t),
  }));
});
afterAll(() => t.close());

const as = (caller: Caller) => ({
  get: (url: string) => t.request.get(url).set('Authorization', `Bearer ${tokens[caller]}`),
  post: (url: string, body: object = {}, key?: string) => {
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

const PAYERS = {
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

it('repay by mobile money: the owner and the SFD own staff; another client or SFD 404; platform 403', async () => {
  const push = () => ({ loan_id: loan.id, amount: 100, method: 'mobile_money' });
  expect(
    await matrix(async (c) => {
      const res = await as(c).post('/api/loans/payments/', push());
      // A loan takes one push at a time and this phone never answers: the next caller's would be a 409.
      // Each push is ended here by hand (annule), as if the client had declined it.
      await t.deps.db.manager.update(
        LoanPayment,
        { loanId: loan.id, status: 'en_attente' },
        { status: 'annule' },
      );
      return res;
    }),
  ).toEqual(PAYERS);
  // While one waits for the client, a second push is refused, whoever asks.
  expect((await as('owner').post('/api/loans/payments/', push())).status).toBe(201);
  expectProblem(await as('agent_sfd:own').post('/api/loans/payments/', push()), 409, 'conflict');
});

it('repay in cash: the SFD own staff only; the owner and the platform admin 403; others 404', async () => {
  expect(
    await matrix((c) =>
      as(c).post('/api/loans/payments/', { loan_id: loan.id, amount: 100, method: 'cash' }, `matrix-${c}`),
    ),
  ).toEqual({ ...PAYERS, owner: 403 });
  const otherCash = await as('agent_sfd:other').post(
    '/api/loans/payments/',
    { loan_id: otherLoan.id, amount: 100, method: 'cash' },
    'other-sfd',
  );
  expect(otherCash.status).toBe(201);
  const missing = await as('agent_sfd:own').post(
    '/api/loans/payments/',
    { loan_id: 99_999_999, amount: 100, method: 'cash' },
    'missing',
  );
  expect(missing.status).toBe(404);
  expect(
    (await as('agent_sfd:own').post('/api/loans/payments/', { amount: 100, method: 'cash' }, 'k')).status,
  ).toBe(400);
});

it('the list: the owner their own, staff their SFD, the platform admin all (or sfd_id)', async () => {
  // The loan: 5 mobile-money (the owner and 3 staff, ended; the owner's second, waiting) + 3 cash
  // repayments; the other SFD's loan: 1.
  const seen: Record<string, [number, number]> = {};
  for (const caller of CALLERS) {
    const res = await as(caller).get('/api/loans/payments/');
    seen[caller] = [res.status, res.body.count];
  }
  expect(seen).toEqual({
    owner: [200, 8],
    otherClient: [200, 0],
    'agent_sfd:own': [200, 8],
    'superviseur_sfd:own': [200, 8],
    'admin_sfd:own': [200, 8],
    'agent_sfd:other': [200, 1],
    'superviseur_sfd:other': [200, 1],
    'admin_sfd:other': [200, 1],
    platform: [200, 9],
  });
  const bySfd = await as('platform').get(`/api/loans/payments/?sfd_id=${loan.sfdId}&method=cash`);
  expect(bySfd.body.count).toBe(3);
  // A staff member's sfd_id names nothing beyond their own SFD.
  expect((await as('agent_sfd:other').get(`/api/loans/payments/?sfd_id=${loan.sfdId}`)).body.count).toBe(1);
  const filtered = await as('agent_sfd:own').get(
    `/api/loans/payments/?loan_id=${loan.id}&status=en_attente&method=mobile_money&page_size=2`,
  );
  expect([filtered.body.count, filtered.body.results.length]).toEqual([1, 1]);
  const day = today(t);
  expect((await as('owner').get(`/api/loans/payments/?date_from=${day}&date_to=${day}`)).body.count).toBe(8);
  const tomorrow = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  expect((await as('owner').get(`/api/loans/payments/?date_from=${tomorrow}`)).body.count).toBe(0);
  expect((await as('owner').get('/api/loans/payments/?status=nope')).status).toBe(400);
});

it('one repayment: its owner, its SFD staff and the platform admin; anyone else 404', async () => {
  const { body: list } = await as('owner').get('/api/loans/payments/?page_size=1');
  const id = list.results[0].id as number;
  expect(await matrix((c) => as(c).get(`/api/loans/payments/${id}/`))).toEqual({
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
  expect((await as('platform').get('/api/loans/payments/99999999/')).status).toBe(404);
});

it('confirmer: the SFD own staff only; clients and the platform admin 403; another SFD 404', async () => {
  const { body: pending } = await as('owner').get('/api/loans/payments/?status=en_attente&page_size=1');
  const id = pending.results[0].id as number;
  expect(await matrix((c) => as(c).post(`/api/loans/payments/${id}/confirmer/`))).toEqual({
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
  expect((await as('agent_sfd:own').post('/api/loans/payments/99999999/confirmer/')).status).toBe(404);
});

it('the API document describes the four operations, with their problems', async () => {
  const res = await t.request.get('/api/schema');
  expect(res.status).toBe(200);
  const paths = res.body.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
  expect(Object.keys(paths['/api/loans/payments/']).sort()).toEqual(['get', 'post']);
  expect(Object.keys(paths['/api/loans/payments/{id}/'])).toEqual(['get']);
  expect(Object.keys(paths['/api/loans/payments/{id}/confirmer/'])).toEqual(['post']);
  expect(Object.keys(paths['/api/loans/payments/']?.post.responses).sort()).toEqual(
    expect.arrayContaining(['201', '400', '401', '403', '404', '409']),
  );
});
