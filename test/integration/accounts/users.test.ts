import type { Sfd } from '../../../src/accounts/entities';
import { AuditEvent, User } from '../../../src/accounts/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { auditOf as auditOfRecord, authed } from '../../helpers/api';
import { expectProblem } from '../../helpers/problem';

let t: TestApp;
let sfd: Sfd;
let otherSfd: Sfd;
let agent: User;
let admin: User;
let platform: User;
let agentToken: string;
let adminToken: string;
let platformToken: string;

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'USR');
  otherSfd = await makeSfd(t, 'OTH');
  agent = await makeUser(t, 'agent_sfd', sfd);
  admin = await makeUser(t, 'admin_sfd', sfd);
  platform = await makeUser(t, 'admin_plateforme', null);
  [agentToken, adminToken, platformToken] = await Promise.all([
    tokenFor(t, agent),
    tokenFor(t, admin),
    tokenFor(t, platform),
  ]);
});
afterAll(() => t.close());

/** A Benin mobile number in national form (01 96 xx xx xx), outside the factories' range. */
let national = 0;
const nationalPhone = () => `0196${String(100_000 + ++national * 13).padStart(6, '0')}`;
const e164 = (nationalNumber: string) => `+229${nationalNumber.replace(/\s/g, '')}`;

const { get, post, patch } = authed(() => t);
const auditOf = (id: number) => auditOfRecord(t, 'user', id);

const counts = async () => ({
  users: await t.deps.db.manager.count(User),
  audit: await t.deps.db.manager.count(AuditEvent),
});

const staffBody = (fields: object = {}) => {
  const n = ++national;
  return {
    phone: nationalPhone(),
    email: `staff.${n}@sfd.bj`,
    first_name: 'Romaric',
    last_name: `Agossou${n}`,
    password: 'un-mot-de-passe-solide',
    ...fields,
  };
};

