import type { Sfd } from '../../../src/accounts/entities';
import { User } from '../../../src/accounts/entities';
import { callerKey } from '../../../src/accounts/caller-cache';
import { auditOf } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, PIN, tokenFor } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';

let t: TestApp;
let sfd: Sfd;

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'PINS');
});
afterAll(() => t.close());

const NOTICE_FR = "TontiFlex: Votre PIN a ete modifie. Si ce n'est pas vous, contactez votre agence.";
const NOTICE_EN = 'TontiFlex: Your PIN was changed. If this was not you, contact your branch.';

const changePin = (access: string, body: object) =>
  t.request.post('/api/accounts/me/pin/').set('Authorization', `Bearer ${access}`).send(body);
const login = (user: User, pin: string) =>
  t.request.post('/api/accounts/login/').send({ phone: user.phone, pin });
const notices = async (user: User) =>
  (await t.inbox.to(user.phone)).filter((m) => /PIN (a ete modifie|was changed)/.test(m.body));
const pinActions = async (user: User) =>
  (await auditOf(t, 'user', user.id)).filter((e) => e.action.startsWith('user.pin')).map((e) => e.action);

describe('POST /api/accounts/me/pin/', () => {
  it('changes the PIN: 204, the old PIN stops working, an SMS notice, an audit row, the caller cache forgotten', async () => {
    const client = await makeUser(t, 'client', sfd);
    const access = await tokenFor(t, client);
    await new Phone(t, client.phone).dial(); // the USSD hop caches the caller
    const res = await changePin(access, { old_pin: PIN, new_pin: '3068' });
    expect(res.status).toBe(204);
    expect((await login(client, PIN)).status).toBe(401);
    expect((await login(client, '3068')).status).toBe(200);
    expect(await notices(client)).toEqual([{ to: client.phone, kind: 'alert', body: NOTICE_FR }]);
    expect(await pinActions(client)).toEqual(['user.pin_change']);
    expect(await t.deps.kv.get(callerKey(client.phone))).toBeNull();
    const stored = await t.deps.db.manager.findOneByOrFail(User, { id: client.id });
    expect(stored.pinHash).toMatch(/^scrypt\$/);
  });

  it('sends the notice in the client’s language', async () => {
    const client = await makeUser(t, 'client', sfd, { language: 'en' });
    expect((await changePin(await tokenFor(t, client), { old_pin: PIN, new_pin: '3068' })).status).toBe(204);
    expect((await notices(client)).map((m) => m.body)).toEqual([NOTICE_EN]);
  });

  it('refuses a wrong old PIN with 400 naming old_pin, and locks after PIN_MAX_FAILURES with 429', async () => {
    const client = await makeUser(t, 'client', sfd);
    const access = await tokenFor(t, client);
    const before = await t.deps.db.manager.findOneByOrFail(User, { id: client.id });
    const wrong = await changePin(access, { old_pin: '9035', new_pin: '3068' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual({ old_pin: ['PIN incorrect'] });
    for (let i = 1; i < t.config.PIN_MAX_FAILURES - 1; i++) {
      expect((await changePin(access, { old_pin: '9035', new_pin: '3068' })).status).toBe(400);
    }
    const locking = await changePin(access, { old_pin: '9035', new_pin: '3068' });
    expect(locking.status).toBe(429);
    expect(Number(locking.headers['retry-after'])).toBeGreaterThan(0);
    // Locked: even the right PIN is refused, as on USSD and at login.
    const locked = await changePin(access, { old_pin: PIN, new_pin: '3068' });
    expect(locked.status).toBe(429);
    expect(locked.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: client.id })).pinHash).toBe(before.pinHash);
    expect(await notices(client)).toEqual([]);
  });

  it('refuses a weak or malformed new PIN as USSD does, before checking the old one', async () => {
    const client = await makeUser(t, 'client', sfd);
    const access = await tokenFor(t, client);
    const weak = await changePin(access, { old_pin: PIN, new_pin: '1234' });
    expect(weak.status).toBe(400);
    expect(weak.body.errors).toEqual({ new_pin: ['Code PIN trop simple'] });
    const malformed = await changePin(access, { old_pin: '12', new_pin: '30a8' });
    expect(malformed.status).toBe(400);
    expect(Object.keys(malformed.body.errors).sort()).toEqual(['new_pin', 'old_pin']);
    expect((await login(client, PIN)).status).toBe(200);
  });

  it('is for clients only: 403 for staff, 401 without a token', async () => {
    const agent = await makeUser(t, 'agent_sfd', sfd);
    expect((await changePin(await tokenFor(t, agent), { old_pin: PIN, new_pin: '3068' })).status).toBe(403);
    expect(
      (await t.request.post('/api/accounts/me/pin/').send({ old_pin: PIN, new_pin: '3068' })).status,
    ).toBe(401);
  });
});

describe('PIN notices on USSD', () => {
  it('a PIN change by USSD sends the notice', async () => {
    const client = await makeUser(t, 'client', sfd);
    const p = new Phone(t, client.phone);
    await p.dial();
    await p.sendAll('6', '2', PIN, '3068');
    expect(await p.send('3068')).toBe('END Votre PIN a ete modifie.');
    expect(await notices(client)).toEqual([{ to: client.phone, kind: 'alert', body: NOTICE_FR }]);
    expect(await pinActions(client)).toEqual(['user.pin_change']);
  });

  it('a PIN reset by USSD sends the notice', async () => {
    const client = await makeUser(t, 'client', sfd);
    const p = new Phone(t, client.phone);
    await p.dial();
    await p.sendAll('6', '3');
    await p.sendAll(await t.inbox.lastCode(client.phone), '6142');
    expect(await p.send('6142')).toBe('END Votre PIN a ete modifie.');
    expect((await notices(client)).map((m) => m.body)).toEqual([NOTICE_FR]);
  });

  it('the first PIN of a client created at a branch is no change: no notice', async () => {
    const client = await makeUser(t, 'client', sfd, { pinHash: null });
    const p = new Phone(t, client.phone);
    await p.dial();
    await p.send('2580');
    expect(await p.send('2580')).toMatch(/^CON PIN enregistre\./);
    expect(await notices(client)).toEqual([]);
    expect(await pinActions(client)).toEqual(['user.pin_set']);
    expect((await login(client, '2580')).status).toBe(200);
  });
});
