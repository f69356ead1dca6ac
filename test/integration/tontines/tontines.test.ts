import type { Sfd, User } from '../../../src/accounts/entities';
import type { Role } from '../../../src/http/roles';
import { Tontine, TontineParticipant } from '../../../src/tontines/entities';
import { auditOf, authed } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeTontine, makeUser, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';

/**
 * Tontines themselves (GET/POST /api/tontines/, GET/PATCH /api/tontines/{id}/, GET
 * /api/tontines/{id}/participants/): what each caller sees, what an SFD admin changes and the audit
 * trail it leaves, and the role × SFD matrix written out from the specification.
 */

let t: TestApp;
let a: Sfd;
let b: Sfd;
const u: Record<string, User> = {};
const tok: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  a = await makeSfd(t, 'TONA');
  b = await makeSfd(t, 'TONB');
  for (const [sfd, key] of [
    [a, 'A'],
    [b, 'B'],
  ] as const) {
    for (const role of ['client', 'agent_sfd', 'superviseur_sfd', 'admin_sfd'] as Role[]) {
      u[`${role}@${key}`] = await makeUser(t, role, sfd);
    }
  }
  u.admin_plateforme = await makeUser(t, 'admin_plateforme', null);
  for (const key of Object.keys(u)) tok[key] = await tokenFor(t, u[key]);
});
afterAll(() => t.close());

const { get, post, patch } = authed(() => t);

const body = (name = 'Tontine du marche') => ({
  name,
  stake_min: 200,
  stake_max: 5000,
  joining_fee: 1000,
});

describe('reading tontines', () => {
  let activeA: Tontine;
  let closedA: Tontine;
  let activeB: Tontine;
  beforeAll(async () => {
    activeA = await makeTontine(t, a, { name: 'Active A' });
    closedA = await makeTontine(t, a, { name: 'Fermee A', status: 'fermee' });
    activeB = await makeTontine(t, b, { name: 'Active B' });
  });
  afterAll(async () => {
    await t.deps.db.manager.delete(Tontine, [activeA.id, closedA.id, activeB.id]);
  });

  it('a client sees the active tontines of their own SFD only, and no status filter widens that', async () => {
    const res = await get(tok['client@A'], '/api/tontines/?status=fermee');
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { name: string }) => r.name)).toEqual(['Active A']);
    expect(res.body.count).toBe(1);
    expect(res.body.results[0]).toEqual({
      id: activeA.id,
      sfd_id: a.id,
      name: 'Active A',
      status: 'active',
      stake_min: 200,
      stake_max: 5000,
      joining_fee: 1000,
      min_withdrawal: 0,
      withdrawal_notice_days: 0,
      created_by: null,
      created_at: activeA.createdAt.toISOString(),
      updated_at: activeA.updatedAt.toISOString(),
    });
  });

  it("staff see every tontine of their SFD, filtered by status; the platform admin every SFD's or one's", async () => {
    const names = async (token: string, qs = '') =>
      ((await get(token, `/api/tontines/${qs}`)).body.results as { name: string }[]).map((r) => r.name);
    expect(await names(tok['agent_sfd@A'])).toEqual(['Active A', 'Fermee A']);
    expect(await names(tok['agent_sfd@A'], '?status=fermee')).toEqual(['Fermee A']);
    // An SFD's staff cannot look at another SFD by asking for it.
    expect(await names(tok['admin_sfd@A'], `?sfd_id=${b.id}`)).toEqual(['Active A', 'Fermee A']);
    expect(await names(tok.admin_plateforme)).toEqual(['Active A', 'Fermee A', 'Active B']);
    expect(await names(tok.admin_plateforme, `?sfd_id=${b.id}`)).toEqual(['Active B']);
  });

  it('pages as the original platform did: count, next, previous', async () => {
    const first = await get(tok['agent_sfd@A'], '/api/tontines/?page_size=1');
    expect(first.body).toMatchObject({ count: 2, previous: null });
    expect(first.body.next).toMatch(/page=2/);
    const second = await get(tok['agent_sfd@A'], '/api/tontines/?page_size=1&page=2');
    expect(second.body.next).toBeNull();
    expect(second.body.results[0].name).toBe('Fermee A');
  });

  it("a client reads one tontine of their SFD, whatever its status; another SFD's is a 404", async () => {
    expect((await get(tok['client@A'], `/api/tontines/${closedA.id}/`)).body.status).toBe('fermee');
    expectProblem(await get(tok['client@A'], `/api/tontines/${activeB.id}/`), 404, 'not-found');
    expectProblem(await get(tok['client@A'], '/api/tontines/999999/'), 404, 'not-found');
    expectProblem(await get(tok['client@A'], '/api/tontines/abc/'), 404, 'not-found');
  });

  it("lists a tontine's participants for staff, filtered by status", async () => {
    const now = t.clock.now();
    const make = (client: User, status: TontineParticipant['status']) =>
      t.deps.db.manager.save(
        t.deps.db.manager.create(TontineParticipant, {
          sfdId: a.id,
          tontineId: activeA.id,
          clientId: client.id,
          stake: 500,
          nextStake: null,
          status,
          joinedAt: now,
          createdAt: now,
          updatedAt: now,
        }),
      );
    const p1 = await make(u['client@A'], 'actif');
    const p2 = await make(u['agent_sfd@A'], 'suspendu');
    try {
      const all = await get(tok['agent_sfd@A'], `/api/tontines/${activeA.id}/participants/`);
      expect(all.status).toBe(200);
      expect(all.body.count).toBe(2);
      expect(all.body.results[0]).toEqual({
        id: p1.id,
        sfd_id: a.id,
        tontine_id: activeA.id,
        client_id: u['client@A'].id,
        stake: 500,
        next_stake: null,
        status: 'actif',
        joined_at: now.toISOString(),
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      });
      const suspended = await get(
        tok['agent_sfd@A'],
        `/api/tontines/${activeA.id}/participants/?status=suspendu`,
      );
      expect(suspended.body.results.map((r: { id: number }) => r.id)).toEqual([p2.id]);
    } finally {
      await t.deps.db.manager.delete(TontineParticipant, [p1.id, p2.id]);
    }
  });
});

