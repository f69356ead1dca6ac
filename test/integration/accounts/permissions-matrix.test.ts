/**
 * Permissions matrix of the accounts API: every guarded endpoint x every role x own/other SFD gives
 * exactly the allowed result, and every refusal (401/403/404) is a bare problem+json with no record
 * data and no side effect.
 *
 * The rights below are written out from the specification on purpose, not imported from
 * src/accounts/collections.ts: a change there that widens a right must make this file fail.
 */
import type { Response } from 'supertest';
import { Sfd, User } from '../../../src/accounts/entities';
import type { Role } from '../../../src/http/roles';
import { hashSecret } from '../../../src/infra/crypto';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, phone, tokenFor } from '../../helpers/factories';

// ---------------------------------------------------------------------------------------------------
// The rules under test
// ---------------------------------------------------------------------------------------------------

const RANKED: Role[] = ['client', 'agent_sfd', 'superviseur_sfd', 'admin_sfd', 'admin_plateforme'];
const atLeast = (role: Role, needed: Role) => RANKED.indexOf(role) >= RANKED.indexOf(needed);

type Coll = 'clients' | 'agents-sfd' | 'superviseurs-sfd' | 'administrateurs-sfd' | 'admin-plateforme';
type Resource = Coll | 'sfds';
type Op = 'list' | 'create' | 'get' | 'patch' | 'suspend' | 'reactivate';
type SfdKey = 'A' | 'B';

const COLLS: Coll[] = [
  'clients',
  'agents-sfd',
  'superviseurs-sfd',
  'administrateurs-sfd',
  'admin-plateforme',
];
const RESOURCES: Resource[] = [...COLLS, 'sfds'];
const OPS: Op[] = ['list', 'create', 'get', 'patch', 'suspend', 'reactivate'];
const ITEM_OPS: Op[] = ['get', 'patch', 'suspend', 'reactivate'];
const WRITE_ITEM_OPS: Op[] = ['patch', 'suspend', 'reactivate'];

const all = (role: Role): Record<Op, Role> => ({
  list: role,
  create: role,
  get: role,
  patch: role,
  suspend: role,
  reactivate: role,
});

/** The lowest role that may call each endpoint (inside its own SFD, unless admin_plateforme). */
const NEEDED: Record<Resource, Record<Op, Role>> = {
  clients: {
    ...all('agent_sfd'),
    suspend: 'superviseur_sfd',
    reactivate: 'superviseur_sfd',
  },
  'agents-sfd': all('admin_sfd'),
  'superviseurs-sfd': all('admin_sfd'),
  'administrateurs-sfd': all('admin_plateforme'),
  'admin-plateforme': all('admin_plateforme'),
  sfds: {
    list: 'agent_sfd',
    get: 'agent_sfd',
    create: 'admin_plateforme',
    patch: 'admin_sfd',
    suspend: 'admin_plateforme',
    reactivate: 'admin_plateforme',
  },
};

/** The role of the members of each user collection. */
const MEMBER_ROLE: Record<Coll, Role> = {
  clients: 'client',
  'agents-sfd': 'agent_sfd',
  'superviseurs-sfd': 'superviseur_sfd',
  'administrateurs-sfd': 'admin_sfd',
  'admin-plateforme': 'admin_plateforme',
};
const sfdScoped = (coll: Coll) => coll !== 'admin-plateforme';

interface Actor {
  key: string;
  role: Role;
  sfd: SfdKey | null;
}

const SFD_ROLES: Role[] = ['client', 'agent_sfd', 'superviseur_sfd', 'admin_sfd'];
const ACTORS: Actor[] = [
  ...(['A', 'B'] as const).flatMap((sfd) =>
    SFD_ROLES.map((role): Actor => ({ key: `${role}@${sfd}`, role, sfd })),
  ),
  { key: 'admin_plateforme', role: 'admin_plateforme', sfd: null },
];

interface Case {
  name: string;
  resource: Resource;
  op: Op;
  actor: Actor;
  /**
   * Item ops: the SFD of the target record (null: a platform admin, who has no SFD).
   * create: the sfd_id sent in the body (null: none). list: the ?sfd_id= filter (null: none).
   */
  target: SfdKey | null;
  expected: number;
}

