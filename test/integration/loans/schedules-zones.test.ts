import { Sfd, type User } from '../../../src/accounts/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { eligibleClient, makeLoan } from './helpers';

/**
 * "Today" is each SFD's own local date: at 23:30 UTC it is already tomorrow in Porto-Novo (UTC+1)
 * and still today in Pago Pago (UTC−11). An instalment due on the UTC date is late in the first SFD
 * and due today (not late) in the second, also in the platform admin's one list over every SFD.
 */
let t: TestApp;
let near: Sfd;
let far: Sfd;
let platform: User;
let nearLoan: number;
let farLoan: number;

beforeAll(async () => {
  t = await startTestApp();
  t.clock.set(new Date('2027-02-10T12:00:00Z'));
  near = await makeSfd(t, 'LZN');
  far = await makeSfd(t, 'LZF');
  await t.deps.db.manager.update(Sfd, { id: far.id }, { timeZone: 'Pacific/Pago_Pago' });
  platform = await makeUser(t, 'admin_plateforme', null);
  // Both disbursed on 10 February: their first instalment is due on 10 March.
  for (const sfd of [near, far]) {
    const { client, savings } = await eligibleClient(t, sfd);
    const { loan } = await makeLoan(t, sfd, client, savings, { disbursedOn: '2027-02-10' });
    if (sfd === near) nearLoan = loan.id;
    else farLoan = loan.id;
  }
  t.clock.set(new Date('2027-03-10T23:30:00Z'));
});
afterAll(() => t.close());

const get = async (url: string, as: User) =>
  t.request.get(url).set('Authorization', `Bearer ${await tokenFor(t, as)}`);
const ids = (res: { body: { results: { loan_id: number; n: number; days_late: number }[] } }) =>
  res.body.results.map((r) => [r.loan_id, r.n, r.days_late]);

it('en-retard and a-venir: each SFD on its own date, in one list for the platform admin', async () => {
  expect(ids(await get('/api/loans/schedules/en-retard/', platform))).toEqual([[nearLoan, 1, 1]]);
  expect(ids(await get('/api/loans/schedules/a-venir/?jours=1', platform))).toEqual([[farLoan, 1, 0]]);
  const farAgent = await makeUser(t, 'agent_sfd', far);
  expect(ids(await get('/api/loans/schedules/en-retard/', farAgent))).toEqual([]);
  expect(ids(await get('/api/loans/schedules/?status=en_retard', platform))).toEqual([[nearLoan, 1, 1]]);
  expect((await get('/api/loans/schedules/?status=a_payer', platform)).body.count).toBe(23);
});

it('the calendars say the same, each on its SFD date', async () => {
  const nearCal = await get(`/api/loans/${nearLoan}/calendrier-remboursement/`, platform);
  expect(nearCal.body.today).toBe('2027-03-11');
  expect(nearCal.body.rows[0]).toMatchObject({ due_date: '2027-03-10', status: 'en_retard', days_late: 1 });
  const farCal = await get(`/api/loans/${farLoan}/calendrier-remboursement/`, platform);
  expect(farCal.body.today).toBe('2027-03-10');
  expect(farCal.body.rows[0]).toMatchObject({ due_date: '2027-03-10', status: 'a_payer', days_late: 0 });
});