describe('creating and changing tontines', () => {
  it('an SFD admin creates one for their own SFD (a sfd_id sent is not theirs to choose), audited', async () => {
    const res = await post(tok['admin_sfd@A'], '/api/tontines/', { ...body('Dantokpa'), sfd_id: b.id });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      sfd_id: a.id,
      name: 'Dantokpa',
      status: 'active',
      stake_min: 200,
      stake_max: 5000,
      joining_fee: 1000,
      min_withdrawal: 0,
      withdrawal_notice_days: 0,
      created_by: u['admin_sfd@A'].id,
    });
    const audit = await auditOf(t, 'tontine', res.body.id);
    expect(audit.map((e) => [e.action, e.actorId, e.sfdId])).toEqual([
      ['tontine.create', u['admin_sfd@A'].id, a.id],
    ]);
    expect(audit[0].after).toEqual({
      name: 'Dantokpa',
      status: 'active',
      stake_min: 200,
      stake_max: 5000,
      joining_fee: 1000,
      min_withdrawal: 0,
      withdrawal_notice_days: 0,
    });
  });

  it('refuses bounds upside down, a missing name and a negative fee, each naming its field', async () => {
    const res = await post(tok['admin_sfd@A'], '/api/tontines/', {
      ...body(),
      name: '',
      stake_min: 1000,
      stake_max: 500,
      joining_fee: -1,
    });
    expectProblem(res, 400, 'validation');
    expect(Object.keys(res.body.errors).sort()).toEqual(['joining_fee', 'name', 'stake_max']);
    const range = await post(tok['admin_sfd@A'], '/api/tontines/', {
      ...body(),
      stake_min: 1000,
      stake_max: 500,
    });
    expectProblem(range, 400, 'validation');
    expect(range.body.errors).toEqual({
      stake_max: ['La mise maximale doit etre superieure ou egale a la mise minimale'],
    });
  });

  it('the platform admin must name the SFD', async () => {
    const without = await post(tok.admin_plateforme, '/api/tontines/', body());
    expectProblem(without, 400, 'validation');
    expect(Object.keys(without.body.errors)).toEqual(['sfd_id']);
    const unknown = await post(tok.admin_plateforme, '/api/tontines/', { ...body(), sfd_id: 999_999 });
    expectProblem(unknown, 400, 'validation');
    const ok = await post(tok.admin_plateforme, '/api/tontines/', { ...body(), sfd_id: b.id });
    expect(ok.status).toBe(201);
    expect(ok.body.sfd_id).toBe(b.id);
  });

  it('PATCH changes what it names, checks the bounds against the kept values, and audits before and after', async () => {
    const tontine = await makeTontine(t, a, { stakeMin: 200, stakeMax: 1000 });
    const url = `/api/tontines/${tontine.id}/`;
    const upside = await patch(tok['admin_sfd@A'], url, { stake_min: 2000 });
    expectProblem(upside, 400, 'validation');
    expect(Object.keys(upside.body.errors)).toEqual(['stake_max']);
    expectProblem(await patch(tok['admin_sfd@A'], url, {}), 400, 'validation');

    t.clock.advance(60_000);
    const res = await patch(tok['admin_sfd@A'], url, { status: 'suspendue', joining_fee: 1500 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'suspendue',
      joining_fee: 1500,
      stake_min: 200,
      stake_max: 1000,
    });
    expect(res.body.updated_at).toBe(t.clock.now().toISOString());
    const audit = await auditOf(t, 'tontine', tontine.id);
    expect(audit.map((e) => e.action)).toEqual(['tontine.update']);
    expect(audit[0].before).toMatchObject({ status: 'active', joining_fee: 1000 });
    expect(audit[0].after).toMatchObject({ status: 'suspendue', joining_fee: 1500 });
  });
});