describe('creating users', () => {
  it('lets an agent create a client of its SFD: 201 snake_case, no secrets, the row, a user.create audit event', async () => {
    const number = nationalPhone();
    const res = await post(agentToken, '/api/accounts/clients/', {
      phone: number,
      email: 'Awa.Houngbo@Example.BJ',
      first_name: ' Awa ',
      last_name: 'Houngbo',
      language: 'fr',
    });
    expect(res.status).toBe(201);
    const now = t.clock.now().toISOString();
    expect(res.body).toEqual({
      id: expect.any(Number),
      phone: e164(number),
      email: 'awa.houngbo@example.bj',
      first_name: 'Awa',
      last_name: 'Houngbo',
      role: 'client',
      sfd_id: sfd.id,
      status: 'active',
      language: 'fr',
      kyc_status: 'pending',
      phone_verified: false,
      has_pin: false,
      created_at: now,
      updated_at: now,
    });
    expect(JSON.stringify(res.body)).not.toMatch(/hash|password/i);

    const row = await t.deps.db.manager.findOneByOrFail(User, { id: res.body.id });
    expect(row).toMatchObject({
      phone: e164(number),
      email: 'awa.houngbo@example.bj',
      firstName: 'Awa',
      role: 'client',
      sfdId: sfd.id,
      status: 'active',
      passwordHash: null,
      pinHash: null,
      phoneVerifiedAt: null,
    });

    const [event, ...more] = await auditOf(res.body.id);
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({
      action: 'user.create',
      actorId: agent.id,
      actorRole: 'agent_sfd',
      sfdId: sfd.id,
      targetType: 'user',
      targetId: String(res.body.id),
      before: null,
    });
    const { created_at: _c, updated_at: _u, ...view } = res.body;
    expect(event.after).toEqual(view);
  });

  it('lets an admin_sfd create an agent: the password is stored hashed, never shown, and works for login', async () => {
    const body = staffBody();
    const res = await post(adminToken, '/api/accounts/agents-sfd', body);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ role: 'agent_sfd', sfd_id: sfd.id, email: body.email, has_pin: false });
    expect(Object.keys(res.body).filter((k) => /hash|password|^pin/.test(k))).toEqual([]);

    const row = await t.deps.db.manager.findOneByOrFail(User, { id: res.body.id });
    expect(row.passwordHash).toMatch(/^scrypt\$/);
    expect(row.passwordHash).not.toContain(body.password);
    const [event] = await auditOf(res.body.id);
    expect(event).toMatchObject({
      action: 'user.create',
      actorId: admin.id,
      actorRole: 'admin_sfd',
      sfdId: sfd.id,
    });
    expect(JSON.stringify(event)).not.toMatch(/scrypt|password/);

    expect(await tokenFor(t, row, body.password)).toEqual(expect.any(String));
  });

  it('creates in the caller SFD whatever sfd_id the body names, for an admin_sfd and for an agent', async () => {
    const staff = await post(
      adminToken,
      '/api/accounts/superviseurs-sfd',
      staffBody({ sfd_id: otherSfd.id }),
    );
    expect(staff.status).toBe(201);
    expect(staff.body.sfd_id).toBe(sfd.id);
    const client = await post(agentToken, '/api/accounts/clients', {
      phone: nationalPhone(),
      first_name: 'Koffi',
      last_name: 'Adjovi',
      sfd_id: otherSfd.id,
    });
    expect(client.status).toBe(201);
    expect(client.body.sfd_id).toBe(sfd.id);

    for (const id of [staff.body.id as number, client.body.id as number]) {
      expect((await t.deps.db.manager.findOneByOrFail(User, { id })).sfdId).toBe(sfd.id);
      expect((await auditOf(id))[0].sfdId).toBe(sfd.id);
    }
    expect(await t.deps.db.manager.countBy(User, { sfdId: otherSfd.id })).toBe(0);
  });

  it('lets the platform admin create an SFD administrator in the SFD it names, and requires a known one', async () => {
    const res = await post(
      platformToken,
      '/api/accounts/administrateurs-sfd',
      staffBody({ sfd_id: otherSfd.id }),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ role: 'admin_sfd', sfd_id: otherSfd.id });
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: res.body.id })).sfdId).toBe(otherSfd.id);
    expect((await auditOf(res.body.id))[0]).toMatchObject({
      action: 'user.create',
      actorId: platform.id,
      actorRole: 'admin_plateforme',
      sfdId: otherSfd.id,
    });

    const before = await counts();
    const missing = await post(platformToken, '/api/accounts/administrateurs-sfd', staffBody());
    expectProblem(missing, 400);
    expect(Object.keys(missing.body.errors)).toEqual(['sfd_id']);
    const unknown = await post(
      platformToken,
      '/api/accounts/administrateurs-sfd',
      staffBody({ sfd_id: 999_999 }),
    );
    expectProblem(unknown, 400);
    expect(Object.keys(unknown.body.errors)).toEqual(['sfd_id']);
    expect(await counts()).toEqual(before);
  });

  it('lets the platform admin create another platform admin, who belongs to no SFD', async () => {
    const res = await post(platformToken, '/api/accounts/admin-plateforme', staffBody({ sfd_id: sfd.id }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ role: 'admin_plateforme', sfd_id: null });
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: res.body.id })).sfdId).toBeNull();
    expect((await auditOf(res.body.id))[0]).toMatchObject({
      action: 'user.create',
      actorId: platform.id,
      actorRole: 'admin_plateforme',
      sfdId: null,
    });
  });

  it.each([
    ['0196554433', '+2290196554433'],
    ['01 96 55 44 34', '+2290196554434'],
    ['+229 01 96 55 44 35', '+2290196554435'],
    ['002290196554436', '+2290196554436'],
  ])('stores the phone %p as %p', async (given, stored) => {
    const res = await post(agentToken, '/api/accounts/clients', {
      phone: given,
      first_name: 'Sena',
      last_name: 'Dossou',
    });
    expect(res.status).toBe(201);
    expect(res.body.phone).toBe(stored);
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: res.body.id })).phone).toBe(stored);
  });
});

