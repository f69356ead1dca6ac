import { callerKey } from '../../../src/accounts/caller-cache';
import { User, type Sfd } from '../../../src/accounts/entities';
import { authed } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, phone, tokenFor } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';

/**
 * The first hop of a session reads the caller from the key-value store (cached from MySQL for a few
 * minutes). Every change that the cached fields reflect must show on the very next dial.
 */
let t: TestApp;
let sfd: Sfd;
let adminToken: string;
const api = authed(() => t);

const MAIN_FR = /^CON TontiFlex\n1\. Cotiser/;

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'CCH');
  adminToken = await tokenFor(t, await makeUser(t, 'admin_sfd', sfd));
});
afterAll(() => t.close());

async function dialledClient(fields: Partial<User> = {}) {
  const user = await makeUser(t, 'client', sfd, { firstName: 'Awa', lastName: 'Houngbo', ...fields });
  const p = new Phone(t, user.phone);
  return { user, p, first: await p.dial() };
}

it('is filled by a first hop, without the PIN hash', async () => {
  const { user, first } = await dialledClient();
  expect(first).toMatch(MAIN_FR);
  const cached = JSON.parse((await t.deps.kv.get(callerKey(user.phone))) ?? 'null') as object;
  expect(cached).toEqual({
    id: user.id,
    role: 'client',
    status: 'active',
    language: 'fr',
    firstName: 'Awa',
    hasPin: true,
  });
});

it('does not keep an unknown number: a client registered elsewhere is known on the next dial', async () => {
  const number = phone();
  expect(await new Phone(t, number).dial()).toMatch(/^CON Bienvenue/);
  expect(await t.deps.kv.get(callerKey(number))).toBeNull();
  await makeUser(t, 'client', sfd, { phone: number });
  expect(await new Phone(t, number).dial()).toMatch(MAIN_FR);
});

it('forgets a suspended client at once, and a reactivated one', async () => {
  const { user, p } = await dialledClient();
  expect((await api.post(adminToken, `/api/accounts/clients/${user.id}/suspend/`)).status).toBe(200);
  expect(await p.dial()).toBe('END Votre compte est suspendu. Contactez votre agence.');
  expect((await api.post(adminToken, `/api/accounts/clients/${user.id}/reactivate/`)).status).toBe(200);
  expect(await p.dial()).toMatch(MAIN_FR);
});

it('follows a language, phone or name change made in the back office', async () => {
  const { user, p } = await dialledClient();
  const en = await api.patch(adminToken, `/api/accounts/clients/${user.id}/`, { language: 'en' });
  expect(en.status).toBe(200);
  expect(await p.dial()).toMatch(/^CON TontiFlex\n1\. Contribute/);

  const newNumber = phone();
  const moved = await api.patch(adminToken, `/api/accounts/clients/${user.id}/`, { phone: newNumber });
  expect(moved.status).toBe(200);
  expect(await p.dial()).toMatch(/^CON Welcome|^CON Bienvenue/); // the old number is nobody's now
  expect(await new Phone(t, newNumber).dial()).toMatch(/^CON TontiFlex\n1\. Contribute/);
});

it('follows a first PIN chosen on the phone: the next dial goes to the main menu', async () => {
  const { p, first } = await dialledClient({ pinHash: null });
  expect(first).toMatch(/^CON Bienvenue sur TontiFlex\. Choisissez votre code PIN/);
  await p.send('2580');
  await p.send('2580');
  expect(await p.dial()).toMatch(MAIN_FR);
});

it('follows a language chosen on the phone', async () => {
  const { p } = await dialledClient();
  await p.sendAll('6', '1', '2');
  expect(await p.dial()).toMatch(/^CON TontiFlex\n1\. Contribute/);
});