/** The expectations table: one status per endpoint x actor x target SFD. */
function expectedStatus(resource: Resource, op: Op, actor: Actor, target: SfdKey | null): number {
  // Below the needed rank: 403 before anything is looked up.
  if (!atLeast(actor.role, NEEDED[resource][op])) return 403;
  if (op === 'list') return 200;
  if (op === 'create') {
    // A platform admin has no SFD of its own: it must name one for SFD-scoped members.
    const needsSfd = resource !== 'sfds' && sfdScoped(resource);
    return actor.role === 'admin_plateforme' && needsSfd && target === null ? 400 : 201;
  }
  if (actor.role === 'admin_plateforme') return 200;
  // Enough rank, but another SFD's record: it does not exist for this caller.
  return target === actor.sfd ? 200 : 404;
}

function targetsFor(resource: Resource, op: Op): (SfdKey | null)[] {
  if (resource === 'sfds') return op === 'list' || op === 'create' ? [null] : ['A', 'B'];
  if (!sfdScoped(resource)) return op === 'create' ? [null, 'A'] : [null];
  return op === 'list' || op === 'create' ? [null, 'A', 'B'] : ['A', 'B'];
}

function describeCase(resource: Resource, op: Op, actor: Actor, target: SfdKey | null, expected: number) {
  const what =
    op === 'list'
      ? `GET /${resource}/${target ? `?sfd_id={${target}}` : ''}`
      : op === 'create'
        ? `POST /${resource}/ ${target ? `sfd_id={${target}}` : 'without sfd_id'}`
        : `${op === 'get' ? 'GET' : op === 'patch' ? 'PATCH' : 'POST'} /${resource}/{${target ?? 'platform'}}/${
            op === 'suspend' || op === 'reactivate' ? `${op}/` : ''
          }`;
  return `${what} as ${actor.key} -> ${expected}`;
}

const CASES: Case[] = RESOURCES.flatMap((resource) =>
  OPS.flatMap((op) =>
    ACTORS.flatMap((actor) =>
      targetsFor(resource, op).map((target): Case => {
        const expected = expectedStatus(resource, op, actor, target);
        return {
          name: describeCase(resource, op, actor, target, expected),
          resource,
          op,
          actor,
          target,
          expected,
        };
      }),
    ),
  ),
);

/**
 * A record is reachable only through its own collection: /clients/{id of an admin} is 404 even to a
 * caller allowed on /clients. Callers with enough rank only (the others are the 403s above).
 */
interface CrossCase {
  name: string;
  coll: Coll;
  recordColl: Coll;
  op: 'get' | 'patch' | 'suspend';
  actor: Actor;
}
const CROSS_CASES: CrossCase[] = COLLS.flatMap((coll) =>
  COLLS.filter((other) => other !== coll).flatMap((recordColl) =>
    (['get', 'patch', 'suspend'] as const).flatMap((op) =>
      ACTORS.filter((a) => a.sfd !== 'B' && atLeast(a.role, NEEDED[coll][op])).map((actor): CrossCase => ({
        name: `${op} /${coll}/{a ${MEMBER_ROLE[recordColl]}} as ${actor.key} -> 404`,
        coll,
        recordColl,
        op,
        actor,
      })),
    ),
  ),
);

/**
 * A role change through PATCH never gives more than the caller manages: only SFD staff change role, and
 * only to a staff role of a collection the caller may update (never client, never admin_plateforme).
 * Refused changes are 400 naming `role`. Own-SFD targets (SFD A for the platform admin).
 */
interface RoleCase {
  name: string;
  coll: Coll;
  newRole: Role;
  actor: Actor;
  expected: 200 | 400;
}
const COLL_OF = Object.fromEntries(COLLS.map((c) => [MEMBER_ROLE[c], c])) as Record<Role, Coll>;
const ROLE_CASES: RoleCase[] = COLLS.flatMap((coll) =>
  RANKED.filter((r) => r !== MEMBER_ROLE[coll]).flatMap((newRole) =>
    ACTORS.filter((a) => a.sfd !== 'B' && atLeast(a.role, NEEDED[coll].patch)).map((actor): RoleCase => {
      const staffToStaff =
        coll !== 'clients' &&
        sfdScoped(coll) &&
        newRole !== 'client' &&
        sfdScoped(COLL_OF[newRole]) &&
        atLeast(actor.role, NEEDED[COLL_OF[newRole]].patch);
      const expected = staffToStaff ? 200 : 400;
      return {
        name: `PATCH /${coll}/{id}/ role=${newRole} as ${actor.key} -> ${expected}`,
        coll,
        newRole,
        actor,
        expected,
      };
    }),
  ),
);

