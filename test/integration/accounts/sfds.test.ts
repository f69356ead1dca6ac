import type { User } from '../../../src/accounts/entities';
import { AuditEvent, Sfd } from '../../../src/accounts/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { auditOf as auditOfRecord, authed } from '../../helpers/api';
import { expectProblem } from '../../helpers/problem';

let t: TestApp;
let platform: User;
let platformToken: string;

beforeAll(async () => {
  t = await startTestApp();
  platform = await makeUser(t, 'admin_plateforme', null);
  platformToken = await tokenFor(t, platform);
});
afterAll(() => t.close());

const { get, post, patch } = authed(() => t);
const auditOf = (id: number) => auditOfRecord(t, 'sfd', id);

const counts = async () => ({
  sfds: await t.deps.db.manager.count(Sfd),
  audit: await t.deps.db.manager.count(AuditEvent),
});

describe('creating an SFD', () => {
  it('lets the platform admin create one: code upper-cased, phone E.164, default time zone, row and sfd.create audit', async () => {
    const res = await post(platformToken, '/api/accounts/sfds/', {
      name: 'FECECAM Benin',
      code: ' fececam ',
      city: 'Cotonou',
      phone: '01 21 30 00 00',
    });
    expect(res.status).toBe(201);
    const now = t.clock.now().toISOString();
    expect(res.body).toEqual({
      id: expect.any(Number),
      name: 'FECECAM Benin',
      code: 'FECECAM',
      city: 'Cotonou',
      phone: '+2290121300000',
      time_zone: 'Africa/Porto-Novo',
      status: 'active',
      staff_login_otp: false,
      created_at: now,
      updated_at: now,
    });

    expect(await t.deps.db.manager.findOneByOrFail(Sfd, { id: res.body.id })).toMatchObject({
      name: 'FECECAM Benin',
      code: 'FECECAM',
      phone: '+2290121300000',
      timeZone: 'Africa/Porto-Novo',
      status: 'active',
    });

    const [event, ...more] = await auditOf(res.body.id);
    expect(more).toHaveLength(0);
    const { created_at: _c, updated_at: _u, ...view } = res.body;
    expect(event).toMatchObject({
      action: 'sfd.create',
      actorId: platform.id,
      actorRole: 'admin_plateforme',
      sfdId: res.body.id,
      targetType: 'sfd',
      targetId: String(res.body.id),
      before: null,
      after: view,
    });
  });

  it('accepts an explicit IANA time zone, and UTC', async () => {
    for (const [code, zone] of [
      ['ABIDJAN1', 'Africa/Abidjan'],
      ['UTCSFD', 'UTC'],
    ]) {
      const res = await post(platformToken, '/api/accounts/sfds', {
        name: `SFD ${code}`,
        code,
        city: 'Abidjan',
        phone: '0121300001',
        time_zone: zone,
      });
      expect(res.status).toBe(201);
      expect(res.body.time_zone).toBe(zone);
      expect((await t.deps.db.manager.findOneByOrFail(Sfd, { id: res.body.id })).timeZone).toBe(zone);
    }
  });

  it('refuses a code already taken, whatever its case: 409 naming code, nothing written', async () => {
    await makeSfd(t, 'PADME');
    const before = await counts();
    const res = await post(platformToken, '/api/accounts/sfds', {
      name: 'Another PADME',
      code: 'Padme',
      city: 'Porto-Novo',
      phone: '0121300002',
    });
    expectProblem(res, 409);
    expect(res.body.type).toMatch(/\/duplicate$/);
    expect(Object.keys(res.body.errors)).toEqual(['code']);
    expect(await counts()).toEqual(before);
  });

  it('refuses an unknown time zone, a malformed code, and missing fields with 400 naming each, nothing written', async () => {
    const before = await counts();
    const base = { name: 'Mutuelle Alafia', code: 'ALAFIA', city: 'Parakou', phone: '0121300003' };

    const zone = await post(platformToken, '/api/accounts/sfds', { ...base, time_zone: 'Africa/Atlantis' });
    expectProblem(zone, 400);
    expect(Object.keys(zone.body.errors)).toEqual(['time_zone']);

    for (const code of ['A', 'AB-CD', 'X'.repeat(17), 'ÉCO1']) {
      const res = await post(platformToken, '/api/accounts/sfds', { ...base, code });
      expectProblem(res, 400);
      expect(Object.keys(res.body.errors)).toEqual(['code']);
    }

    const phone = await post(platformToken, '/api/accounts/sfds', { ...base, phone: '12345' });
    expectProblem(phone, 400);
    expect(Object.keys(phone.body.errors)).toEqual(['phone']);

    const empty = await post(platformToken, '/api/accounts/sfds', {});
    expectProblem(empty, 400);
    expect(Object.keys(empty.body.errors).sort()).toEqual(['city', 'code', 'name', 'phone']);

    const types = await post(platformToken, '/api/accounts/sfds', { name: 7, code: 42, city: [], phone: 97 });
    expectProblem(types, 400);
    expect(Object.keys(types.body.errors).sort()).toEqual(['city', 'code', 'name', 'phone']);

    expect(await counts()).toEqual(before);
  });
});