// ---------------------------------------------------------------------------------------------------
// The role × SFD matrix, written out from the specification (not from the code).
// ---------------------------------------------------------------------------------------------------

type Op = 'list' | 'create' | 'get' | 'patch' | 'participants';
const RANKED: Role[] = ['client', 'agent_sfd', 'superviseur_sfd', 'admin_sfd', 'admin_plateforme'];
const NEEDED: Record<Op, Role> = {
  list: 'client',
  create: 'admin_sfd',
  get: 'client',
  patch: 'admin_sfd',
  participants: 'agent_sfd',
};
const ACTORS = [
  ...(['A', 'B'] as const).flatMap((sfd) =>
    (['client', 'agent_sfd', 'superviseur_sfd', 'admin_sfd'] as Role[]).map((role) => ({ role, sfd })),
  ),
  { role: 'admin_plateforme' as Role, sfd: null },
];

function expected(op: Op, role: Role, sfd: 'A' | 'B' | null): number {
  if (RANKED.indexOf(role) < RANKED.indexOf(NEEDED[op])) return 403;
  if (op === 'list') return 200;
  // The platform admin creates with sfd_id (sent in every create case below).
  if (op === 'create') return 201;
  if (role === 'admin_plateforme') return 200;
  return sfd === 'A' ? 200 : 404; // the target tontine is SFD A's
}

describe('the role × SFD matrix', () => {
  let target: Tontine;
  beforeAll(async () => {
    target = await makeTontine(t, a, { name: 'Matrix' });
  });

  const cases = (['list', 'create', 'get', 'patch', 'participants'] as Op[]).flatMap((op) =>
    ACTORS.map((actor) => ({ op, ...actor, status: expected(op, actor.role, actor.sfd) })),
  );

  it.each(cases)('$op as $role@$sfd -> $status', async ({ op, role, sfd, status }) => {
    const token = tok[sfd ? `${role}@${sfd}` : role];
    const before = await t.deps.db.manager.findOneByOrFail(Tontine, { id: target.id });
    const res =
      op === 'list'
        ? await get(token, '/api/tontines/')
        : op === 'create'
          ? await post(token, '/api/tontines/', { ...body(`M ${role}`), sfd_id: a.id })
          : op === 'get'
            ? await get(token, `/api/tontines/${target.id}/`)
            : op === 'patch'
              ? await patch(token, `/api/tontines/${target.id}/`, { name: `Matrix ${role}` })
              : await get(token, `/api/tontines/${target.id}/participants/`);
    if (status >= 400) {
      expectProblem(res, status);
      // A refusal says nothing of the record and changes nothing.
      expect(JSON.stringify(res.body)).not.toContain('Matrix');
      expect(await t.deps.db.manager.findOneByOrFail(Tontine, { id: target.id })).toEqual(before);
    } else {
      expect(res.status).toBe(status);
    }
  });

  it('without a token every endpoint is a 401', async () => {
    for (const res of [
      await t.request.get('/api/tontines/'),
      await t.request.post('/api/tontines/').send(body()),
      await t.request.get(`/api/tontines/${target.id}/`),
      await t.request.patch(`/api/tontines/${target.id}/`).send({ name: 'x' }),
      await t.request.get(`/api/tontines/${target.id}/participants/`),
    ]) {
      expectProblem(res, 401);
    }
  });
});
