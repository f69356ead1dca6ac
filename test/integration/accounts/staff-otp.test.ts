import { Sfd, User } from '../../../src/accounts/entities';
import { auditOf, authed } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, PASSWORD, PIN, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';

let t: TestApp;
let on: Sfd;
let off: Sfd;

beforeAll(async () => {
  t = await startTestApp();
  on = await makeSfd(t, 'OTPON');
  off = await makeSfd(t, 'OTPOFF');
  await t.deps.db.manager.update(Sfd, { id: on.id }, { staffLoginOtp: true });
});
afterAll(() => t.close());

const { get, post, patch } = authed(() => t);
const login = (body: object, ip = '10.9.0.1') =>
  t.request.post('/api/accounts/login/').set('X-Forwarded-For', ip).send(body);
const staffLogin = (user: User, ip?: string) => login({ email: user.email, password: PASSWORD }, ip);
const verify = (challenge: string, code: string) =>
  t.request.post('/api/accounts/login/verifier-otp/').send({ challenge, code });
const resend = (challenge: string) => t.request.post('/api/accounts/login/renvoyer-otp').send({ challenge });
const me = (access: string) => get(access, '/api/accounts/me/');
const other = (code: string) => (code === '000000' ? '111111' : '000000');
const sent = async (user: User) => (await t.inbox.to(user.phone)).filter((m) => m.kind === 'otp').length;

const expectExpired = (res: Parameters<typeof expectProblem>[0]) => {
  expectProblem(res, 400);
  expect(res.body.type).toMatch(/\/invalid-code$/);
};

/** Password step of a staff login on an SFD with the setting on: the challenge and the code sent. */
async function passwordStep(user: User): Promise<{ challenge: string; code: string }> {
  const res = await staffLogin(user);
  expect(res.status).toBe(200);
  return { challenge: res.body.challenge as string, code: await t.inbox.lastCode(user.phone) };
}

describe('without the setting', () => {
  it('gives staff of an SFD with it off, platform admins and clients their tokens at once', async () => {
    for (const user of [
      await makeUser(t, 'admin_sfd', off),
      await makeUser(t, 'admin_plateforme', null),
      await makeUser(t, 'client', on),
    ]) {
      const res = await login(
        user.role === 'client' ? { phone: user.phone, pin: PIN } : { email: user.email, password: PASSWORD },
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        access: expect.any(String),
        refresh: expect.any(String),
        user: expect.any(Object),
      });
      expect(await sent(user)).toBe(0);
    }
  });
});

