import { randomInt } from 'node:crypto';
import { User } from '../../../src/accounts/entities';
import { decrypt } from '../../../src/infra/crypto';
import { storeValues, whereFound } from '../../helpers/at-rest';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, phone } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';

/**
 * The ID number a client types while registering by USSD rests in the store between hops (the session
 * record `ussd:s:*`, and the phone's resume key once the session drops): it must not be readable there.
 * Only users.id_number_enc keeps it, under DOCUMENT_KEY.
 */
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  await makeSfd(t, 'IDR');
});
afterAll(() => t.close());

/** Where the ID number rests readable in the store (every key, every value). */
const inStore = async (idNumber: string) => whereFound(await storeValues(t), idNumber);

it('keeps the ID number unreadable in the session and resume keys, and decryptable in the user row', async () => {
  const idNumber = `TF${randomInt(10_000_000, 99_999_999)}`;
  const p = new Phone(t, phone());
  await p.dial();
  await p.sendAll('1', 'Houngbo', 'Awa', '1');
  expect(await p.send(idNumber.toLowerCase())).toMatch(/^CON Choisissez un code PIN secret/);
  // The scan reads the session: the names typed before are in its context.
  expect(await storeValues(t)).toContainEqual({
    where: `ussd:s:${p.sessionId}`,
    value: expect.stringContaining('Houngbo'),
  });
  expect(await inStore(idNumber)).toEqual([]);

  // Dropped: the place (context included) now also rests under the phone's resume key.
  await p.hangUp('Incomplete');
  expect(await p.dial()).toBe('CON Session interrompue.\n1. Reprendre: Inscription\n2. Menu principal');
  expect(await inStore(idNumber)).toEqual([]);

  expect(await p.send('1')).toMatch(/^CON Choisissez un code PIN secret/);
  await p.send('7391');
  expect(await p.send('7391')).toMatch(/^END Bienvenue Awa !/);
  expect(await inStore(idNumber)).toEqual([]);

  const user = await t.deps.db.manager.findOneByOrFail(User, { phone: p.number });
  expect(user.idNumberEnc).not.toContain(idNumber);
  expect(decrypt(user.idNumberEnc ?? '', t.config.DOCUMENT_KEY)).toBe(idNumber);
});

it('registers without an ID number as before (1: none)', async () => {
  const p = new Phone(t, phone());
  await p.dial();
  await p.sendAll('1', 'Houngbo', 'Awa', '1', '1', '7391');
  expect(await p.send('7391')).toMatch(/^END Bienvenue Awa !/);
  const user = await t.deps.db.manager.findOneByOrFail(User, { phone: p.number });
  expect(user.idNumberEnc).toBeNull();
});