describe('duplicates', () => {
  it('refuses a phone already in use, in whatever form it is written: 409 naming phone, nothing written', async () => {
    const existing = await makeUser(t, 'client', sfd);
    const before = await counts();
    for (const given of [
      existing.phone,
      existing.phone.replace('+229', ''),
      existing.phone.replace('+', '00'),
    ]) {
      const res = await post(agentToken, '/api/accounts/clients', {
        phone: given,
        first_name: 'Doublon',
        last_name: 'Tel',
      });
      expectProblem(res, 409);
      expect(res.body.type).toMatch(/\/duplicate$/);
      expect(Object.keys(res.body.errors)).toEqual(['phone']);
    }
    // Another SFD's staff cannot reuse it either: phones are unique platform-wide.
    const res = await post(adminToken, '/api/accounts/agents-sfd', staffBody({ phone: existing.phone }));
    expectProblem(res, 409);
    expect(Object.keys(res.body.errors)).toEqual(['phone']);
    expect(await counts()).toEqual(before);
  });

  it('refuses an email already in use, whatever its case: 409 naming email, nothing written', async () => {
    const existing = await makeUser(t, 'agent_sfd', otherSfd);
    const before = await counts();
    const res = await post(
      adminToken,
      '/api/accounts/agents-sfd',
      staffBody({ email: existing.email!.toUpperCase() }),
    );
    expectProblem(res, 409);
    expect(Object.keys(res.body.errors)).toEqual(['email']);
    expect(await counts()).toEqual(before);
  });

  it("refuses a PATCH to another user's phone or email with 409 naming the field; one's own values are fine", async () => {
    const target = await makeUser(t, 'agent_sfd', sfd);
    const other = await makeUser(t, 'agent_sfd', sfd);
    const before = await counts();

    const byPhone = await patch(adminToken, `/api/accounts/agents-sfd/${target.id}`, {
      phone: other.phone.replace('+229', ''),
    });
    expectProblem(byPhone, 409);
    expect(Object.keys(byPhone.body.errors)).toEqual(['phone']);
    const byEmail = await patch(adminToken, `/api/accounts/agents-sfd/${target.id}`, {
      email: other.email!.toUpperCase(),
    });
    expectProblem(byEmail, 409);
    expect(Object.keys(byEmail.body.errors)).toEqual(['email']);
    expect(await counts()).toEqual(before);
    expect(await t.deps.db.manager.findOneByOrFail(User, { id: target.id })).toMatchObject({
      phone: target.phone,
      email: target.email,
    });

    const own = await patch(adminToken, `/api/accounts/agents-sfd/${target.id}/`, {
      phone: target.phone,
      email: target.email,
      first_name: 'Inchange',
    });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ phone: target.phone, email: target.email, first_name: 'Inchange' });
  });
});

