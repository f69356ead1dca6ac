import { Sfd, type User } from '../../../src/accounts/entities';
import { SmsOutboxEntry } from '../../../src/notifications/entities';
import { databaseValues, storeValues, whereFound } from '../../helpers/at-rest';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, PASSWORD, phone } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';

/**
 * A one-time code is never stored readable: once the worker has sent it (the code is still valid then),
 * no column of any row of any table, and no Redis key, holds it. Anyone who reads the database or a
 * backup could otherwise finish a sign-up, a PIN reset or a staff login. The code is taken from the
 * phone's inbox, which sees what was sent.
 */
let t: TestApp;
let sfd: Sfd;

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'REST');
  await t.deps.db.manager.update(Sfd, { id: sfd.id }, { staffLoginOtp: true });
});
afterAll(() => t.close());

/** Where the code rests readable: nowhere, in the database and in the store. */
async function expectNowhere(code: string, to: string): Promise<void> {
  const [db, store] = [await databaseValues(t), await storeValues(t)];
  // The scan reads what it should: the recipient's phone is there (their outbox row at least).
  expect(whereFound(db, to)).toContainEqual(expect.stringMatching(/^sms_outbox\.to_phone#/));
  expect(whereFound(db, code)).toEqual([]);
  expect(whereFound(store, code)).toEqual([]);
}

/** The code sent last to `to`, once the worker has sent it, and its outbox row done. */
async function deliveredCode(to: string): Promise<string> {
  const code = await t.inbox.lastCode(to);
  const rows = await t.deps.db.manager.findBy(SmsOutboxEntry, { toPhone: to, kind: 'otp' });
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    expect(row).toMatchObject({ status: 'sent', secretParamsEnc: null });
    expect(row.body).toContain('******'); // masked, as long as the code
  }
  return code;
}

beforeEach(async () => {
  // Each test's scan sees only its own rows: the previous tests' phones and codes are gone.
  await t.deps.db.manager.clear(SmsOutboxEntry);
});

it('sign-up: the verification code is nowhere, before and after it is used', async () => {
  const number = phone();
  const res = await t.request
    .post('/api/accounts/signup/')
    .send({ phone: number, first_name: 'Awa', last_name: 'Houngbo', sfd_id: sfd.id, pin: '5820' });
  expect(res.status).toBeLessThan(300); // 201 (created) or 202 (created once verified)
  const code = await deliveredCode(number);
  expect((await t.inbox.to(number)).at(-1)?.body).toMatch(/code de verification est \d{6}\./);
  await expectNowhere(code, number);

  const verified = await t.request.post('/api/accounts/signup/verify/').send({ phone: number, code });
  expect(verified.status).toBeLessThan(300);
  await expectNowhere(code, number);
});

it('USSD PIN reset: the code is nowhere while it is valid, nor once the PIN is changed', async () => {
  const user = await makeUser(t, 'client', sfd);
  const p = new Phone(t, user.phone);
  await p.dial();
  expect(await p.sendAll('6', '3')).toMatch(/^CON Un code vous a ete envoye par SMS/);
  const code = await deliveredCode(user.phone);
  await expectNowhere(code, user.phone);

  expect(await p.send(code)).toMatch(/^CON Entrez votre nouveau PIN/);
  await p.send('6142');
  expect(await p.send('6142')).toBe('END Votre PIN a ete modifie.');
  await expectNowhere(code, user.phone);
});

it('staff login with staff_login_otp: the code is nowhere, before and after the login', async () => {
  const agent: User = await makeUser(t, 'agent_sfd', sfd);
  const res = await t.request.post('/api/accounts/login/').send({ email: agent.email, password: PASSWORD });
  expect(res.status).toBe(200);
  expect(res.body.otp_required).toBe(true);
  const code = await deliveredCode(agent.phone);
  await expectNowhere(code, agent.phone);

  const verified = await t.request
    .post('/api/accounts/login/verifier-otp/')
    .send({ challenge: res.body.challenge, code });
  expect(verified.status).toBe(200);
  expect(verified.body.access).toEqual(expect.any(String));
  await expectNowhere(code, agent.phone);
});