describe('listing SFDs', () => {
  let listed: Sfd[];

  beforeAll(async () => {
    listed = [await makeSfd(t, 'LKOUA'), await makeSfd(t, 'LKOUB', 'suspended'), await makeSfd(t, 'LKOUC')];
    await t.deps.db.manager.update(Sfd, { id: listed[0].id }, { city: 'Djougou', name: 'Caisse du Nord' });
    await t.deps.db.manager.update(Sfd, { id: listed[2].id }, { city: 'Djougou', name: 'Caisse 100% Sud' });
  });

  const ids = (res: { body: { results: { id: number }[] } }) => res.body.results.map((s) => s.id);

  it('gives the platform admin every SFD, DRF-paged, with snake_case fields', async () => {
    const total = await t.deps.db.manager.count(Sfd);
    const all = await get(platformToken, '/api/accounts/sfds?page_size=100');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ count: total, next: null, previous: null });
    expect(all.body.results).toHaveLength(total);
    expect(all.body.results[0]).toEqual({
      id: expect.any(Number),
      name: expect.any(String),
      code: expect.any(String),
      city: expect.any(String),
      phone: expect.any(String),
      time_zone: expect.any(String),
      status: expect.stringMatching(/^(active|suspended)$/),
      staff_login_otp: expect.any(Boolean),
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });

    const page = await get(platformToken, '/api/accounts/sfds/?page_size=2&page=2');
    expect(page.body.count).toBe(total);
    expect(ids(page)).toEqual(ids(all).slice(2, 4));
    expect(new URL(page.body.previous).searchParams.get('page')).toBe('1');
    expectProblem(await get(platformToken, '/api/accounts/sfds?page_size=101'), 400);
  });

  it('filters by status and searches name, code and city, with wildcards taken literally', async () => {
    const suspended = await get(platformToken, '/api/accounts/sfds?status=suspended');
    expect(ids(suspended)).toEqual([listed[1].id]);
    expect((await get(platformToken, '/api/accounts/sfds?status=active')).body.count).toBe(
      await t.deps.db.manager.countBy(Sfd, { status: 'active' }),
    );
    expect(ids(await get(platformToken, '/api/accounts/sfds?search=djougou'))).toEqual([
      listed[0].id,
      listed[2].id,
    ]);
    expect(ids(await get(platformToken, '/api/accounts/sfds?search=lkoub'))).toEqual([listed[1].id]);
    expect(ids(await get(platformToken, '/api/accounts/sfds?search=du%20nord'))).toEqual([listed[0].id]);
    expect(ids(await get(platformToken, '/api/accounts/sfds?search=djougou&status=active'))).toEqual([
      listed[0].id,
      listed[2].id,
    ]);
    // '%' and '_' are characters to find, not wildcards.
    expect(ids(await get(platformToken, '/api/accounts/sfds?search=100%25'))).toEqual([listed[2].id]);
    expect((await get(platformToken, '/api/accounts/sfds?search=%25')).body.count).toBe(1);
    expect((await get(platformToken, '/api/accounts/sfds?search=_')).body.count).toBe(0);

    const bad = await get(platformToken, '/api/accounts/sfds?status=closed');
    expectProblem(bad, 400);
    expect(Object.keys(bad.body.errors)).toEqual(['status']);
  });
});