describe('malformed bodies', () => {
  it('answers 400 naming every missing field, and writes nothing', async () => {
    const before = await counts();
    const res = await post(adminToken, '/api/accounts/agents-sfd', {});
    expectProblem(res, 400);
    expect(res.body.type).toMatch(/\/validation$/);
    expect(Object.keys(res.body.errors).sort()).toEqual([
      'email',
      'first_name',
      'last_name',
      'password',
      'phone',
    ]);
    for (const messages of Object.values(res.body.errors)) expect(messages).toEqual([expect.any(String)]);
    const client = await post(agentToken, '/api/accounts/clients', { email: 'awa@example.bj' });
    expectProblem(client, 400);
    expect(Object.keys(client.body.errors).sort()).toEqual(['first_name', 'last_name', 'phone']);
    expect(await counts()).toEqual(before);
  });

  it('names a bad email, a short password and an invalid phone, with readable messages', async () => {
    const before = await counts();
    const res = await post(
      adminToken,
      '/api/accounts/agents-sfd',
      staffBody({ email: 'pas-un-email', password: 'court', phone: '0197' }),
    );
    expectProblem(res, 400);
    expect(Object.keys(res.body.errors).sort()).toEqual(['email', 'password', 'phone']);
    expect(res.body.errors.phone).toEqual(['Numero de telephone invalide']);
    expect(res.body.errors.password).toEqual(['Au moins 10 caracteres']);
    expect(await counts()).toEqual(before);

    // 9 characters is one short; 10 is enough.
    const nine = await post(adminToken, '/api/accounts/agents-sfd', staffBody({ password: '123456789' }));
    expectProblem(nine, 400);
    expect(Object.keys(nine.body.errors)).toEqual(['password']);
    expect(
      (await post(adminToken, '/api/accounts/agents-sfd', staffBody({ password: '1234567890' }))).status,
    ).toBe(201);
  });

  it('names every field of the wrong type', async () => {
    const before = await counts();
    const res = await post(platformToken, '/api/accounts/administrateurs-sfd', {
      phone: 97123456,
      email: 42,
      first_name: ['Awa'],
      last_name: null,
      password: 1234567890,
      language: 'de',
      sfd_id: String(sfd.id),
    });
    expectProblem(res, 400);
    expect(Object.keys(res.body.errors).sort()).toEqual([
      'email',
      'first_name',
      'language',
      'last_name',
      'password',
      'phone',
      'sfd_id',
    ]);
    expect(await counts()).toEqual(before);
  });

  it('answers 400 problem+json to a body that is not JSON though it says so, and writes nothing', async () => {
    const before = await counts();
    const res = await t.request
      .post('/api/accounts/clients')
      .set('Authorization', `Bearer ${agentToken}`)
      .set('Content-Type', 'application/json')
      .send('{"phone": "0196000000", "first_name": ');
    expectProblem(res, 400);
    const array = await post(agentToken, '/api/accounts/clients', [{ phone: nationalPhone() }]);
    expectProblem(array, 400);
    expect(await counts()).toEqual(before);
  });

  it('refuses an empty or malformed PATCH with 400 naming the field, and changes nothing', async () => {
    const target = await makeUser(t, 'client', sfd);
    const before = await counts();
    const empty = await patch(agentToken, `/api/accounts/clients/${target.id}`, {});
    expectProblem(empty, 400);
    expect(empty.body.errors).toBeDefined();
    const bad = await patch(agentToken, `/api/accounts/clients/${target.id}`, {
      email: 'nope',
      phone: '12',
      kyc_status: 'maybe',
    });
    expectProblem(bad, 400);
    expect(Object.keys(bad.body.errors).sort()).toEqual(['email', 'kyc_status', 'phone']);
    expect(await counts()).toEqual(before);
    expect(await t.deps.db.manager.findOneByOrFail(User, { id: target.id })).toMatchObject({
      phone: target.phone,
      email: null,
      kycStatus: 'pending',
    });
  });
});

