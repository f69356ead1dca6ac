import type { Sfd } from '../../../src/accounts/entities';
import { User } from '../../../src/accounts/entities';
import { Notification } from '../../../src/notifications/inapp-entities';
import { auditOf } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, PIN, phone } from '../../helpers/factories';

let t: TestApp;
let sfd: Sfd;
let otherSfd: Sfd;
let agent: User;

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'SIGN');
  otherSfd = await makeSfd(t, 'SIGN2');
  agent = await makeUser(t, 'agent_sfd', sfd); // receives the KYC notice of a verified sign-up
});
afterAll(() => t.close());

const signup = (number: string, fields: Record<string, unknown> = {}) =>
  t.request.post('/api/accounts/signup/').send({
    phone: number,
    first_name: 'Awa',
    last_name: 'Houngbo',
    sfd_id: sfd.id,
    language: 'fr',
    pin: '5820',
    ...fields,
  });
const verify = (number: string, code: string) =>
  t.request.post('/api/accounts/signup/verify/').send({ phone: number, code });
const login = (number: string, pin: string) =>
  t.request.post('/api/accounts/login/').send({ phone: number, pin });
/** Past the one-time codes' resend delay, so a sign-up may send a new code. */
const pastResendDelay = () => t.clock.advance((t.config.OTP_RESEND_DELAY_S + 1) * 1000);
const stored = (number: string) => t.deps.db.manager.findOneBy(User, { phone: number });

describe('sign-up of a phone that already has an account', () => {
  const existing: [string, () => Promise<User>][] = [
    [
      'a client created by staff (no PIN, not verified)',
      () => makeUser(t, 'client', sfd, { pinHash: null, phoneVerifiedAt: null }),
    ],
    ['a client with a PIN, not verified', () => makeUser(t, 'client', sfd, { phoneVerifiedAt: null })],
    ['a verified client', () => makeUser(t, 'client', sfd)],
    ['a staff member', () => makeUser(t, 'agent_sfd', sfd)],
  ];

  it.each(existing)(
    'is refused for %s: 409 to dial USSD or visit the branch, nothing changed, no SMS',
    async (_, make) => {
      const user = await make();
      const before = await stored(user.phone);
      const res = await signup(user.phone, {
        first_name: 'Intrus',
        last_name: 'Pirate',
        sfd_id: otherSfd.id,
        language: 'en',
        pin: '7391',
      });
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        type: 'https://tontiflex.app/problems/phone-in-use',
        title: 'Numero deja inscrit',
        status: 409,
        errors: { phone: ['Ce numero a deja un compte'] },
      });
      expect(res.body.detail).toContain(t.config.USSD_SERVICE_CODE);
      expect(res.body.detail).toMatch(/branch/);
      // Not a field of the account moved: names, language, SFD, PIN, verification.
      expect(await stored(user.phone)).toEqual(before);
      expect(await t.inbox.to(user.phone)).toEqual([]);
      expect((await login(user.phone, '7391')).status).toBe(401);
      // The refusal is in the account's trail, without the requested names or PIN.
      const refused = (await auditOf(t, 'user', user.id)).filter((e) => e.action === 'user.signup_refused');
      expect(refused).toEqual([
        expect.objectContaining({
          actorId: null,
          sfdId: sfd.id,
          after: { reason: 'phone_in_use', requested_sfd_id: otherSfd.id },
        }),
      ]);
      expect(JSON.stringify(refused)).not.toMatch(/Intrus|Pirate|7391/);
    },
  );

  it('audits a flood of refusals a few times an hour, and answers every one alike', async () => {
    const user = await makeUser(t, 'client', sfd);
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push((await signup(user.phone)).status);
    expect(answers).toEqual(Array(8).fill(409));
    const refused = (await auditOf(t, 'user', user.id)).filter((e) => e.action === 'user.signup_refused');
    expect(refused).toHaveLength(5);
  });

  it('answers the title in English when asked', async () => {
    const user = await makeUser(t, 'client', sfd, { phoneVerifiedAt: null });
    const res = await signup(user.phone).set('Accept-Language', 'en');
    expect(res.status).toBe(409);
    expect(res.body.title).toBe('Phone number already registered');
  });
});