describe('with the setting on', () => {
  it('answers the right password with a challenge and no tokens, and texts a 6-digit code in the user language', async () => {
    const agent = await makeUser(t, 'agent_sfd', on);
    const res = await staffLogin(agent);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ otp_required: true, challenge: expect.stringMatching(/^[\w-]{16,}$/) });
    const [sms, ...more] = await t.inbox.to(agent.phone);
    expect(more).toHaveLength(0);
    expect(sms).toMatchObject({ kind: 'otp' });
    expect(sms.body).toMatch(/code de connexion est \d{6}\. Il expire dans 5 minutes/);

    const english = await makeUser(t, 'superviseur_sfd', on, { language: 'en' });
    await staffLogin(english);
    expect((await t.inbox.to(english.phone)).at(-1)?.body).toMatch(
      /sign-in code is \d{6}\. It expires in 5 minutes/,
    );
  });

  it('gives the token pair for the right code; the tokens work, the code and challenge work once', async () => {
    const agent = await makeUser(t, 'agent_sfd', on);
    const { challenge, code } = await passwordStep(agent);
    const res = await verify(challenge, code);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access: expect.any(String),
      refresh: expect.any(String),
      user: expect.objectContaining({ id: agent.id, role: 'agent_sfd', sfd_id: on.id }),
    });
    expect((await me(res.body.access)).body.id).toBe(agent.id);
    expect((await get(res.body.access, `/api/accounts/sfds/${on.id}`)).body.staff_login_otp).toBe(true);
    const refreshed = await t.request
      .post('/api/accounts/token/refresh/')
      .send({ refresh: res.body.refresh });
    expect(refreshed.status).toBe(200);
    expectExpired(await verify(challenge, code));
    // One login in the trail, once the code is given: the password step alone signs nobody in.
    const logins = (await auditOf(t, 'user', agent.id)).filter((e) => e.action.startsWith('auth.'));
    expect(logins.map((e) => [e.action, e.after?.method])).toEqual([['auth.login', 'password+sms_code']]);
  });

  it('refuses wrong codes with a field error; the 3rd burns the code', async () => {
    const agent = await makeUser(t, 'agent_sfd', on);
    const { challenge, code } = await passwordStep(agent);
    for (let i = 0; i < 2; i++) {
      const wrong = await verify(challenge, other(code));
      expectProblem(wrong, 400);
      expect(Object.keys(wrong.body.errors)).toEqual(['code']);
    }
    expectExpired(await verify(challenge, other(code)));
    expectExpired(await verify(challenge, code));
  });

  it('expires the code and its challenge after 5 minutes', async () => {
    const agent = await makeUser(t, 'agent_sfd', on);
    const early = await passwordStep(agent);
    t.clock.advance(299_000);
    expect((await verify(early.challenge, early.code)).status).toBe(200);

    const late = await passwordStep(agent);
    t.clock.advance(300_000);
    expectExpired(await verify(late.challenge, late.code));
    expectExpired(await resend(late.challenge));
  });

  it('refuses an unknown challenge, a malformed body, and a challenge of another user', async () => {
    expectExpired(await verify('x'.repeat(32), '123456'));
    const bad = await t.request
      .post('/api/accounts/login/verifier-otp')
      .send({ challenge: 'short', code: '12' });
    expectProblem(bad, 400);
    expect(Object.keys(bad.body.errors).sort()).toEqual(['challenge', 'code']);
    const [a, b] = [await makeUser(t, 'agent_sfd', on), await makeUser(t, 'agent_sfd', on)];
    const stepA = await passwordStep(a);
    const stepB = await passwordStep(b);
    if (stepA.code !== stepB.code) expect((await verify(stepA.challenge, stepB.code)).status).toBe(400);
    expect((await verify(stepB.challenge, stepB.code)).body.user.id).toBe(b.id);
  });

  it('answers a new login within 60 s with the same challenge and no SMS; later, a new one replaces it', async () => {
    const agent = await makeUser(t, 'agent_sfd', on);
    const first = await passwordStep(agent);
    expect((await staffLogin(agent)).body.challenge).toBe(first.challenge);
    expect(await sent(agent)).toBe(1);
    t.clock.advance(61_000);
    const second = await passwordStep(agent);
    expect(second.challenge).not.toBe(first.challenge);
    expectExpired(await verify(first.challenge, second.code));
    expect((await verify(second.challenge, second.code)).status).toBe(200);
  });

  it('resends a code for the same challenge, not within 60 s, at most 5 codes an hour', async () => {
    const agent = await makeUser(t, 'agent_sfd', on);
    const { challenge, code } = await passwordStep(agent);
    const soon = await resend(challenge);
    expectProblem(soon, 429);
    expect(soon.headers['retry-after']).toBe('60');
    t.clock.advance(61_000);
    const again = await resend(challenge);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ otp_required: true, challenge });
    const fresh = await t.inbox.lastCode(agent.phone);
    expect(await sent(agent)).toBe(2);
    if (fresh !== code) expect((await verify(challenge, code)).status).toBe(400);
    for (let i = 0; i < 3; i++) {
      t.clock.advance(61_000);
      expect((await resend(challenge)).status).toBe(200);
    }
    t.clock.advance(61_000);
    const capped = await resend(challenge);
    expectProblem(capped, 429);
    expect(Number(capped.headers['retry-after'])).toBeGreaterThan(60);
    expectProblem(await staffLogin(agent), 429);
    expect(await sent(agent)).toBe(5);
    expect((await verify(challenge, await t.inbox.lastCode(agent.phone))).status).toBe(200);
  });
});