describe('updates and role changes', () => {
  it('updates a client, answers the new state and audits user.update with before and after', async () => {
    const client = await makeUser(t, 'client', sfd, { firstName: 'Ancien' });
    const number = nationalPhone();
    t.clock.advance(60_000);
    const res = await patch(agentToken, `/api/accounts/clients/${client.id}/`, {
      first_name: 'Nouveau',
      phone: number,
      kyc_status: 'verified',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: client.id,
      first_name: 'Nouveau',
      phone: e164(number),
      kyc_status: 'verified',
      // A new phone must be verified again.
      phone_verified: false,
      updated_at: t.clock.now().toISOString(),
      created_at: client.createdAt.toISOString(),
    });
    expect(await t.deps.db.manager.findOneByOrFail(User, { id: client.id })).toMatchObject({
      firstName: 'Nouveau',
      phone: e164(number),
      kycStatus: 'verified',
      phoneVerifiedAt: null,
    });
    const [event] = await auditOf(client.id);
    expect(event).toMatchObject({
      action: 'user.update',
      actorId: agent.id,
      actorRole: 'agent_sfd',
      sfdId: sfd.id,
    });
    expect(event.before).toMatchObject({
      first_name: 'Ancien',
      phone: client.phone,
      kyc_status: 'pending',
      phone_verified: true,
    });
    expect(event.after).toMatchObject({
      first_name: 'Nouveau',
      phone: e164(number),
      kyc_status: 'verified',
      phone_verified: false,
    });
  });

  it('changes a staff password: the new one works, the old one no longer, and the audit holds no hash', async () => {
    const target = await makeUser(t, 'agent_sfd', sfd);
    const res = await patch(adminToken, `/api/accounts/agents-sfd/${target.id}`, {
      password: 'nouveau-mot-de-passe',
    });
    expect(res.status).toBe(200);
    expect(await tokenFor(t, target, 'nouveau-mot-de-passe')).toEqual(expect.any(String));
    await expect(tokenFor(t, target)).rejects.toThrow(/401/);
    const [event] = await auditOf(target.id);
    expect(event.action).toBe('user.update');
    expect(`${JSON.stringify(event.before)}${JSON.stringify(event.after)}`).not.toMatch(
      /scrypt|hash|password/,
    );
  });

  it('lets an admin_sfd promote an agent to superviseur: user.role_change is audited and the user changes collection', async () => {
    const target = await makeUser(t, 'agent_sfd', sfd);
    const res = await patch(adminToken, `/api/accounts/agents-sfd/${target.id}`, { role: 'superviseur_sfd' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: target.id, role: 'superviseur_sfd', sfd_id: sfd.id });
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: target.id })).role).toBe('superviseur_sfd');
    const [event, ...more] = await auditOf(target.id);
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({
      action: 'user.role_change',
      actorId: admin.id,
      actorRole: 'admin_sfd',
      sfdId: sfd.id,
      before: expect.objectContaining({ role: 'agent_sfd' }),
      after: expect.objectContaining({ role: 'superviseur_sfd' }),
    });
    expect((await get(adminToken, `/api/accounts/agents-sfd/${target.id}`)).status).toBe(404);
    expect((await get(adminToken, `/api/accounts/superviseurs-sfd/${target.id}`)).body.role).toBe(
      'superviseur_sfd',
    );
  });

  it.each(['admin_sfd', 'admin_plateforme', 'client'])(
    'refuses an admin_sfd making an agent %s: 400 naming role, nothing changes',
    async (role) => {
      const target = await makeUser(t, 'agent_sfd', sfd);
      const before = await counts();
      const res = await patch(adminToken, `/api/accounts/agents-sfd/${target.id}`, { role });
      expectProblem(res, 400);
      expect(Object.keys(res.body.errors)).toEqual(['role']);
      expect((await t.deps.db.manager.findOneByOrFail(User, { id: target.id })).role).toBe('agent_sfd');
      expect(await counts()).toEqual(before);
    },
  );

  it('refuses to turn a client into staff, even for the platform admin', async () => {
    const client = await makeUser(t, 'client', sfd);
    const res = await patch(platformToken, `/api/accounts/clients/${client.id}`, { role: 'agent_sfd' });
    expectProblem(res, 400);
    expect(Object.keys(res.body.errors)).toEqual(['role']);
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: client.id })).role).toBe('client');
  });
});

