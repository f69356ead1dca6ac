import type { Sfd, User } from '../../../src/accounts/entities';
import { RefreshToken, User as UserEntity } from '../../../src/accounts/entities';
import { auditOf } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, PASSWORD, PIN, phone, tokenFor } from '../../helpers/factories';

let t: TestApp;
let sfd: Sfd;
let agent: User;

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'AUTH');
  agent = await makeUser(t, 'agent_sfd', sfd);
});
afterAll(() => t.close());

const login = (body: object, ip = '10.0.0.1') =>
  t.request.post('/api/accounts/login/').set('X-Forwarded-For', ip).send(body);
const me = (access: string) => t.request.get('/api/accounts/me/').set('Authorization', `Bearer ${access}`);

describe('login', () => {
  it('gives staff a token pair for email + password, and for phone + password', async () => {
    const byEmail = await login({ email: agent.email, password: PASSWORD });
    expect(byEmail.status).toBe(200);
    expect(byEmail.body).toEqual({
      access: expect.any(String),
      refresh: expect.any(String),
      user: expect.objectContaining({ id: agent.id, role: 'agent_sfd', sfd_id: sfd.id }),
    });
    expect(byEmail.body.user).not.toHaveProperty('password_hash');
    const byPhone = await login({ phone: agent.phone, password: PASSWORD });
    expect(byPhone.status).toBe(200);
    expect((await me(byPhone.body.access)).body.email).toBe(agent.email);
  });

  it('gives a client a token pair for phone + PIN, never for a password', async () => {
    const client = await makeUser(t, 'client', sfd);
    const res = await login({ phone: client.phone, pin: PIN });
    expect(res.status).toBe(200);
    expect(res.body.user.role).toBe('client');
    expect((await login({ phone: client.phone, password: PASSWORD })).status).toBe(401);
  });

  it('refuses a staff member with a PIN and a wrong password with the same 401', async () => {
    const wrong = await login({ email: agent.email, password: 'nope-nope-nope' }, '10.0.0.2');
    const unknown = await login({ email: 'nobody@test.tontiflex', password: 'nope-nope-nope' }, '10.0.0.2');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.title).toBe(unknown.body.title);
    expect(wrong.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('writes each login and failed login of an account to its audit trail: IP and method, never the secret', async () => {
    const staff = await makeUser(t, 'agent_sfd', sfd);
    expect((await login({ email: staff.email, password: 'wrong-password-1' }, '10.0.0.7')).status).toBe(401);
    expect((await login({ email: staff.email, password: PASSWORD }, '10.0.0.7')).status).toBe(200);
    const client = await makeUser(t, 'client', sfd);
    expect((await login({ phone: client.phone, pin: PIN }, '10.0.0.8')).status).toBe(200);
    const trail = async (user: User) =>
      (await auditOf(t, 'user', user.id))
        .filter((e) => e.action.startsWith('auth.'))
        .map((e) => [e.action, e.actorId, e.actorRole, e.sfdId, e.after]);
    expect(await trail(staff)).toEqual([
      ['auth.login_failed', staff.id, 'agent_sfd', sfd.id, { ip: '10.0.0.7', method: 'password' }],
      ['auth.login', staff.id, 'agent_sfd', sfd.id, { ip: '10.0.0.7', method: 'password' }],
    ]);
    expect(await trail(client)).toEqual([
      ['auth.login', client.id, 'client', sfd.id, { ip: '10.0.0.8', method: 'pin' }],
    ]);
    expect(JSON.stringify(await trail(staff))).not.toContain(PASSWORD);
  });

  it('refuses a client whose phone was never verified', async () => {
    const client = await makeUser(t, 'client', sfd, { phoneVerifiedAt: null });
    const res = await login({ phone: client.phone, pin: PIN });
    expect(res.status).toBe(403);
    expect(res.body.type).toMatch(/phone-not-verified$/);
  });

  it('gives 400 naming the fields for a malformed body', async () => {
    const res = await login({ email: 'not-an-email', password: 42 });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors)).toEqual(expect.arrayContaining(['email', 'password']));
  });
});

