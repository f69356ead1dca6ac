import type { Sfd, User } from '../../../src/accounts/entities';
import { Loan, LoanInstalment } from '../../../src/loans/entities';
import { dueDateAfter } from '../../../src/loans/schedule';
import { addDays, startOfLocalDay } from '../../../src/shared/sfd-calendar';
import { auditOf } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';
import { eligibleClient, makeLoan, today } from './helpers';

/**
 * The schedule as read: a loan's calendar (JSON and CSV) with paid, due and late rows on the SFD's
 * date, the instalment lists (all, due soon, late) as the clock moves, the first due date set before
 * a disbursement, and the loans list and detail. Figures exact: 100 000 at 12 %/12 months.
 */
let t: TestApp;
let sfd: Sfd;
let agent: User;
let clientA: User;
let loanA: number;
let loanC: number;
const ZONE = 'Africa/Porto-Novo';

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'LSC');
  agent = await makeUser(t, 'agent_sfd', sfd);
});
afterAll(() => t.close());

// Tokens are minted at each call: they live 15 minutes, and the clock travels by weeks.
const get = async (url: string, as: User = agent) =>
  t.request.get(url).set('Authorization', `Bearer ${await tokenFor(t, as)}`);
const post = async (url: string, body: object, as: User = agent) =>
  t.request
    .post(url)
    .set('Authorization', `Bearer ${await tokenFor(t, as)}`)
    .send(body);
/** Moves the test clock to 10:00 on `date` in the SFD. */
const travelTo = (date: string) =>
  t.clock.set(new Date(startOfLocalDay(date, ZONE).getTime() + 10 * 3600_000));

const PARTS: [number, number][] = [
  [7885, 1000],
  [7964, 921],
  [8043, 842],
  [8124, 761],
  [8205, 680],
  [8287, 598],
  [8370, 515],
  [8454, 431],
  [8538, 347],
  [8624, 261],
  [8710, 175],
  [8796, 88],
];

it('the calendar: every row exact; paid, late (days, penalties) and to pay on the SFD date; CSV', async () => {
  const made = await eligibleClient(t, sfd);
  clientA = made.client;
  const { loan } = await makeLoan(t, sfd, made.client, made.savings, { disbursedOn: today(t) });
  loanA = loan.id;
  const first = dueDateAfter(today(t), 1);
  const fresh = await get(`/api/loans/${loan.id}/calendrier-remboursement/`);
  expect(fresh.status).toBe(200);
  expect(
    fresh.body.rows.map((r: Record<string, unknown>) => [
      r.n,
      r.due_date,
      r.principal,
      r.interest,
      r.total,
      r.status,
    ]),
  ).toEqual(PARTS.map(([p, i], k) => [k + 1, dueDateAfter(first, k), p, i, p + i, 'a_payer']));
  expect(fresh.body.totals).toEqual({
    principal: 100_000,
    interest: 6619,
    total: 106_619, // 8 885 × 11 + 8 884
    principal_paid: 0,
    interest_paid: 0,
    penalty_paid: 0,
    paid: 0,
    principal_due: 100_000,
    interest_due: 6619,
    penalty_due: 0,
    due: 106_619,
  });

  // Row 1 paid; row 2 two days late with 18 of penalties accrued.
  const m = t.deps.db.manager;
  await m.update(
    LoanInstalment,
    { loanId: loan.id, n: 1 },
    { principalPaid: 7885, interestPaid: 1000, status: 'paye', paidAt: t.clock.now() },
  );
  await m.update(LoanInstalment, { loanId: loan.id, n: 2 }, { penaltyAccrued: 18 });
  const second = dueDateAfter(first, 1);
  travelTo(addDays(second, 2));
  const late = await get(`/api/loans/${loan.id}/calendrier-remboursement/`);
  expect(late.body.today).toBe(addDays(second, 2));
  expect(late.body.rows.slice(0, 3)).toEqual([
    expect.objectContaining({ n: 1, status: 'paye', days_late: 0, paid: 8885, total_due: 0 }),
    expect.objectContaining({
      n: 2,
      status: 'en_retard',
      days_late: 2,
      paid: 0,
      penalty_accrued: 18,
      penalty_due: 18,
      principal_due: 7964,
      interest_due: 921,
      total_due: 8903,
    }),
    expect.objectContaining({ n: 3, status: 'a_payer', days_late: 0, total_due: 8885 }),
  ]);
  expect(late.body.totals).toMatchObject({ paid: 8885, penalty_due: 18, due: 106_619 - 8885 + 18 });

  const csv = await get(`/api/loans/${loan.id}/calendrier-remboursement/?format=csv`);
  expect(csv.status).toBe(200);
  expect(csv.headers['content-type']).toMatch(/^text\/csv/);
  expect(csv.text.split('\r\n').slice(0, 4)).toEqual([
    'n,due_date,principal,interest,total,paid,penalty_accrued,total_due,status,days_late',
    `1,${first},7885,1000,8885,8885,0,0,paye,0`,
    `2,${second},7964,921,8885,0,18,8903,en_retard,2`,
    `3,${dueDateAfter(first, 2)},8043,842,8885,0,0,8885,a_payer,0`,
  ]);
  expect(csv.text.split('\r\n')).toHaveLength(1 + 12 + 1); // header, 12 rows, the last CRLF
});