describe('suspension', () => {
  it('suspends and reactivates, each audited with the status before and after', async () => {
    const target = await makeUser(t, 'agent_sfd', sfd);
    const suspended = await post(adminToken, `/api/accounts/agents-sfd/${target.id}/suspend/`);
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ id: target.id, status: 'suspended' });
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: target.id })).status).toBe('suspended');

    const reactivated = await post(adminToken, `/api/accounts/agents-sfd/${target.id}/reactivate`);
    expect(reactivated.status).toBe(200);
    expect(reactivated.body.status).toBe('active');
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: target.id })).status).toBe('active');

    const events = await auditOf(target.id);
    expect(events).toEqual([
      expect.objectContaining({
        action: 'user.suspend',
        actorId: admin.id,
        actorRole: 'admin_sfd',
        sfdId: sfd.id,
        before: { status: 'active' },
        after: { status: 'suspended' },
      }),
      expect.objectContaining({
        action: 'user.reactivate',
        actorId: admin.id,
        actorRole: 'admin_sfd',
        sfdId: sfd.id,
        before: { status: 'suspended' },
        after: { status: 'active' },
      }),
    ]);
  });

  it('answers 409 to suspending a suspended user or reactivating an active one, and audits nothing', async () => {
    const target = await makeUser(t, 'agent_sfd', sfd);
    const active = await makeUser(t, 'agent_sfd', sfd);
    expect((await post(adminToken, `/api/accounts/agents-sfd/${target.id}/suspend`)).status).toBe(200);
    const before = await counts();
    expectProblem(await post(adminToken, `/api/accounts/agents-sfd/${target.id}/suspend`), 409);
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: target.id })).status).toBe('suspended');
    expect(await counts()).toEqual(before);

    expectProblem(await post(adminToken, `/api/accounts/agents-sfd/${active.id}/reactivate`), 409);
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: active.id })).status).toBe('active');
    expect(await counts()).toEqual(before);
  });

  it('does not let a user suspend themself', async () => {
    const before = await counts();
    const res = await post(platformToken, `/api/accounts/admin-plateforme/${platform.id}/suspend`);
    expectProblem(res, 400);
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: platform.id })).status).toBe('active');
    expect(await counts()).toEqual(before);
    expect((await get(platformToken, '/api/accounts/me')).status).toBe(200);
  });
});