describe('refresh rotation', () => {
  it('returns a new pair each time, and the old refresh token is spent', async () => {
    const first = await login({ email: agent.email, password: PASSWORD });
    const second = await t.request.post('/api/accounts/token/refresh/').send({ refresh: first.body.refresh });
    expect(second.status).toBe(200);
    expect(second.body.refresh).not.toBe(first.body.refresh);
    expect(second.body.access).not.toBe(first.body.access);
    const third = await t.request.post('/api/accounts/token/refresh').send({ refresh: second.body.refresh });
    expect(third.status).toBe(200);
    expect((await me(third.body.access)).status).toBe(200);
  });

  it('revokes the whole family when a used refresh token comes back', async () => {
    const first = await login({ email: agent.email, password: PASSWORD });
    const second = await t.request.post('/api/accounts/token/refresh/').send({ refresh: first.body.refresh });
    expect(second.status).toBe(200);
    // An attacker replays the first token after the retry grace: refused, and the newer pair dies with it.
    t.clock.advance((t.config.REFRESH_REUSE_GRACE_S + 1) * 1000);
    const replay = await t.request.post('/api/accounts/token/refresh/').send({ refresh: first.body.refresh });
    expect(replay.status).toBe(401);
    const legit = await t.request.post('/api/accounts/token/refresh/').send({ refresh: second.body.refresh });
    expect(legit.status).toBe(401);
    expect((await me(second.body.access)).status).toBe(401);
    const live = await t.deps.db.manager
      .getRepository(RefreshToken)
      .createQueryBuilder('r')
      .where('r.user_id = :id AND r.revoked_at IS NULL', { id: agent.id })
      .getMany();
    const families = new Set(live.map((r) => r.familyId));
    expect(families.has(live.find((r) => r.tokenHash === second.body.refresh)?.familyId ?? 'none')).toBe(
      false,
    );
    // Other logins of the same user are untouched.
    expect((await login({ email: agent.email, password: PASSWORD })).status).toBe(200);
  });

  it('refuses an unknown or expired refresh token', async () => {
    expect(
      (await t.request.post('/api/accounts/token/refresh/').send({ refresh: 'x'.repeat(43) })).status,
    ).toBe(401);
    const res = await login({ email: agent.email, password: PASSWORD });
    t.clock.advance((t.config.JWT_REFRESH_TTL_S + 1) * 1000);
    try {
      expect(
        (await t.request.post('/api/accounts/token/refresh/').send({ refresh: res.body.refresh })).status,
      ).toBe(401);
    } finally {
      t.clock.advance(-(t.config.JWT_REFRESH_TTL_S + 1) * 1000);
    }
  });
});

describe('access tokens', () => {
  it('expire after JWT_ACCESS_TTL_S', async () => {
    const access = await tokenFor(t, agent);
    t.clock.advance((t.config.JWT_ACCESS_TTL_S + 1) * 1000);
    try {
      expect((await me(access)).status).toBe(401);
    } finally {
      t.clock.advance(-(t.config.JWT_ACCESS_TTL_S + 1) * 1000);
    }
  });

  it('refuses a token signed with another key, and a missing token', async () => {
    const access = await tokenFor(t, agent);
    const [h, p] = access.split('.');
    expect((await me(`${h}.${p}.AAAA`)).status).toBe(401);
    expect((await t.request.get('/api/accounts/me/')).status).toBe(401);
  });
});

describe('logout', () => {
  it('blacklists the access token and revokes the refresh family', async () => {
    const res = await login({ email: agent.email, password: PASSWORD });
    const out = await t.request
      .post('/api/accounts/logout/')
      .set('Authorization', `Bearer ${res.body.access}`)
      .send({});
    expect(out.status).toBe(204);
    expect((await me(res.body.access)).status).toBe(401);
    expect(
      (await t.request.post('/api/accounts/token/refresh/').send({ refresh: res.body.refresh })).status,
    ).toBe(401);
  });
});