// ---------------------------------------------------------------------------------------------------
// The world
// ---------------------------------------------------------------------------------------------------

let t: TestApp;
const sfds = {} as Record<SfdKey, Sfd>;
const actors = new Map<string, User>();
const tokens = new Map<string, string>();
/** Shared read-only targets: one member per collection and SFD ('P' for platform admins). */
const readTargets = new Map<string, User>();
/** A fresh target per write case, so suspend/reactivate states never meet. */
const freshUsers = new Map<string, User>();
const freshSfds = new Map<string, Sfd>();

const readKey = (coll: Coll, sfd: SfdKey | null) => `${coll}@${sfd ?? 'P'}`;
const sfdIdOf = (key: SfdKey | null) => (key ? sfds[key].id : null);
let seq = 0;

/** Target users are inserted directly, with one shared password hash (they never log in). */
let targetHash: string;
function buildUser(role: Role, sfd: SfdKey | null, status: User['status'] = 'active'): User {
  const n = ++seq;
  const now = t.clock.now();
  return t.deps.db.manager.create(User, {
    phone: phone(),
    email: role === 'client' ? null : `matrix.target.${n}@test.tontiflex`,
    firstName: `Target${n}`,
    lastName: `Matrix${n}`,
    role,
    sfdId: sfdIdOf(sfd),
    status,
    language: 'fr',
    passwordHash: role === 'client' ? null : targetHash,
    pinHash: role === 'client' ? targetHash : null,
    kycStatus: 'pending',
    phoneVerifiedAt: now,
    createdAt: now,
    updatedAt: now,
  });
}

beforeAll(async () => {
  t = await startTestApp();
  targetHash = await hashSecret('never-used-secret');
  sfds.A = await makeSfd(t, 'MATRIXA');
  sfds.B = await makeSfd(t, 'MATRIXB');

  // One user of every role in each SFD, plus the platform admin; each logs in once.
  for (const actor of ACTORS) {
    const user = await makeUser(t, actor.role, actor.sfd ? sfds[actor.sfd] : null);
    actors.set(actor.key, user);
  }
  const logins = await Promise.all(ACTORS.map((a) => tokenFor(t, actors.get(a.key)!)));
  ACTORS.forEach((a, i) => tokens.set(a.key, logins[i]));

  const pending: [Map<string, User>, string, User][] = [];
  for (const coll of COLLS) {
    for (const sfd of sfdScoped(coll) ? (['A', 'B'] as const) : [null]) {
      pending.push([readTargets, readKey(coll, sfd), buildUser(MEMBER_ROLE[coll], sfd)]);
    }
  }
  for (const c of ROLE_CASES) {
    pending.push([freshUsers, c.name, buildUser(MEMBER_ROLE[c.coll], sfdScoped(c.coll) ? 'A' : null)]);
  }
  for (const c of CASES) {
    if (c.resource === 'sfds' || !WRITE_ITEM_OPS.includes(c.op)) continue;
    const status = c.op === 'reactivate' ? 'suspended' : 'active';
    pending.push([freshUsers, c.name, buildUser(MEMBER_ROLE[c.resource], c.target, status)]);
  }
  await t.deps.db.manager.save(
    User,
    pending.map(([, , u]) => u),
    { chunk: 100 },
  );
  for (const [map, key, user] of pending) {
    expect(user.id).toEqual(expect.any(Number));
    map.set(key, user);
  }

  // Suspending SFD A or B would lock their staff out: the platform admin suspends fresh SFDs instead.
  for (const c of CASES) {
    if (c.resource === 'sfds' && c.expected === 200 && (c.op === 'suspend' || c.op === 'reactivate')) {
      freshSfds.set(c.name, await makeSfd(t, `MX${++seq}`, c.op === 'suspend' ? 'active' : 'suspended'));
    }
  }
}, 60_000);
afterAll(() => t.close());