describe('listing', () => {
  let listSfd: Sfd;
  let listToken: string;
  let clients: User[];

  beforeAll(async () => {
    listSfd = await makeSfd(t, 'LIST');
    const listAgent = await makeUser(t, 'agent_sfd', listSfd);
    listToken = await tokenFor(t, listAgent);
    clients = [];
    const people: [string, string, string | null][] = [
      ['Afi', 'Zinsou', null],
      ['Bio', 'Guera', 'bio.guera@example.bj'],
      ['Chabi', 'Zinsou', 'chabi_z@example.bj'],
      ['Dossa', 'Kpade', 'chabizz@example.bj'],
      ['Eyram', 'Ahouansou', null],
    ];
    for (const [firstName, lastName, email] of people) {
      clients.push(await makeUser(t, 'client', listSfd, { firstName, lastName, email }));
    }
  });

  const list = (query = '', path = '/api/accounts/clients') => get(listToken, `${path}${query}`);
  const ids = (res: { body: { results: { id: number }[] } }) => res.body.results.map((u) => u.id);

  it('pages DRF-style: count, results, and next/previous URLs that can be followed', async () => {
    const first = await list('?page_size=2');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      count: 5,
      next: expect.any(String),
      previous: null,
      results: [expect.objectContaining({ role: 'client', sfd_id: listSfd.id }), expect.anything()],
    });
    expect(ids(first)).toEqual([clients[0].id, clients[1].id]);
    expect(JSON.stringify(first.body)).not.toMatch(/hash/);
    const next = new URL(first.body.next);
    expect(next.pathname).toBe('/api/accounts/clients');
    expect(Object.fromEntries(next.searchParams)).toEqual({ page: '2', page_size: '2' });

    const second = await get(listToken, `${next.pathname}${next.search}`);
    expect(ids(second)).toEqual([clients[2].id, clients[3].id]);
    expect(new URL(second.body.previous).searchParams.get('page')).toBe('1');
    const third = await get(
      listToken,
      `${new URL(second.body.next).pathname}${new URL(second.body.next).search}`,
    );
    expect(third.body).toMatchObject({ count: 5, next: null });
    expect(ids(third)).toEqual([clients[4].id]);
    expect(Object.fromEntries(new URL(third.body.previous).searchParams)).toEqual({
      page: '2',
      page_size: '2',
    });

    const beyond = await list('?page=9&page_size=2');
    expect(beyond.status).toBe(200);
    expect(beyond.body).toMatchObject({ count: 5, next: null, results: [] });
  });

  it('defaults to 20 a page, accepts up to 100, and refuses 101, 0 or junk with 400 naming the parameter', async () => {
    const all = await list();
    expect(all.body).toMatchObject({ count: 5, next: null, previous: null });
    expect(ids(all)).toEqual(clients.map((c) => c.id));
    expect((await list('?page_size=100')).status).toBe(200);
    for (const [query, field] of [
      ['?page_size=101', 'page_size'],
      ['?page_size=0', 'page_size'],
      ['?page_size=abc', 'page_size'],
      ['?page=0', 'page'],
      ['?page=-1', 'page'],
      ['?page=1.5', 'page'],
    ]) {
      const res = await list(query);
      expectProblem(res, 400);
      expect(Object.keys(res.body.errors)).toEqual([field]);
    }
  });

  it('filters by status and kyc_status', async () => {
    await t.deps.db.manager.update(User, { id: clients[1].id }, { status: 'suspended' });
    await t.deps.db.manager.update(User, { id: clients[3].id }, { kycStatus: 'verified' });
    await t.deps.db.manager.update(User, { id: clients[4].id }, { kycStatus: 'rejected' });
    try {
      const suspended = await list('?status=suspended');
      expect(suspended.body.count).toBe(1);
      expect(ids(suspended)).toEqual([clients[1].id]);
      expect((await list('?status=active')).body.count).toBe(4);
      expect(ids(await list('?kyc_status=verified'))).toEqual([clients[3].id]);
      expect(ids(await list('?kyc_status=pending&status=active'))).toEqual([clients[0].id, clients[2].id]);

      for (const [query, field] of [
        ['?status=deleted', 'status'],
        ['?kyc_status=maybe', 'kyc_status'],
      ]) {
        const res = await list(query);
        expectProblem(res, 400);
        expect(Object.keys(res.body.errors)).toEqual([field]);
      }
    } finally {
      await t.deps.db.manager.update(User, { id: clients[1].id }, { status: 'active' });
      await t.deps.db.manager.update(User, { id: clients[3].id }, { kycStatus: 'pending' });
      await t.deps.db.manager.update(User, { id: clients[4].id }, { kycStatus: 'pending' });
    }
  });

  it('searches first name, last name, phone and email, case-insensitively, with wildcards taken literally', async () => {
    expect(ids(await list('?search=zinsou'))).toEqual([clients[0].id, clients[2].id]);
    expect(ids(await list('?search=EYRAM'))).toEqual([clients[4].id]);
    expect(ids(await list(`?search=${encodeURIComponent(clients[3].phone.slice(-6))}`))).toEqual([
      clients[3].id,
    ]);
    expect(ids(await list('?search=bio.guera%40example'))).toEqual([clients[1].id]);
    // '_' and '%' are characters to find, not wildcards.
    expect(ids(await list('?search=chabi_z'))).toEqual([clients[2].id]);
    expect((await list('?search=%25')).body.count).toBe(0);
    expect((await list('?search=chabi%25')).body.count).toBe(0);
    expect((await list('?search=!')).body.count).toBe(0);
    expect((await list('?search=nobody')).body).toMatchObject({ count: 0, results: [] });
  });

  it('answers with and without a trailing slash', async () => {
    const without = await list('?page_size=3');
    const withSlash = await list('?page_size=3', '/api/accounts/clients/');
    expect(without.status).toBe(200);
    expect(withSlash.status).toBe(200);
    expect(withSlash.body.count).toBe(without.body.count);
    expect(ids(withSlash)).toEqual(ids(without));
    expect((await get(listToken, `/api/accounts/clients/${clients[0].id}/`)).body.id).toBe(clients[0].id);
    expect((await get(listToken, `/api/accounts/clients/${clients[0].id}`)).body.id).toBe(clients[0].id);
  });
});
