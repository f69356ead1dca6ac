import supertest from 'supertest';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import type { Deps } from '../../src/deps';
import type { KeyValueStore } from '../../src/infra/kv';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../helpers/factories';
import { expectProblem } from '../helpers/problem';

const BACK_OFFICE = 'https://backoffice.tontiflex.bj';
const AGENTS = 'https://agents.tontiflex.bj';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let t: TestApp;
let small: TestApp;

beforeAll(async () => {
  // Both apps share one database; each start empties it, so both start before any data is made.
  t = await startTestApp({ CORS_ORIGINS: `${BACK_OFFICE}, ${AGENTS}` });
  small = await startTestApp({ BODY_LIMIT: '1kb' });
});
afterAll(async () => {
  await small?.close();
  await t?.close();
});

/** The same app built on other dependencies, called in-process. */
function appWith(overrides: Partial<Deps>) {
  const { app } = createApp({ ...t.deps, ...overrides });
  return { app, request: supertest(app.callback()) };
}

/** `base` with some of its members replaced; everything else still reaches the real object. */
function replacing<T extends object>(base: T, members: Partial<Record<keyof T, unknown>>): T {
  return Object.create(
    base,
    Object.fromEntries(Object.entries(members).map(([k, value]) => [k, { value }])),
  ) as T;
}