// ---------------------------------------------------------------------------------------------------
// Calling and checking
// ---------------------------------------------------------------------------------------------------

type Method = 'get' | 'post' | 'patch';
const METHOD: Record<Op, Method> = {
  list: 'get',
  create: 'post',
  get: 'get',
  patch: 'patch',
  suspend: 'post',
  reactivate: 'post',
};

function call(method: Method, path: string, token?: string, body?: object): Promise<Response> {
  let req = t.request[method](path);
  if (token) req = req.set('Authorization', `Bearer ${token}`);
  return body === undefined ? req : req.send(body);
}

function itemPath(resource: Resource, op: Op, id: number): string {
  const base = `/api/accounts/${resource}/${id}/`;
  return op === 'suspend' || op === 'reactivate' ? `${base}${op}/` : base;
}

/** Every page of a list, as the caller sees it. */
async function listAll(path: string, token: string): Promise<{ first: Response; results: any[] }> {
  const results: any[] = [];
  const sep = path.includes('?') ? '&' : '?';
  for (let page = 1; ; page++) {
    const res = await call('get', `${path}${sep}page=${page}&page_size=100`, token);
    if (res.status !== 200) return { first: res, results };
    results.push(...(res.body.results as any[]));
    if (results.length >= (res.body.count as number) || res.body.results.length === 0) {
      expect(results).toHaveLength(res.body.count as number);
      return { first: res, results };
    }
  }
}

const PROBLEM_KEYS = ['detail', 'instance', 'request_id', 'status', 'title', 'type'];
const PROBLEM_TYPE: Record<number, RegExp> = {
  400: /\/validation$/,
  401: /\/(unauthorized|invalid-token)$/,
  403: /\/forbidden$/,
  404: /\/not-found$/,
};

/** A refusal: problem+json, the expected type, and nothing of any record. */
function expectRefusal(res: Response, status: number, secrets: (string | null | undefined)[] = []) {
  expect({ status: res.status, body: res.body }).toEqual({ status, body: expect.anything() });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.status).toBe(status);
  expect(res.body.type).toMatch(PROBLEM_TYPE[status]);
  // 400 also names the fields; nothing else is ever added.
  expect(Object.keys(res.body).sort()).toEqual(
    status === 400 ? [...PROBLEM_KEYS, 'errors'].sort() : PROBLEM_KEYS,
  );
  const text = JSON.stringify(res.body);
  for (const secret of secrets) if (secret) expect(text).not.toContain(secret);
}

/** The row as stored, to prove a refused write changed nothing. */
async function stored(id: number) {
  const row = await t.deps.db.manager.findOneByOrFail(User, { id });
  return { status: row.status, firstName: row.firstName, role: row.role, sfdId: row.sfdId };
}

function expectUserDto(body: any, user: { id?: number; role: Role; sfdId: number | null }) {
  if (user.id !== undefined) expect(body.id).toBe(user.id);
  expect(body).toMatchObject({ role: user.role, sfd_id: user.sfdId });
  expect(body).not.toHaveProperty('password_hash');
  expect(body).not.toHaveProperty('pin_hash');
  expect(body).not.toHaveProperty('passwordHash');
  expect(body).not.toHaveProperty('pinHash');
}