describe('suspension', () => {
  it('locks a suspended user out at once: live tokens stop working and login is refused', async () => {
    const admin = await makeUser(t, 'admin_sfd', sfd);
    const victim = await makeUser(t, 'agent_sfd', sfd);
    const session = await login({ email: victim.email, password: PASSWORD });
    expect((await me(session.body.access)).status).toBe(200);

    const adminToken = await tokenFor(t, admin);
    const suspended = await t.request
      .post(`/api/accounts/agents-sfd/${victim.id}/suspend/`)
      .set('Authorization', `Bearer ${adminToken}`);
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe('suspended');

    expect((await me(session.body.access)).status).toBe(401);
    expect(
      (await t.request.post('/api/accounts/token/refresh/').send({ refresh: session.body.refresh })).status,
    ).toBe(401);
    const again = await login({ email: victim.email, password: PASSWORD });
    expect(again.status).toBe(403);
    expect(again.body.type).toMatch(/account-suspended$/);

    await t.request
      .post(`/api/accounts/agents-sfd/${victim.id}/reactivate/`)
      .set('Authorization', `Bearer ${adminToken}`);
    expect((await login({ email: victim.email, password: PASSWORD })).status).toBe(200);
  });

  it('locks out the staff and clients of a suspended SFD', async () => {
    const other = await makeSfd(t, 'SUSP');
    const staff = await makeUser(t, 'superviseur_sfd', other);
    const access = await tokenFor(t, staff);
    const platform = await makeUser(t, 'admin_plateforme', null);
    const res = await t.request
      .post(`/api/accounts/sfds/${other.id}/suspend/`)
      .set('Authorization', `Bearer ${await tokenFor(t, platform)}`);
    expect(res.status).toBe(200);
    expect((await me(access)).status).toBe(401);
    expect((await login({ email: staff.email, password: PASSWORD })).status).toBe(403);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After after repeated failures on one account, even with the right password', async () => {
    const target = await makeUser(t, 'agent_sfd', sfd);
    for (let i = 0; i < t.config.LOGIN_MAX_FAILURES_PER_ACCOUNT; i++) {
      expect((await login({ email: target.email, password: 'wrong-password!' }, `10.1.0.${i}`)).status).toBe(
        401,
      );
    }
    const blocked = await login({ email: target.email, password: PASSWORD }, '10.1.1.1');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.body.status).toBe(429);
  });

  it('answers 429 for an IP that fails on many accounts', async () => {
    const ip = '10.2.0.1';
    for (let i = 0; i < t.config.LOGIN_MAX_FAILURES_PER_IP; i++) {
      await login({ email: `ghost${i}@test.tontiflex`, password: 'wrong-password!' }, ip);
    }
    const blocked = await login({ email: agent.email, password: PASSWORD }, ip);
    expect(blocked.status).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    expect((await login({ email: agent.email, password: PASSWORD }, '10.2.0.2')).status).toBe(200);
  });

  it('locks the PIN after 3 wrong PINs and tells the client by SMS', async () => {
    const client = await makeUser(t, 'client', sfd);
    for (let i = 0; i < 3; i++) {
      expect((await login({ phone: client.phone, pin: '9035' }, `10.3.0.${i}`)).status).toBe(401);
    }
    expect((await t.inbox.to(client.phone)).at(-1)?.body).toMatch(/PIN est bloque pendant 30 minutes/);
    const locked = await login({ phone: client.phone, pin: PIN }, '10.3.1.1');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(25 * 60);
  });
});