describe('health', () => {
  it('answers /healthz with 200', async () => {
    const res = await t.request.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 and the state of each dependency', async () => {
    const res = await t.request.get('/readyz/');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', checks: { database: 'ok', store: 'ok' } });
  });

  it('answers /readyz with 503 when the store is down, and says which', async () => {
    const kv = replacing<KeyValueStore>(t.deps.kv, {
      ping: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
    });
    const res = await appWith({ kv }).request.get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'unavailable', checks: { database: 'ok', store: 'down' } });
    // The process itself still answers.
    expect((await appWith({ kv }).request.get('/healthz')).status).toBe(200);
  });

  it('answers /readyz with 503 when the database is down, or when the store hangs', async () => {
    const db = replacing<DataSource>(t.deps.db, { query: () => Promise.reject(new Error('gone away')) });
    const dbDown = await appWith({ db }).request.get('/readyz');
    expect(dbDown.status).toBe(503);
    expect(dbDown.body.checks).toEqual({ database: 'down', store: 'ok' });

    const kv = replacing<KeyValueStore>(t.deps.kv, { ping: () => new Promise<void>(() => undefined) });
    const started = Date.now();
    const hung = await appWith({ kv }).request.get('/readyz');
    expect(hung.status).toBe(503);
    expect(hung.body.checks).toEqual({ database: 'ok', store: 'down' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('errors are RFC 7807 problems', () => {
  it('answers an unknown route with 404 problem+json', async () => {
    const res = await t.request.get('/nowhere');
    expectProblem(res, 404, 'not-found');
    expect(res.body.instance).toBe('/nowhere');

    const sfd = await makeSfd(t, 'HTTP');
    const access = await tokenFor(t, await makeUser(t, 'agent_sfd', sfd));
    const api = await t.request.get('/api/accounts/nowhere/').set('Authorization', `Bearer ${access}`);
    expectProblem(api, 404);
  });

  it('answers a method a route does not take with 405 problem+json and an Allow header', async () => {
    const res = await t.request.delete('/api/accounts/sfds/');
    expectProblem(res, 405, 'method-not-allowed');
    expect(res.headers.allow).toContain('GET');
    expect(res.headers.allow).toContain('POST');
  });

  it('answers a body over BODY_LIMIT with 413 problem+json', async () => {
    const big = { email: 'awa@example.bj', password: 'x'.repeat(2048) };
    const res = await small.request.post('/api/accounts/login').send(big);
    expectProblem(res, 413, 'payload-too-large');
    const form = await small.request
      .post('/api/accounts/login')
      .type('form')
      .send({ email: 'awa@example.bj', password: 'y'.repeat(2048) });
    expectProblem(form, 413);
    // Under the limit, the same request reaches the login (and fails there, as it should).
    const fits = await small.request
      .post('/api/accounts/login')
      .send({ email: 'awa@example.bj', password: 'x' });
    expectProblem(fits, 401);
    // Under the default limit the big body is read, and judged on its content instead.
    const read = await t.request.post('/api/accounts/login').send(big);
    expectProblem(read, 400);
    expect(Object.keys(read.body.errors)).toEqual(['password']);
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const res = await t.request
      .post('/api/accounts/login')
      .set('Content-Type', 'application/json')
      .send('{"email": "awa@example.bj", ');
    expectProblem(res, 400, 'bad-request');
    expect(JSON.stringify(res.body)).not.toMatch(/\n\s+at /);
  });

  it('answers an internal error with 500 problem+json that tells nothing of the error, and reports it', async () => {
    const sfd = await makeSfd(t, 'BOOM');
    const access = await tokenFor(t, await makeUser(t, 'agent_sfd', sfd));
    const secret = 'connect ECONNREFUSED 10.20.30.40:3306 user=tontiflex_rw';
    const manager = replacing(t.deps.db.manager, {
      findOne: () => Promise.reject(new Error(secret)),
    });
    const db = replacing<DataSource>(t.deps.db, { manager });
    const { app, request } = appWith({ db });
    const reported: unknown[] = [];
    app.on('error', (err: unknown) => reported.push(err));

    const res = await request.get('/api/accounts/me').set('Authorization', `Bearer ${access}`);
    expectProblem(res, 500);
    expect(res.body).toEqual({
      type: 'https://tontiflex.app/problems/internal',
      title: 'Erreur interne',
      status: 500,
      detail: 'Erreur interne',
      instance: '/api/accounts/me',
      request_id: res.headers['x-request-id'],
    });
    expect(res.text).not.toMatch(/ECONNREFUSED|10\.20\.30\.40|tontiflex_rw|Error|\bat\s+\S+\s+\(/);
    expect(reported).toEqual([expect.objectContaining({ message: secret })]);
  });
});

describe('security headers', () => {
  it('sets helmet headers on answers and on problems alike, and no X-Powered-By', async () => {
    for (const res of [await t.request.get('/healthz'), await t.request.get('/nowhere')]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });
});

describe('request ids', () => {
  it('echoes a sane X-Request-Id in the header and in problems', async () => {
    const id = 'gw-2024.11_30-ABCdef0123';
    const ok = await t.request.get('/healthz').set('X-Request-Id', id);
    expect(ok.headers['x-request-id']).toBe(id);
    const problem = await t.request.get('/nowhere').set('X-Request-Id', id);
    expect(problem.headers['x-request-id']).toBe(id);
    expect(problem.body.request_id).toBe(id);
  });

  it('generates a fresh one when none is given or the given one is not sane', async () => {
    const seen = new Set<string>();
    for (const given of [
      undefined,
      'short',
      'has spaces in it',
      'x'.repeat(65),
      '<script>alert(1)</script>',
    ]) {
      const req = t.request.get('/nowhere');
      const res = await (given === undefined ? req : req.set('X-Request-Id', given));
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(res.body.request_id).toBe(res.headers['x-request-id']);
      seen.add(res.headers['x-request-id']);
    }
    expect(seen.size).toBe(5);
  });
});

describe('language of problems', () => {
  it('speaks French by default and English when asked', async () => {
    expect((await t.request.get('/nowhere')).body.title).toBe('Ressource introuvable');
    expect((await t.request.get('/nowhere').set('Accept-Language', 'de-DE')).body.title).toBe(
      'Ressource introuvable',
    );
    for (const lang of ['en', 'en-GB,en;q=0.9,fr;q=0.8']) {
      expect((await t.request.get('/nowhere').set('Accept-Language', lang)).body.title).toBe(
        'Resource not found',
      );
    }
  });

  it('translates the field messages too', async () => {
    const body = { phone: '12', first_name: 'Awa', last_name: 'Houngbo', sfd_id: 1, pin: '5820' };
    const fr = await t.request.post('/api/accounts/signup').send(body);
    expect(fr.body).toMatchObject({
      title: 'Donnees invalides',
      errors: { phone: ['Numero de telephone invalide'] },
    });
    const en = await t.request.post('/api/accounts/signup').set('Accept-Language', 'en').send(body);
    expect(en.body).toMatchObject({ title: 'Invalid data', errors: { phone: ['Invalid phone number'] } });
  });
});

describe('CORS', () => {
  it('echoes an origin listed in CORS_ORIGINS, on answers and on problems', async () => {
    for (const origin of [BACK_OFFICE, AGENTS]) {
      const res = await t.request.get('/healthz').set('Origin', origin);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
      expect(res.headers.vary).toMatch(/Origin/);
    }
    // A browser must be able to read the 401 to know it should log in again.
    const denied = await t.request.get('/api/accounts/me').set('Origin', BACK_OFFICE);
    expectProblem(denied, 401);
    expect(denied.headers['access-control-allow-origin']).toBe(BACK_OFFICE);
  });

  it('answers a preflight from a listed origin', async () => {
    const res = await t.request
      .options('/api/accounts/login')
      .set('Origin', BACK_OFFICE)
      .set('Access-Control-Request-Method', 'PATCH')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(BACK_OFFICE);
    expect(res.headers['access-control-allow-methods']).toMatch(/PATCH/);
  });

  it('does not echo any other origin, nor a wildcard', async () => {
    for (const origin of ['https://evil.example', 'https://backoffice.tontiflex.bj.evil.example', 'null']) {
      const res = await t.request.get('/healthz').set('Origin', origin);
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await t.request
        .options('/api/accounts/login')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    }
    // Without CORS_ORIGINS, no origin at all is allowed.
    const none = await small.request.get('/healthz').set('Origin', BACK_OFFICE);
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('pagination links', () => {
  it('are built from PUBLIC_BASE_URL, never from Host or X-Forwarded-Host (TRUST_PROXY is on)', async () => {
    for (const code of ['PGA', 'PGB', 'PGC']) await makeSfd(t, code);
    const access = await tokenFor(t, await makeUser(t, 'admin_plateforme', null));
    const base = t.config.PUBLIC_BASE_URL;
    const spoofs: Record<string, string>[] = [
      {},
      { Host: 'evil.example' },
      { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https' },
      { Host: 'evil.example:8443', 'X-Forwarded-Host': 'other.evil.example' },
    ];
    for (const headers of spoofs) {
      const res = await t.request
        .get('/api/accounts/sfds/?page=2&page_size=1')
        .set('Authorization', `Bearer ${access}`)
        .set(headers);
      expect(res.status).toBe(200);
      expect(res.body.count).toBeGreaterThanOrEqual(3);
      expect(res.body.next).toBe(`${base}/api/accounts/sfds?page=3&page_size=1`);
      expect(res.body.previous).toBe(`${base}/api/accounts/sfds?page=1&page_size=1`);
      expect(JSON.stringify(res.body)).not.toContain('evil');
    }
  });
});