describe('sign-up of a new phone', () => {
  it('creates no user before the code; the code creates the verified client, its audit row and KYC notice', async () => {
    const number = phone();
    const res = await signup(number);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ phone: number, detail: 'verification code sent by SMS' });
    expect(await stored(number)).toBeNull();
    // The held details keep the PIN only as its hash, and never the code.
    const code = await t.inbox.lastCode(number);
    const held = (await t.deps.kv.get(`signup:held:${number}`)) ?? '';
    expect(held).toMatch(/scrypt\$/);
    expect(held).not.toMatch(new RegExp(`5820|${code}`));

    const ok = await verify(number, await t.inbox.lastCode(number));
    expect(ok.status).toBe(200);
    const user = await stored(number);
    expect(user).toMatchObject({
      firstName: 'Awa',
      lastName: 'Houngbo',
      role: 'client',
      sfdId: sfd.id,
      language: 'fr',
      kycStatus: 'pending',
      phoneVerifiedAt: expect.any(Date),
    });
    expect(ok.body.user.id).toBe(user!.id);
    expect((await login(number, '5820')).status).toBe(200);
    const trail = (await auditOf(t, 'user', user!.id)).map((e) => [e.action, e.actorId, e.sfdId]);
    expect(trail[0]).toEqual(['user.signup', null, sfd.id]);
    const notices = await t.deps.db.manager.findBy(Notification, { type: 'kyc_pending', userId: agent.id });
    expect(notices.filter((n) => JSON.parse(n.data ?? '{}').client_id === user!.id)).toHaveLength(1);
  });

  it('signed up again (lost SMS) holds the new details: the newest code creates them, the old code is dead', async () => {
    const number = phone();
    expect((await signup(number)).status).toBe(202);
    const first = await t.inbox.lastCode(number);
    pastResendDelay();
    const again = await signup(number, { first_name: 'Sena', sfd_id: otherSfd.id, language: 'en' });
    expect(again.status).toBe(202);
    const second = await t.inbox.lastCode(number);
    expect((await t.inbox.to(number)).at(-1)?.body).toMatch(/^TontiFlex: your verification code/);
    expect(await stored(number)).toBeNull();
    if (first !== second) expect((await verify(number, first)).status).toBe(400);
    expect((await verify(number, second)).status).toBe(200);
    expect(await stored(number)).toMatchObject({ firstName: 'Sena', sfdId: otherSfd.id, language: 'en' });
    expect((await login(number, '5820')).status).toBe(200);
  });

  it('signed up again with another PIN while the code waits: 409, the waiting details stand', async () => {
    const number = phone();
    expect((await signup(number)).status).toBe(202);
    const code = await t.inbox.lastCode(number);
    pastResendDelay();
    // A stranger signing up the same new phone with a PIN of their own.
    const stranger = await signup(number, { first_name: 'Intrus', pin: '6142' });
    expect(stranger.status).toBe(409);
    expect(stranger.body).toMatchObject({ type: expect.stringMatching(/signup-pending$/) });
    expect(await t.inbox.lastCode(number)).toBe(code); // no new code sent
    expect((await verify(number, code)).status).toBe(200);
    expect((await stored(number))?.firstName).toBe('Awa');
    expect((await login(number, '5820')).status).toBe(200);
    expect((await login(number, '6142')).status).toBe(401);
  });

  it('three wrong PINs refuse every re-sign-up until the waiting code expires (no PIN oracle)', async () => {
    const number = phone();
    expect((await signup(number)).status).toBe(202);
    pastResendDelay();
    for (const pin of ['6142', '7391', '8203']) expect((await signup(number, { pin })).status).toBe(409);
    expect((await signup(number)).status).toBe(409); // the right PIN, now refused too
    t.clock.advance((t.config.OTP_TTL_S + 1) * 1000);
    expect((await signup(number, { first_name: 'Sena', pin: '6142' })).status).toBe(202);
    expect((await verify(number, await t.inbox.lastCode(number))).status).toBe(200);
    expect((await login(number, '6142')).status).toBe(200);
  });

  it('sent again within the resend delay: 429, the details held with the live code untouched', async () => {
    const number = phone();
    expect((await signup(number)).status).toBe(202);
    const again = await signup(number, { first_name: 'Changed', pin: '6142' });
    expect(again.status).toBe(429);
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
    expect((await verify(number, await t.inbox.lastCode(number))).status).toBe(200);
    expect((await stored(number))?.firstName).toBe('Awa');
    expect((await login(number, '5820')).status).toBe(200);
  });

  it('two verifications at once make one user; the other is refused, never a 500', async () => {
    const number = phone();
    await signup(number);
    const code = await t.inbox.lastCode(number);
    const answers = await Promise.all([verify(number, code), verify(number, code)]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses[0]).toBe(200);
    expect([400, 409]).toContain(statuses[1]);
    expect(await t.deps.db.manager.countBy(User, { phone: number })).toBe(1);
  });

  it('registered on USSD while the code waited: the verification is a 409 and the USSD account stays', async () => {
    const number = phone();
    await signup(number, { first_name: 'Web' });
    const code = await t.inbox.lastCode(number);
    const ussd = await t.accounts.clients.register({
      phone: number,
      lang: 'fr',
      lastName: 'Dossou',
      firstName: 'Ussd',
      sfdId: otherSfd.id,
      idNumber: null,
      pin: PIN,
    });
    const res = await verify(number, code);
    expect(res.status).toBe(409);
    expect(res.body.type).toMatch(/phone-in-use$/);
    expect(await stored(number)).toMatchObject({ id: ussd.id, firstName: 'Ussd', sfdId: otherSfd.id });
    expect(await t.deps.db.manager.countBy(User, { phone: number })).toBe(1);
  });

  it('loses a unique-key race at insert time with the same 409, leaving the winner as it was', async () => {
    const number = phone();
    await signup(number, { first_name: 'Web' });
    const code = await t.inbox.lastCode(number);
    const winner = await makeUser(t, 'client', otherSfd, { phone: number, firstName: 'Winner' });
    // The verification's "is the phone taken?" read happened before the winner committed.
    const findOne = jest.spyOn(t.deps.db.manager, 'findOne').mockResolvedValueOnce(null);
    try {
      const res = await verify(number, code);
      expect(res.status).toBe(409);
      expect(res.body.type).toMatch(/phone-in-use$/);
    } finally {
      findOne.mockRestore();
    }
    expect(await t.deps.db.manager.findBy(User, { phone: number })).toEqual([
      expect.objectContaining({ id: winner.id, firstName: 'Winner', sfdId: otherSfd.id }),
    ]);
  });
});
