import { User } from '../../../src/accounts/entities';
import { maskPhone } from '../../../src/infra/logger';
import { SmsOutboxEntry } from '../../../src/notifications/entities';
import { UssdSessionLog } from '../../../src/ussd/entities';
import { resumeKey, sessionKey } from '../../../src/ussd/session';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, phone } from '../../helpers/factories';
import { appWithLogs } from '../../helpers/logs';
import { Phone } from '../../helpers/ussd';

/**
 * A USSD session belongs to the phone that opened it, and only a valid mobile number opens one: a hop
 * from another number on a session's id, or from a number that is not one, is answered END, changes
 * nothing in the store or the database, and leaves one warning.
 */
const WRONG_PHONE = 'END Cette session appartient a un autre numero. Composez a nouveau le code TontiFlex.';
const INVALID_PHONE = 'END Ce service est reserve aux numeros de mobile valides.';
const ACCOUNT_FR =
  'CON Mon compte\n1. Langue\n2. Changer PIN\n3. PIN oublie\n4. Mes informations\n0. Retour 00. Accueil';

let t: TestApp;
let logged: ReturnType<typeof appWithLogs>;
let sfd: Awaited<ReturnType<typeof makeSfd>>;

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'BND');
  logged = appWithLogs(t);
});
afterAll(() => t.close());

/** One hop as Africa's Talking posts it. */
async function hop(sessionId: string, phoneNumber: string, text: string): Promise<string> {
  const res = await logged.request.post('/ussd').type('form').send({
    sessionId,
    serviceCode: '*123#',
    phoneNumber,
    networkCode: '61603',
    text,
  });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  return res.text;
}

describe('a session belongs to the phone that opened it', () => {
  it("refuses another phone's hop on its id: END, nothing stored, one warning", async () => {
    const owner = await makeUser(t, 'client', sfd, { firstName: 'Awa', lastName: 'Houngbo' });
    const intruder = phone();
    const sid = 'ATUid_bound_1';
    await hop(sid, owner.phone, '');
    expect(await hop(sid, owner.phone, '6')).toBe(ACCOUNT_FR);
    logged.warnings();
    const stored = await t.deps.kv.get(sessionKey(sid));
    const ownerResume = await t.deps.kv.get(resumeKey(owner.phone));
    expect(stored).not.toBeNull();

    // The next input, a repeat of the owner's last hop (its stored screen), a rewritten text: all refused.
    for (const text of ['6*4', '6', '4', '']) {
      expect(await hop(sid, intruder, text)).toBe(WRONG_PHONE);
      expect(logged.warnings()).toEqual([
        expect.objectContaining({
          reason: 'phone_mismatch',
          phone: maskPhone(intruder),
          session_id: sid,
        }),
      ]);
    }
    expect(await t.deps.kv.get(sessionKey(sid))).toBe(stored);
    expect(await t.deps.kv.get(resumeKey(owner.phone))).toBe(ownerResume);
    expect(await t.deps.kv.get(resumeKey(intruder))).toBeNull();

    // The owner goes on where they were.
    expect(await hop(sid, owner.phone, '6*4')).toMatch(/^CON Awa Houngbo\n/);
    expect(logged.warnings()).toEqual([]);
  });

  it('takes the same number in another form (national, E.164) as the same phone', async () => {
    const owner = await makeUser(t, 'client', sfd);
    const national = owner.phone.replace(/^\+229/, '');
    const sid = 'ATUid_bound_2';
    await hop(sid, national, '');
    expect(await hop(sid, owner.phone, '6')).toBe(ACCOUNT_FR);
    expect(await hop(sid, ` ${national}`, '6*0')).toMatch(/^CON TontiFlex\n/);
    expect(logged.warnings()).toEqual([]);
  });
});

describe('only a valid mobile number opens a session', () => {
  const INVALID = ['hello', '+22912', "' OR 1=1--", '+22997123456', '+2290121000000' /* a fixed line */];

  it.each(INVALID)('%s: END at every hop, no session, no user, no SMS', async (number) => {
    const users = await t.deps.db.manager.count(User);
    const sms = await t.deps.db.manager.count(SmsOutboxEntry);
    const sid = `ATUid_invalid_${Buffer.from(number).toString('hex')}`;
    // What completed a registration and queued a welcome SMS before.
    const inputs = ['1', 'Houngbo', 'Awa', '1', '1', '5820', '5820'];
    for (let k = 0; k <= inputs.length; k++) {
      expect(await hop(sid, number, inputs.slice(0, k).join('*'))).toBe(INVALID_PHONE);
      expect(logged.warnings()).toEqual([
        expect.objectContaining({ reason: 'invalid_phone', phone: maskPhone(number), session_id: sid }),
      ]);
    }
    expect(await t.deps.kv.get(sessionKey(sid))).toBeNull();
    await t.inbox.drain();
    expect(await t.deps.db.manager.count(User)).toBe(users);
    expect(await t.deps.db.manager.count(SmsOutboxEntry)).toBe(sms);
  });

  it('serves valid mobile numbers, from Benin and elsewhere', async () => {
    expect(await hop('ATUid_valid_1', '+2290166000001', '')).toMatch(/^CON Bienvenue sur TontiFlex/);
    expect(await hop('ATUid_valid_2', '0166000002', '')).toMatch(/^CON Bienvenue sur TontiFlex/);
    expect(await hop('ATUid_valid_3', '+2250701234567', '')).toMatch(/^CON Bienvenue sur TontiFlex/);
    expect(logged.warnings()).toEqual([]);
  });
});

describe('end-of-session notification', () => {
  it("ends a session only on its own phone's notification", async () => {
    const owner = new Phone(logged, (await makeUser(t, 'client', sfd)).phone);
    await owner.dial();
    await owner.sendAll('6', '1');
    const key = sessionKey(owner.sessionId);
    const stored = await t.deps.kv.get(key);
    logged.warnings();

    const spoofed = await logged.request.post('/ussd/events').type('form').send({
      sessionId: owner.sessionId,
      phoneNumber: phone(),
      status: 'Success',
      durationInMillis: '1000',
    });
    expect(spoofed.status).toBe(200);
    expect(await t.deps.kv.get(key)).toBe(stored);
    expect(await t.deps.db.manager.countBy(UssdSessionLog, { sessionId: owner.sessionId })).toBe(0);
    expect(logged.warnings()).toEqual([
      expect.objectContaining({ reason: 'phone_mismatch', session_id: owner.sessionId }),
    ]);
    // The session goes on, and its own notification ends it.
    expect(await owner.send('0')).toBe(ACCOUNT_FR);
    expect((await owner.hangUp('Incomplete')).status).toBe(200);
    expect(await t.deps.kv.get(key)).toBeNull();
    const row = await t.deps.db.manager.findOneByOrFail(UssdSessionLog, { sessionId: owner.sessionId });
    expect(row).toMatchObject({ status: 'Incomplete', phone: owner.number, flow: 'account' });
    expect(logged.warnings()).toEqual([]);
  });

  it('takes the national form of the number as the same phone', async () => {
    const number = (await makeUser(t, 'client', sfd)).phone;
    const owner = new Phone(logged, number);
    await owner.dial();
    const res = await logged.request
      .post('/ussd/events')
      .type('form')
      .send({
        sessionId: owner.sessionId,
        phoneNumber: number.replace(/^\+229/, ''),
        status: 'Success',
      });
    expect(res.status).toBe(200);
    expect(await t.deps.kv.get(sessionKey(owner.sessionId))).toBeNull();
    expect(await t.deps.db.manager.countBy(UssdSessionLog, { sessionId: owner.sessionId })).toBe(1);
  });
});