describe('updating an SFD', () => {
  let sfd: Sfd;
  let admin: User;
  let adminToken: string;

  beforeAll(async () => {
    sfd = await makeSfd(t, 'UPD');
    await t.deps.db.manager.update(Sfd, { id: sfd.id }, { timeZone: 'Africa/Abidjan' });
    admin = await makeUser(t, 'admin_sfd', sfd);
    adminToken = await tokenFor(t, admin);
  });

  it('lets the admin_sfd edit its own SFD; untouched fields, the code and the time zone, stay; sfd.update audited', async () => {
    t.clock.advance(60_000);
    const res = await patch(adminToken, `/api/accounts/sfds/${sfd.id}/`, {
      name: 'Caisse Villageoise de Bohicon',
      city: 'Bohicon',
      phone: '0121300009',
      code: 'HIJACK',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: sfd.id,
      name: 'Caisse Villageoise de Bohicon',
      code: 'UPD',
      city: 'Bohicon',
      phone: '+2290121300009',
      time_zone: 'Africa/Abidjan',
      status: 'active',
      staff_login_otp: false,
      created_at: sfd.createdAt.toISOString(),
      updated_at: t.clock.now().toISOString(),
    });
    expect(await t.deps.db.manager.findOneByOrFail(Sfd, { id: sfd.id })).toMatchObject({
      name: 'Caisse Villageoise de Bohicon',
      code: 'UPD',
      city: 'Bohicon',
      phone: '+2290121300009',
      timeZone: 'Africa/Abidjan',
    });

    const [event, ...more] = await auditOf(sfd.id);
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({
      action: 'sfd.update',
      actorId: admin.id,
      actorRole: 'admin_sfd',
      sfdId: sfd.id,
      before: expect.objectContaining({
        name: sfd.name,
        city: 'Cotonou',
        code: 'UPD',
        time_zone: 'Africa/Abidjan',
      }),
      after: expect.objectContaining({ name: 'Caisse Villageoise de Bohicon', city: 'Bohicon', code: 'UPD' }),
    });
    expect(event.after).toMatchObject({ time_zone: 'Africa/Abidjan', phone: '+2290121300009' });
  });

  it('changes the time zone only when asked to', async () => {
    const res = await patch(adminToken, `/api/accounts/sfds/${sfd.id}`, { time_zone: 'Africa/Lagos' });
    expect(res.status).toBe(200);
    expect(res.body.time_zone).toBe('Africa/Lagos');
    expect((await t.deps.db.manager.findOneByOrFail(Sfd, { id: sfd.id })).timeZone).toBe('Africa/Lagos');
    const city = await patch(adminToken, `/api/accounts/sfds/${sfd.id}`, { city: 'Abomey' });
    expect(city.body).toMatchObject({ city: 'Abomey', time_zone: 'Africa/Lagos' });
  });

  it('refuses an empty PATCH, a code-only PATCH and malformed values with 400, and changes nothing', async () => {
    const stored = await t.deps.db.manager.findOneByOrFail(Sfd, { id: sfd.id });
    const before = await counts();
    expectProblem(await patch(adminToken, `/api/accounts/sfds/${sfd.id}`, {}), 400);
    expectProblem(await patch(adminToken, `/api/accounts/sfds/${sfd.id}`, { code: 'NEWCODE' }), 400);
    const bad = await patch(adminToken, `/api/accounts/sfds/${sfd.id}`, {
      time_zone: 'Europe/Nowhere',
      phone: '000',
      name: 'X',
    });
    expectProblem(bad, 400);
    expect(Object.keys(bad.body.errors).sort()).toEqual(['name', 'phone', 'time_zone']);
    expect(await counts()).toEqual(before);
    expect(await t.deps.db.manager.findOneByOrFail(Sfd, { id: sfd.id })).toEqual(stored);
  });

  it('answers 404 for an SFD that does not exist or an id that is not one', async () => {
    expectProblem(await patch(platformToken, '/api/accounts/sfds/999999', { city: 'Natitingou' }), 404);
    expectProblem(await patch(platformToken, '/api/accounts/sfds/abc', { city: 'Natitingou' }), 404);
    expectProblem(await post(platformToken, '/api/accounts/sfds/999999/suspend'), 404);
  });
});

describe('suspending an SFD', () => {
  it('lets the platform admin suspend and reactivate, each once, each audited', async () => {
    const sfd = await makeSfd(t, 'SUSP');
    const suspended = await post(platformToken, `/api/accounts/sfds/${sfd.id}/suspend/`);
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ id: sfd.id, code: 'SUSP', status: 'suspended' });
    expect((await t.deps.db.manager.findOneByOrFail(Sfd, { id: sfd.id })).status).toBe('suspended');

    const before = await counts();
    const again = await post(platformToken, `/api/accounts/sfds/${sfd.id}/suspend`);
    expectProblem(again, 409);
    expect(await counts()).toEqual(before);

    const reactivated = await post(platformToken, `/api/accounts/sfds/${sfd.id}/reactivate`);
    expect(reactivated.status).toBe(200);
    expect(reactivated.body.status).toBe('active');
    expect((await t.deps.db.manager.findOneByOrFail(Sfd, { id: sfd.id })).status).toBe('active');
    expectProblem(await post(platformToken, `/api/accounts/sfds/${sfd.id}/reactivate`), 409);

    expect(await auditOf(sfd.id)).toEqual([
      expect.objectContaining({
        action: 'sfd.suspend',
        actorId: platform.id,
        actorRole: 'admin_plateforme',
        sfdId: sfd.id,
        before: { status: 'active' },
        after: { status: 'suspended' },
      }),
      expect.objectContaining({
        action: 'sfd.reactivate',
        actorId: platform.id,
        actorRole: 'admin_plateforme',
        sfdId: sfd.id,
        before: { status: 'suspended' },
        after: { status: 'active' },
      }),
    ]);
  });

  it('shows the suspension in the SFD itself and in the list', async () => {
    const sfd = await makeSfd(t, 'SUSPB');
    await post(platformToken, `/api/accounts/sfds/${sfd.id}/suspend`);
    expect((await get(platformToken, `/api/accounts/sfds/${sfd.id}`)).body.status).toBe('suspended');
    const list = await get(platformToken, '/api/accounts/sfds?status=suspended&search=SUSPB');
    expect(list.body.results.map((s: { id: number }) => s.id)).toEqual([sfd.id]);
  });
});