describe('what the second factor does not change', () => {
  it('counts wrong passwords toward the login limits as before, and sends no code for them', async () => {
    const agent = await makeUser(t, 'agent_sfd', on);
    for (let i = 0; i < t.config.LOGIN_MAX_FAILURES_PER_ACCOUNT; i++) {
      expect((await login({ email: agent.email, password: 'wrong-password!' }, `10.9.1.${i}`)).status).toBe(
        401,
      );
    }
    const blocked = await staffLogin(agent, '10.9.2.1');
    expectProblem(blocked, 429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(await sent(agent)).toBe(0);
  });

  it('refuses a suspended user, before the code and after it', async () => {
    const before = await makeUser(t, 'agent_sfd', on, { status: 'suspended' });
    expect((await staffLogin(before)).status).toBe(403);
    expect(await sent(before)).toBe(0);
    const between = await makeUser(t, 'agent_sfd', on);
    const { challenge, code } = await passwordStep(between);
    await t.deps.db.manager.update(User, { id: between.id }, { status: 'suspended' });
    const res = await verify(challenge, code);
    expectProblem(res, 403);
    expect(res.body.type).toMatch(/account-suspended$/);
  });
});

describe('the setting in the SFD API', () => {
  it('is off for a new SFD unless asked, and the platform admin may create one with it on', async () => {
    const platform = await tokenFor(t, await makeUser(t, 'admin_plateforme', null));
    const base = { name: 'Caisse Alafia', city: 'Parakou', phone: '0121300005' };
    expect(
      (await post(platform, '/api/accounts/sfds/', { ...base, code: 'ALAF1' })).body.staff_login_otp,
    ).toBe(false);
    const created = await post(platform, '/api/accounts/sfds/', {
      ...base,
      code: 'ALAF2',
      staff_login_otp: true,
    });
    expect(created.status).toBe(201);
    expect(created.body.staff_login_otp).toBe(true);
    expect((await t.deps.db.manager.findOneByOrFail(Sfd, { id: created.body.id })).staffLoginOtp).toBe(true);
    const bad = await post(platform, '/api/accounts/sfds/', {
      ...base,
      code: 'ALAF3',
      staff_login_otp: 'yes',
    });
    expectProblem(bad, 400);
    expect(Object.keys(bad.body.errors)).toEqual(['staff_login_otp']);
  });

  it('may be changed by whoever may edit the SFD, audited; it takes effect at the next login', async () => {
    const sfd = await makeSfd(t, 'OTPSET');
    const admin = await makeUser(t, 'admin_sfd', sfd);
    const agent = await makeUser(t, 'agent_sfd', sfd);
    const adminToken = await tokenFor(t, admin);
    const url = `/api/accounts/sfds/${sfd.id}/`;
    expectProblem(await patch(await tokenFor(t, agent), url, { staff_login_otp: true }), 403);
    expectProblem(
      await patch(await tokenFor(t, await makeUser(t, 'superviseur_sfd', sfd)), url, {
        staff_login_otp: true,
      }),
      403,
    );
    expectProblem(
      await patch(await tokenFor(t, await makeUser(t, 'admin_sfd', off)), url, { staff_login_otp: true }),
      404,
    );
    expect((await t.deps.db.manager.findOneByOrFail(Sfd, { id: sfd.id })).staffLoginOtp).toBe(false);

    const res = await patch(adminToken, url, { staff_login_otp: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: sfd.id, staff_login_otp: true, city: 'Cotonou' });
    const [event] = await auditOf(t, 'sfd', sfd.id);
    expect(event).toMatchObject({
      action: 'sfd.update',
      actorId: admin.id,
      before: expect.objectContaining({ staff_login_otp: false }),
      after: expect.objectContaining({ staff_login_otp: true }),
    });
    expect((await staffLogin(agent)).body.otp_required).toBe(true);
    expect((await me(adminToken)).status).toBe(200); // live sessions are not cut

    const { challenge, code } = await passwordStep(admin);
    const access = (await verify(challenge, code)).body.access as string;
    expect((await patch(access, url, { staff_login_otp: false })).body.staff_login_otp).toBe(false);
    expect((await staffLogin(agent)).body.access).toEqual(expect.any(String));
  });
});