async function runUserCase(c: Case & { resource: Coll }) {
  const coll = c.resource;
  const token = tokens.get(c.actor.key)!;
  const actorSfdId = sfdIdOf(c.actor.sfd);

  if (c.op === 'list') {
    const filter = c.target ? `?sfd_id=${sfdIdOf(c.target)}` : '';
    const { first, results } = await listAll(`/api/accounts/${coll}/${filter}`, token);
    if (c.expected !== 200) return expectRefusal(first, c.expected);
    expect(first.status).toBe(200);
    // Exactly the members the caller may see: its own SFD's (the filter cannot widen it), or for the
    // platform admin all of them, narrowed by the filter.
    const scopeSfd = c.actor.sfd ? actorSfdId : sfdScoped(coll) && c.target ? sfdIdOf(c.target) : undefined;
    const qb = t.deps.db.getRepository(User).createQueryBuilder('u').where('u.role = :role', {
      role: MEMBER_ROLE[coll],
    });
    if (scopeSfd !== undefined) qb.andWhere('u.sfd_id = :sfd', { sfd: scopeSfd });
    const visible = (await qb.getMany()).map((u) => u.id).sort((a, b) => a - b);
    const ids = results.map((r) => r.id as number);
    expect([...ids].sort((a, b) => a - b)).toEqual(visible);
    for (const r of results) expectUserDto(r, { role: MEMBER_ROLE[coll], sfdId: r.sfd_id });
    if (c.actor.sfd && sfdScoped(coll)) {
      const other: SfdKey = c.actor.sfd === 'A' ? 'B' : 'A';
      expect(results.every((r) => r.sfd_id === actorSfdId)).toBe(true);
      expect(ids).toContain(readTargets.get(readKey(coll, c.actor.sfd))!.id);
      const theirs = await t.deps.db.manager.find(User, { where: { sfdId: sfds[other].id } });
      expect(theirs.length).toBeGreaterThan(0);
      expect(ids.filter((id) => theirs.some((u) => u.id === id))).toEqual([]);
    } else if (sfdScoped(coll)) {
      for (const sfd of c.target ? [c.target] : (['A', 'B'] as const)) {
        expect(ids).toContain(readTargets.get(readKey(coll, sfd))!.id);
      }
    } else {
      expect(ids).toContain(readTargets.get(readKey(coll, null))!.id);
    }
    return;
  }

  if (c.op === 'create') {
    const number = phone();
    const n = ++seq;
    const body: Record<string, unknown> = {
      phone: number,
      first_name: `Created${n}`,
      last_name: 'Matrix',
      ...(c.target ? { sfd_id: sfdIdOf(c.target) } : {}),
      ...(coll === 'clients'
        ? {}
        : { email: `matrix.created.${n}@test.tontiflex`, password: 'a-long-enough-password' }),
    };
    const res = await call('post', `/api/accounts/${coll}/`, token, body);
    if (c.expected !== 201) {
      expectRefusal(res, c.expected, [number]);
      if (c.expected === 400) expect(Object.keys(res.body.errors ?? {})).toEqual(['sfd_id']);
      expect(await t.deps.db.manager.countBy(User, { phone: number })).toBe(0);
      return;
    }
    // Staff of an SFD create inside it whatever the body says; the platform admin where it says.
    const sfdId = !sfdScoped(coll) ? null : c.actor.sfd ? actorSfdId : sfdIdOf(c.target);
    expect(res.status).toBe(201);
    expectUserDto(res.body, { role: MEMBER_ROLE[coll], sfdId });
    expect(res.body.phone).toBe(number);
    const row = await t.deps.db.manager.findOneByOrFail(User, { phone: number });
    expect({ id: row.id, role: row.role, sfdId: row.sfdId, status: row.status }).toEqual({
      id: res.body.id,
      role: MEMBER_ROLE[coll],
      sfdId,
      status: 'active',
    });
    return;
  }

  const target = c.op === 'get' ? readTargets.get(readKey(coll, c.target))! : freshUsers.get(c.name)!;
  const before = await stored(target.id);
  const newName = `Patched${++seq}`;
  const res = await call(
    METHOD[c.op],
    itemPath(coll, c.op, target.id),
    token,
    c.op === 'patch' ? { first_name: newName } : undefined,
  );
  if (c.expected !== 200) {
    expectRefusal(res, c.expected, [target.phone, target.email, target.firstName, target.lastName]);
    expect(await stored(target.id)).toEqual(before);
    return;
  }
  expect(res.status).toBe(200);
  expectUserDto(res.body, target);
  const after = await stored(target.id);
  switch (c.op) {
    case 'get':
      expect(res.body.phone).toBe(target.phone);
      expect(after).toEqual(before);
      break;
    case 'patch':
      expect(res.body.first_name).toBe(newName);
      expect(after).toEqual({ ...before, firstName: newName });
      break;
    case 'suspend':
      expect(before.status).toBe('active');
      expect(res.body.status).toBe('suspended');
      expect(after).toEqual({ ...before, status: 'suspended' });
      break;
    case 'reactivate':
      expect(before.status).toBe('suspended');
      expect(res.body.status).toBe('active');
      expect(after).toEqual({ ...before, status: 'active' });
      break;
  }
}