describe('client self sign-up', () => {
  it('creates the client, sends a code by SMS, and the code activates the phone', async () => {
    const number = phone();
    const res = await t.request.post('/api/accounts/signup/').send({
      phone: number.replace('+229', ''),
      first_name: 'Awa',
      last_name: 'Houngbo',
      sfd_id: sfd.id,
      language: 'fr',
      pin: '5820',
    });
    // Accepted, not created: no account exists before the code is verified.
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ phone: number, detail: 'verification code sent by SMS' });
    expect(await t.deps.db.manager.countBy(UserEntity, { phone: number })).toBe(0);
    expect((await login({ phone: number, pin: '5820' })).status).toBe(401);

    const wrong = await t.request
      .post('/api/accounts/signup/verify/')
      .send({ phone: number, code: '000000' });
    expect(wrong.status).toBe(400);
    const code = await t.inbox.lastCode(number);
    const ok = await t.request.post('/api/accounts/signup/verify/').send({ phone: number, code });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({
      phone: number,
      first_name: 'Awa',
      last_name: 'Houngbo',
      role: 'client',
      sfd_id: sfd.id,
      phone_verified: true,
      kyc_status: 'pending',
    });
    expect((await me(ok.body.access)).body.phone).toBe(number);
    expect((await login({ phone: number, pin: '5820' })).status).toBe(200);
    // A code works once.
    expect((await t.request.post('/api/accounts/signup/verify/').send({ phone: number, code })).status).toBe(
      409,
    );
    // The PIN is stored hashed.
    const stored = await t.deps.db.manager.findOneByOrFail(UserEntity, { phone: number });
    expect(stored.pinHash).toMatch(/^scrypt\$/);
  });

  it('burns the code after 3 wrong attempts, and refuses weak PINs and unknown SFDs', async () => {
    const number = phone();
    const body = { phone: number, first_name: 'Koffi', last_name: 'Adjovi', sfd_id: sfd.id, pin: '5820' };
    expect((await t.request.post('/api/accounts/signup/').send(body)).status).toBe(202);
    const code = await t.inbox.lastCode(number);
    for (let i = 0; i < 3; i++) {
      await t.request
        .post('/api/accounts/signup/verify/')
        .send({ phone: number, code: code === '111111' ? '222222' : '111111' });
    }
    expect((await t.request.post('/api/accounts/signup/verify/').send({ phone: number, code })).status).toBe(
      400,
    );

    const weak = await t.request.post('/api/accounts/signup/').send({ ...body, phone: phone(), pin: '1234' });
    expect(weak.status).toBe(400);
    expect(weak.body.errors).toHaveProperty('pin');
    const noSfd = await t.request
      .post('/api/accounts/signup/')
      .send({ ...body, phone: phone(), sfd_id: 999999 });
    expect(noSfd.status).toBe(400);
    expect(noSfd.body.errors).toHaveProperty('sfd_id');
  });

  it('expires the code after OTP_TTL_S', async () => {
    const number = phone();
    await t.request
      .post('/api/accounts/signup/')
      .send({ phone: number, first_name: 'Sena', last_name: 'Dossou', sfd_id: sfd.id, pin: '5820' });
    const code = await t.inbox.lastCode(number);
    t.clock.advance((t.config.OTP_TTL_S + 1) * 1000);
    try {
      expect(
        (await t.request.post('/api/accounts/signup/verify/').send({ phone: number, code })).status,
      ).toBe(400);
    } finally {
      t.clock.advance(-(t.config.OTP_TTL_S + 1) * 1000);
    }
    // A new sign-up sends a fresh code that works.
    await t.request
      .post('/api/accounts/signup/')
      .send({ phone: number, first_name: 'Sena', last_name: 'Dossou', sfd_id: sfd.id, pin: '5820' });
    const fresh = await t.inbox.lastCode(number);
    expect(
      (await t.request.post('/api/accounts/signup/verify/').send({ phone: number, code: fresh })).status,
    ).toBe(200);
  });

  it('refuses to sign up a phone that already belongs to a verified user (409 naming phone)', async () => {
    const res = await t.request
      .post('/api/accounts/signup/')
      .send({ phone: agent.phone, first_name: 'X', last_name: 'Y', sfd_id: sfd.id, pin: '5820' });
    expect(res.status).toBe(409);
    expect(res.body.type).toMatch(/phone-in-use$/);
    expect(res.body.errors).toHaveProperty('phone');
  });
});