it('the first due date set before the disbursement: 25 to 45 days ahead, accorde only, audited', async () => {
  const { client, savings } = await eligibleClient(t, sfd);
  const { loan } = await makeLoan(t, sfd, client, savings);
  loanC = loan.id;
  const now = today(t);
  for (const bad of [now, addDays(now, 24), addDays(now, 46), addDays(now, -3)]) {
    const res = await post('/api/loans/schedules/', { loan_id: loan.id, first_due_date: bad });
    expectProblem(res, 400, 'validation');
    expect(Object.keys(res.body.errors as object)).toEqual(['first_due_date']);
  }
  expectProblem(await post('/api/loans/schedules/', { loan_id: loan.id, first_due_date: '2027-02-30' }), 400);
  expect(
    (await post('/api/loans/schedules/', { loan_id: loan.id, first_due_date: addDays(now, 45) })).status,
  ).toBe(200);
  const first = addDays(now, 25);
  const res = await post('/api/loans/schedules/', { loan_id: loan.id, first_due_date: first });
  expect(res.status).toBe(200);
  expect(res.body.instalment).toBe(8885);
  expect(res.body.first_due_date).toBe(first);
  expect(res.body.rows.map((r: Record<string, number>) => [r.principal, r.interest, r.total])).toEqual(
    PARTS.map(([p, i]) => [p, i, p + i]),
  );
  expect(res.body.rows[11]).toMatchObject({ due_date: dueDateAfter(first, 11), outstanding_after: 0 });
  expect(res.body.totals).toEqual({ principal: 100_000, interest: 6619, total: 106_619 });
  expect((await auditOf(t, 'loan', loan.id)).map((e) => [e.action, e.before, e.after])).toEqual([
    ['loan.first_due_date', { first_due_date: null }, { first_due_date: addDays(now, 45) }],
    ['loan.first_due_date', { first_due_date: addDays(now, 45) }, { first_due_date: first }],
  ]);
  // Not disbursed yet: no rows in its calendar.
  const before = await get(`/api/loans/${loan.id}/calendrier-remboursement/`);
  expect(before.body).toMatchObject({ status: 'accorde', rows: [], totals: { total: 0, due: 0 } });
  const cash = await post(`/api/loans/${loan.id}/decaissement/`, { method: 'cash' });
  expect(cash.body).toMatchObject({ status: 'decaisse', first_due_date: first });
  // Disbursed: its first due date is no longer to be set.
  expectProblem(
    await post('/api/loans/schedules/', { loan_id: loan.id, first_due_date: first }),
    409,
    'conflict',
  );
  expectProblem(await post('/api/loans/schedules/', { loan_id: 99_999_999, first_due_date: first }), 404);
  // For the list tests below, loan C falls due in 5 days: its rows moved in the database (the API
  // allows no first period shorter than 25 days).
  const soon = addDays(now, 5);
  for (let n = 1; n <= 12; n++) {
    await t.deps.db.manager.update(
      LoanInstalment,
      { loanId: loan.id, n },
      { dueDate: dueDateAfter(soon, n - 1) },
    );
  }
  await t.deps.db.manager.update(Loan, { id: loan.id }, { firstDueDate: soon });
});

