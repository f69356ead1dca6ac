import type { Sfd, User } from '../../../src/accounts/entities';
import { SavingsAccount } from '../../../src/savings/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { activeSavingsAccount } from './helpers';

/**
 * GET /api/savings/transactions/statistics/: per SFD, the confirmed deposits and withdrawals in all
 * and by the SFD's local month (a deposit at 23:30 UTC on 31 January is February's in Porto-Novo), the
 * active accounts' average balance; JSON and CSV, exact; each SFD sees its own.
 */
let t: TestApp;
let a: Sfd;
let b: Sfd;
let agentA: User;
let tokenA: string;
let tokenB: string;
let platform: string;

beforeAll(async () => {
  t = await startTestApp();
  a = await makeSfd(t, 'STA');
  b = await makeSfd(t, 'STB');
  agentA = await makeUser(t, 'agent_sfd', a);
  tokenA = await tokenFor(t, agentA);
  tokenB = await tokenFor(t, await makeUser(t, 'agent_sfd', b));
  platform = await tokenFor(t, await makeUser(t, 'admin_plateforme', null));

  const cash = (token: string, accountId: number, amount: number, key: string) =>
    t.request
      .post(`/api/savings/accounts/${accountId}/deposit/`)
      .set('Authorization', `Bearer ${token}`)
      .set('Idempotency-Key', key)
      .send({ amount, method: 'cash' })
      .expect(201);
  const ask = async (accountId: number, amount: number) =>
    (
      await t.request
        .post(`/api/savings/accounts/${accountId}/withdraw/`)
        .set('Authorization', `Bearer ${tokenA}`)
        .send({ amount })
        .expect(201)
    ).body.id as number;
  const decide = (id: number, body: object) =>
    t.request
      .post(`/api/savings/transactions/${id}/validate/`)
      .set('Authorization', `Bearer ${tokenA}`)
      .send(body)
      .expect(200);

  const acc1 = await activeSavingsAccount(t, a, await makeUser(t, 'client', a));
  const acc2 = await activeSavingsAccount(t, a, await makeUser(t, 'client', a));
  await activeSavingsAccount(t, a, await makeUser(t, 'client', a)); // active, empty
  const suspended = await activeSavingsAccount(t, a, await makeUser(t, 'client', a), 5000);
  await t.deps.db.manager.update(SavingsAccount, { id: suspended.id }, { status: 'suspendu' });
  const acc5 = await activeSavingsAccount(t, b, await makeUser(t, 'client', b));

  t.clock.set(new Date('2026-01-15T10:00:00Z'));
  await cash(tokenA, acc1.id, 3000, 'st-1');
  await cash(tokenA, acc2.id, 2500, 'st-2');
  await cash(tokenB, acc5.id, 700, 'st-3');
  // 00:30 on 1 February in Porto-Novo (UTC+1).
  t.clock.set(new Date('2026-01-31T23:30:00Z'));
  await cash(tokenA, acc1.id, 1000, 'st-4');
  await decide(await ask(acc1.id, 1500), { decision: 'approve', method: 'cash' });
  await decide(await ask(acc2.id, 1000), { decision: 'reject', reason: 'Non' }); // annulee: not counted
  await ask(acc2.id, 600); // awaiting its agent: not counted
});
afterAll(() => t.close());

const stats = (token: string, q = '') =>
  t.request.get(`/api/savings/transactions/statistics/${q}`).set('Authorization', `Bearer ${token}`);

const rowA = () => ({
  sfd_id: a.id,
  deposits_count: 3,
  deposits_amount: 6500,
  withdrawals_count: 1,
  withdrawals_amount: 1500,
  // acc1 2 500, acc2 2 500, the empty one 0: 5 000 / 3.
  active_accounts: 3,
  average_balance: 1667,
  months: [
    {
      month: '2026-01',
      deposits_count: 2,
      deposits_amount: 5500,
      withdrawals_count: 0,
      withdrawals_amount: 0,
    },
    {
      month: '2026-02',
      deposits_count: 1,
      deposits_amount: 1000,
      withdrawals_count: 1,
      withdrawals_amount: 1500,
    },
  ],
});
const rowB = () => ({
  sfd_id: b.id,
  deposits_count: 1,
  deposits_amount: 700,
  withdrawals_count: 0,
  withdrawals_amount: 0,
  active_accounts: 1,
  average_balance: 700,
  months: [
    {
      month: '2026-01',
      deposits_count: 1,
      deposits_amount: 700,
      withdrawals_count: 0,
      withdrawals_amount: 0,
    },
  ],
});

it("an agent sees their SFD's figures, exact", async () => {
  const res = await stats(tokenA);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ results: [rowA()] });
  expect((await stats(tokenB)).body).toEqual({ results: [rowB()] });
  // sfd_id is the platform admin's filter only.
  expect((await stats(tokenA, `?sfd_id=${b.id}`)).body).toEqual({ results: [rowA()] });
});

it('the platform admin sees every SFD, or one', async () => {
  expect((await stats(platform)).body).toEqual({ results: [rowA(), rowB()] });
  expect((await stats(platform, `?sfd_id=${b.id}`)).body).toEqual({ results: [rowB()] });
});

it('format=csv: a total row per SFD, then its months', async () => {
  const res = await stats(tokenA, '?format=csv');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
  expect(res.headers['content-disposition']).toBe('attachment; filename="savings-statistics.csv"');
  expect(res.text).toBe(
    'sfd_id,month,deposits_count,deposits_amount,withdrawals_count,withdrawals_amount,active_accounts,average_balance\r\n' +
      `${a.id},total,3,6500,1,1500,3,1667\r\n` +
      `${a.id},2026-01,2,5500,0,0,,\r\n` +
      `${a.id},2026-02,1,1000,1,1500,,\r\n`,
  );
});

it('a client may not read them (403)', async () => {
  const client = await makeUser(t, 'client', a);
  expect((await stats(await tokenFor(t, client))).status).toBe(403);
});
