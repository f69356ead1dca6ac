import type { Sfd, User } from '../../../src/accounts/entities';
import { LoanApplication } from '../../../src/loans/entities';
import { auditOf } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';
import { eligibleClient, makeApplication, today } from './helpers';
import { dueDateAfter } from '../../../src/loans/schedule';

/**
 * The schedule simulator and the terms endpoints over HTTP: the figures (100 000 at 12 % and
 * at 24 % over 12 months, flat, zero rate) row by row, the TEG with fees, bad input as 400s; terms
 * set and revised through POST /api/loans/terms/ and listed.
 */
let t: TestApp;
let sfd: Sfd;
let superviseur: User;
let token: string;
let clientToken: string;

beforeAll(async () => {
  t = await startTestApp();
  // A fixed day: the simulations' first due dates must stay within a year of it.
  t.clock.set(new Date('2026-12-15T09:00:00Z'));
  sfd = await makeSfd(t, 'LTS');
  superviseur = await makeUser(t, 'superviseur_sfd', sfd);
  token = await tokenFor(t, superviseur);
  clientToken = await tokenFor(t, await makeUser(t, 'client', sfd));
});
afterAll(() => t.close());

const simulate = (query: string, as = clientToken) =>
  t.request.get(`/api/loans/terms/simuler-amortissement/?${query}`).set('Authorization', `Bearer ${as}`);
/** [n, principal, interest, total, outstanding after] */
const tuples = (
  rows: { n: number; principal: number; interest: number; total: number; outstanding_after: number }[],
) => rows.map((r) => [r.n, r.principal, r.interest, r.total, r.outstanding_after]);

describe('simuler-amortissement', () => {
  it('100 000 at 12 % over 12 months: 8 885, each row, the sums, TEG 12.00; dates a month apart', async () => {
    const res = await simulate('montant=100000&taux=12&duree=12&premiere_echeance=2027-01-31');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      amount: 100_000,
      annual_rate: 12,
      months: 12,
      method: 'annuity',
      fees: 0,
      instalment: 8885,
      totals: { principal: 100_000, interest: 6619, total: 106_619 },
      teg: 12,
    });
    // Interest = outstanding × 1 % rounded half up; the last row repays what is left (8 796 + 88).
    expect(tuples(res.body.rows)).toEqual([
      [1, 7885, 1000, 8885, 92115],
      [2, 7964, 921, 8885, 84151],
      [3, 8043, 842, 8885, 76108],
      [4, 8124, 761, 8885, 67984],
      [5, 8205, 680, 8885, 59779],
      [6, 8287, 598, 8885, 51492],
      [7, 8370, 515, 8885, 43122],
      [8, 8454, 431, 8885, 34668],
      [9, 8538, 347, 8885, 26130],
      [10, 8624, 261, 8885, 17506],
      [11, 8710, 175, 8885, 8796],
      [12, 8796, 88, 8884, 0],
    ]);
    expect(res.body.rows.map((r: { due_date: string }) => r.due_date).slice(0, 4)).toEqual([
      '2027-01-31',
      '2027-02-28',
      '2027-03-31',
      '2027-04-30',
    ]);
    // Without a first due date: one month from today (the SFD's calendar).
    const dflt = await simulate('montant=100000&taux=12&duree=12');
    expect(dflt.body.rows[0].due_date).toBe(dueDateAfter(today(t), 1));
  });

  it('24 %: 9 456 and the last row 9 454, TEG 24.00; 2 000 of fees on 12 % make the TEG 15.86', async () => {
    const res = await simulate('montant=100000&taux=24&duree=12&methode=annuity');
    expect(res.body).toMatchObject({ instalment: 9456, teg: 24 });
    expect(res.body.totals).toEqual({ principal: 100_000, interest: 13_470, total: 113_470 });
    expect(tuples(res.body.rows.slice(10))).toEqual([
      [11, 9089, 367, 9456, 9269],
      [12, 9269, 185, 9454, 0],
    ]);
    const fees = await simulate('montant=100000&taux=12&duree=12&frais=2000', token);
    expect(fees.body).toMatchObject({ instalment: 8885, fees: 2000, teg: 15.86 });
  });

  it('flat 12 %: 1 000 interest a month on the original principal, 9 333 (the last 9 337), TEG 21.46', async () => {
    const res = await simulate('montant=100000&taux=12&duree=12&methode=flat');
    expect(res.body).toMatchObject({ instalment: 9333, teg: 21.46, method: 'flat' });
    expect(res.body.totals).toEqual({ principal: 100_000, interest: 12_000, total: 112_000 });
    expect(tuples(res.body.rows.slice(0, 2))).toEqual([
      [1, 8333, 1000, 9333, 91_667],
      [2, 8333, 1000, 9333, 83_334],
    ]);
    expect(tuples(res.body.rows.slice(11))).toEqual([[12, 8337, 1000, 9337, 0]]);
  });

  it('a zero rate: 8 333 × 11 then 8 337, no interest, TEG 0; "13.5" is exact (8 955)', async () => {
    const res = await simulate('montant=100000&taux=0&duree=12');
    expect(res.body).toMatchObject({
      instalment: 8333,
      teg: 0,
      totals: { principal: 100_000, interest: 0, total: 100_000 },
    });
    expect(res.body.rows.map((r: { total: number }) => r.total)).toEqual([...Array(11).fill(8333), 8337]);
    const decimal = await simulate('montant=100000&taux=13.5&duree=12');
    expect(decimal.body).toMatchObject({ instalment: 8955, annual_rate: 13.5 });
  });

  it('invalid input is a 400 naming the field', async () => {
    const cases: [string, string[]][] = [
      ['taux=12&duree=12', ['montant']],
      ['montant=9999&taux=12&duree=12', ['montant']],
      ['montant=100000&taux=12.345&duree=12', ['taux']],
      ['montant=100000&taux=abc&duree=12', ['taux']],
      ['montant=100000&taux=101&duree=12', ['taux']],
      ['montant=100000&taux=12&duree=61', ['duree']],
      ['montant=100000&taux=12&duree=0', ['duree']],
      ['montant=100000&taux=12&duree=12&methode=compound', ['methode']],
      ['montant=100000&taux=12&duree=12&frais=-1', ['frais']],
      ['montant=100000&taux=12&duree=12&frais=100000', ['frais']],
      ['montant=100000&taux=12&duree=12&premiere_echeance=2027-02-30', ['premiere_echeance']],
      // Fees above 10 % of the amount (also where the TEG would not converge: a 500 before).
      ['montant=100000&taux=12&duree=12&frais=10001', ['frais']],
      ['montant=1000000000&taux=12&duree=1&frais=999999999', ['frais']],
      // The first due date: after today, within a year (year 9999 gave dates the answer cannot hold).
      ['montant=100000&taux=12&duree=60&premiere_echeance=9999-12-31', ['premiere_echeance']],
      ['montant=100000&taux=12&duree=12&premiere_echeance=2000-01-01', ['premiere_echeance']],
    ];
    for (const [query, fields] of cases) {
      const res = await simulate(query);
      expectProblem(res, 400, 'validation');
      expect([query, Object.keys(res.body.errors)]).toEqual([query, fields]);
    }
  });
});