it('a-venir and en-retard follow the clock, in the SFD, soonest and oldest first', async () => {
  const ids = (res: { body: { results: { loan_id: number; n: number }[] } }) =>
    res.body.results.map((r) => [r.loan_id, r.n]);
  // Loan C is due in 5 days; loan A's row 2 is two days late, its row 3 due in about a month.
  expect(ids(await get('/api/loans/schedules/a-venir/?jours=7'))).toEqual([[loanC, 1]]);
  expect(ids(await get('/api/loans/schedules/a-venir/?jours=4'))).toEqual([]);
  expect((await get('/api/loans/schedules/a-venir/?jours=5')).body.count).toBe(1);
  expectProblem(await get('/api/loans/schedules/a-venir/?jours=0'), 400, 'validation');
  expectProblem(await get('/api/loans/schedules/a-venir/?jours=61'), 400, 'validation');
  const late = await get('/api/loans/schedules/en-retard/');
  expect(ids(late)).toEqual([[loanA, 2]]);
  expect(late.body.results[0]).toMatchObject({
    client_id: clientA.id,
    sfd_id: sfd.id,
    days_late: 2,
    penalty_due: 18,
    total_due: 8903,
    status: 'en_retard',
  });

  t.clock.advance(6 * 86_400_000);
  expect(ids(await get('/api/loans/schedules/a-venir/?jours=7'))).toEqual([]);
  const later = await get('/api/loans/schedules/en-retard/');
  expect(ids(later)).toEqual([
    [loanA, 2],
    [loanC, 1],
  ]);
  expect(later.body.results.map((r: { days_late: number }) => r.days_late)).toEqual([8, 1]);
  // The client sees only their own.
  const own = await get('/api/loans/schedules/en-retard/', clientA);
  expect(ids(own)).toEqual([[loanA, 2]]);
});

it('the instalments list: by loan, filtered by loan, shown status and due dates', async () => {
  const all = await get('/api/loans/schedules/?page_size=100');
  expect(all.body.count).toBe(24);
  expect(all.body.results[0]).toMatchObject({ loan_id: loanC, n: 1 });
  const paid = await get(`/api/loans/schedules/?status=paye`);
  expect(paid.body.results.map((r: { loan_id: number; n: number }) => [r.loan_id, r.n])).toEqual([
    [loanA, 1],
  ]);
  expect((await get('/api/loans/schedules/?status=en_retard')).body.count).toBe(2);
  expect((await get('/api/loans/schedules/?status=a_payer')).body.count).toBe(21);
  expect((await get(`/api/loans/schedules/?loan_id=${loanA}`)).body.count).toBe(12);
  const { rows } = { rows: (await get(`/api/loans/schedules/?loan_id=${loanA}&page_size=3`)).body.results };
  const from = rows[1].due_date as string;
  const res = await get(`/api/loans/schedules/?loan_id=${loanA}&date_from=${from}&date_to=${from}`);
  expect(res.body.results.map((r: { n: number }) => r.n)).toEqual([2]);
});

it('the loans list and one loan: outstanding principal, next instalment, totals, terms', async () => {
  const list = await get('/api/loans/');
  expect(list.body.count).toBe(2);
  expect(
    list.body.results.map((l: { id: number; outstanding_principal: number }) => [
      l.id,
      l.outstanding_principal,
    ]),
  ).toEqual([
    [loanC, 100_000],
    [loanA, 100_000],
  ]);
  expect((await get('/api/loans/?status=accorde')).body.count).toBe(0);
  expect(
    (await get(`/api/loans/?client_id=${clientA.id}`)).body.results.map((l: { id: number }) => l.id),
  ).toEqual([loanA]);
  const one = await get(`/api/loans/${loanA}/`);
  expect(one.status).toBe(200);
  expect(one.body).toMatchObject({
    id: loanA,
    status: 'decaisse',
    principal: 100_000,
    annual_rate: 12,
    months: 12,
    method: 'annuity',
    terms: { annual_rate_bp: 1200, instalment: 8885 },
    guarantee: { savings_amount: 0, others: [] },
    next_instalment: { n: 2, status: 'en_retard', days_late: 8, total_due: 8903 },
    totals: { paid: 8885, principal_paid: 7885, interest_paid: 1000, due: 106_619 - 8885 + 18 },
  });
});