async function storedSfd(id: number) {
  const row = await t.deps.db.manager.findOneByOrFail(Sfd, { id });
  return { status: row.status, city: row.city, name: row.name };
}

async function runSfdCase(c: Case) {
  const token = tokens.get(c.actor.key)!;

  if (c.op === 'list') {
    const { first, results } = await listAll('/api/accounts/sfds/', token);
    if (c.expected !== 200) return expectRefusal(first, c.expected, [sfds.A.code, sfds.B.code]);
    const ids = results.map((r) => r.id as number).sort((a, b) => a - b);
    if (c.actor.sfd) {
      expect(ids).toEqual([sfds[c.actor.sfd].id]);
    } else {
      const every = (await t.deps.db.manager.find(Sfd)).map((s) => s.id).sort((a, b) => a - b);
      expect(ids).toEqual(every);
    }
    return;
  }

  if (c.op === 'create') {
    const code = `NEW${++seq}`;
    const res = await call('post', '/api/accounts/sfds/', token, {
      name: `SFD ${code}`,
      code,
      city: 'Parakou',
      phone: phone(),
    });
    if (c.expected !== 201) {
      expectRefusal(res, c.expected, [code]);
      expect(await t.deps.db.manager.countBy(Sfd, { code })).toBe(0);
      return;
    }
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ code, city: 'Parakou', status: 'active' });
    expect(await t.deps.db.manager.countBy(Sfd, { code })).toBe(1);
    return;
  }

  const target = freshSfds.get(c.name) ?? sfds[c.target!];
  const before = await storedSfd(target.id);
  const city = `City${++seq}`;
  const res = await call(
    METHOD[c.op],
    itemPath('sfds', c.op, target.id),
    token,
    c.op === 'patch' ? { city } : undefined,
  );
  if (c.expected !== 200) {
    expectRefusal(res, c.expected, [target.code, target.name]);
    expect(await storedSfd(target.id)).toEqual(before);
    return;
  }
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ id: target.id, code: target.code });
  const after = await storedSfd(target.id);
  switch (c.op) {
    case 'get':
      expect(after).toEqual(before);
      break;
    case 'patch':
      expect(res.body.city).toBe(city);
      expect(after).toEqual({ ...before, city });
      break;
    case 'suspend':
    case 'reactivate': {
      const status = c.op === 'suspend' ? 'suspended' : 'active';
      expect(before.status).toBe(c.op === 'suspend' ? 'active' : 'suspended');
      expect(res.body.status).toBe(status);
      expect(after).toEqual({ ...before, status });
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------------

describe('the matrix covers the whole accounts API', () => {
  it('every guarded route of the router is in the matrix, and every matrix route exists', () => {
    const pattern: Record<Op, string> = {
      list: '',
      create: '',
      get: '/:id',
      patch: '/:id',
      suspend: '/:id/suspend',
      reactivate: '/:id/reactivate',
    };
    const inMatrix = new Set(
      CASES.map((c) => `${METHOD[c.op].toUpperCase()} /api/accounts/${c.resource}${pattern[c.op]}`),
    );
    inMatrix.add('GET /api/accounts/me'); // every role, below
    const publicOrSession = [
      'POST /api/accounts/signup',
      'POST /api/accounts/signup/verify',
      'POST /api/accounts/login',
      'POST /api/accounts/login/verifier-otp',
      'POST /api/accounts/login/renvoyer-otp',
      'POST /api/accounts/token/refresh',
      'POST /api/accounts/logout',
      'POST /api/accounts/me/pin', // a client's own PIN: pin-change.test.ts
    ];
    // A decision workflow, with its own roles and states: kyc-decision.test.ts (401 below).
    const workflows = ['POST /api/accounts/clients/:id/valider-kyc'];
    // The routes the accounts module declares (and the app registers and documents).
    const routes = t.accounts.routes.map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(routes).toHaveLength(new Set(routes).size);
    expect(new Set(routes)).toEqual(new Set([...inMatrix, ...publicOrSession, ...workflows]));
    expect(inMatrix.size).toBe(RESOURCES.length * OPS.length + 1);
    expect(new Set([...CASES, ...ROLE_CASES].map((c) => c.name)).size).toBe(CASES.length + ROLE_CASES.length);
  });
});

describe.each(RESOURCES)('/api/accounts/%s/', (resource) => {
  it.each(CASES.filter((c) => c.resource === resource))('$name', async (c) => {
    if (c.resource === 'sfds') await runSfdCase(c);
    else await runUserCase(c as Case & { resource: Coll });
  });
});

describe('a record is reachable only through its own collection', () => {
  it.each(CROSS_CASES)('$name', async (c) => {
    const target = readTargets.get(readKey(c.recordColl, sfdScoped(c.recordColl) ? 'A' : null))!;
    const before = await stored(target.id);
    const res = await call(
      METHOD[c.op],
      itemPath(c.coll, c.op, target.id),
      tokens.get(c.actor.key),
      c.op === 'patch' ? { first_name: 'Hijacked' } : undefined,
    );
    expectRefusal(res, 404, [target.phone, target.email, target.firstName]);
    expect(await stored(target.id)).toEqual(before);
  });
});

describe('a role change never gives more than the caller manages', () => {
  it.each(ROLE_CASES)('$name', async (c) => {
    const target = freshUsers.get(c.name)!;
    const token = tokens.get(c.actor.key)!;
    const before = await stored(target.id);
    const res = await call('patch', itemPath(c.coll, 'patch', target.id), token, { role: c.newRole });
    if (c.expected === 400) {
      expectRefusal(res, 400, [target.phone, target.email, target.firstName]);
      expect(Object.keys(res.body.errors)).toEqual(['role']);
      expect(await stored(target.id)).toEqual(before);
      return;
    }
    expect(res.status).toBe(200);
    expectUserDto(res.body, { id: target.id, role: c.newRole, sfdId: target.sfdId });
    expect(await stored(target.id)).toEqual({ ...before, role: c.newRole });
    // The record has moved: found in its new collection, no longer in the old one.
    const moved = await call('get', itemPath(COLL_OF[c.newRole], 'get', target.id), token);
    expect(moved.status).toBe(200);
    expectRefusal(await call('get', itemPath(c.coll, 'get', target.id), token), 404);
  });
});

describe('/api/accounts/me/', () => {
  it.each(ACTORS)('gives $key its own record', async (actor) => {
    const user = actors.get(actor.key)!;
    const res = await call('get', '/api/accounts/me/', tokens.get(actor.key));
    expect(res.status).toBe(200);
    expectUserDto(res.body, user);
    expect(res.body).toMatchObject({ phone: user.phone, email: user.email, status: 'active' });
  });
});

describe('without a valid access token', () => {
  /** Every guarded route once; `{id}` is replaced by a real record's id. */
  const guarded = new Map<string, { method: Method; op: Op | null; path: string }>([
    ['GET /me/', { method: 'get', op: null, path: '/api/accounts/me/' }],
    ['POST /logout/', { method: 'post', op: null, path: '/api/accounts/logout/' }],
    [
      'POST /clients/{id}/valider-kyc/',
      { method: 'post', op: null, path: '/api/accounts/clients/{id}/valider-kyc/' },
    ],
  ]);
  for (const resource of RESOURCES) {
    for (const op of OPS) {
      const path = ITEM_OPS.includes(op)
        ? itemPath(resource, op, 0).replace('/0/', '/{id}/')
        : `/api/accounts/${resource}/`;
      guarded.set(`${METHOD[op].toUpperCase()} ${path.replace('/api/accounts', '')}`, {
        method: METHOD[op],
        op,
        path,
      });
    }
  }
  const cases = [...guarded].flatMap(([route, r]) => [
    { name: `${route} without a token -> 401`, ...r, token: undefined },
    { name: `${route} with a forged token -> 401`, ...r, token: 'not.a.jwt' },
  ]);

  it.each(cases)('$name', async ({ method, op, path, token }) => {
    const record = readTargets.get(readKey('clients', 'A'))!;
    const body = method === 'get' ? undefined : op === 'patch' ? { first_name: 'Anonymous' } : {};
    const before = await stored(record.id);
    const res = await call(method, path.replace('{id}', String(record.id)), token, body);
    expectRefusal(res, 401, [record.phone]);
    expect(await stored(record.id)).toEqual(before);
  });
});