describe('POST and GET /api/loans/terms/', () => {
  it('sets then revises the terms of an application (soumis → en_cours_examen), audited; lists them', async () => {
    const { client, savings } = await eligibleClient(t, sfd);
    const { application } = await makeApplication(t, sfd, client, savings, { amount: 80_000, months: 10 });
    const set = await t.request
      .post('/api/loans/terms/')
      .set('Authorization', `Bearer ${token}`)
      .send({ application_id: application.id, annual_rate: '18', daily_penalty_rate: '0.05', fees: 1000 });
    expect(set.status).toBe(201);
    expect(set.body).toMatchObject({
      application_id: application.id,
      amount: 80_000,
      annual_rate: 18,
      months: 10,
      method: 'annuity',
      fees: 1000,
      daily_penalty_rate: 0.05,
      savings_guarantee_pct: 0,
      guarantee_amount: 0,
      set_by: superviseur.id,
    });
    expect((await t.deps.db.manager.findOneByOrFail(LoanApplication, { id: application.id })).status).toBe(
      'en_cours_examen',
    );
    const revised = await t.request.post('/api/loans/terms/').set('Authorization', `Bearer ${token}`).send({
      application_id: application.id,
      amount: 50_000,
      months: 5,
      annual_rate: 10,
      daily_penalty_rate: 0.1,
      method: 'flat',
    });
    expect(revised.status).toBe(201);
    expect(revised.body).toMatchObject({
      id: set.body.id,
      amount: 50_000,
      months: 5,
      method: 'flat',
      fees: 0,
    });
    expect((await auditOf(t, 'loan_application', application.id)).map((e) => e.action)).toEqual([
      'loan.terms.set',
      'loan.application.review',
      'loan.terms.revise',
    ]);
    const list = await t.request
      .get(`/api/loans/terms/?application_id=${application.id}`)
      .set('Authorization', `Bearer ${token}`);
    expect(list.body).toMatchObject({ count: 1, next: null, previous: null });
    expect(list.body.results[0]).toEqual(revised.body);
    // The application shows them.
    const one = await t.request
      .get(`/api/loans/applications/${application.id}/`)
      .set('Authorization', `Bearer ${token}`);
    expect(one.body.terms).toEqual(revised.body);
    // An unknown application: 404; a decided one: 409.
    const missing = await t.request
      .post('/api/loans/terms/')
      .set('Authorization', `Bearer ${token}`)
      .send({ application_id: 99_999_999, annual_rate: 12, daily_penalty_rate: 0.1 });
    expectProblem(missing, 404);
    const { client: c2, savings: s2 } = await eligibleClient(t, sfd);
    const { application: granted } = await makeApplication(t, sfd, c2, s2, { status: 'accorde' });
    const closed = await t.request
      .post('/api/loans/terms/')
      .set('Authorization', `Bearer ${token}`)
      .send({ application_id: granted.id, annual_rate: 12, daily_penalty_rate: 0.1 });
    expectProblem(closed, 409, 'conflict');
  });
});
