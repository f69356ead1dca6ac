import supertest from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../../src/app';
import { createDataSource } from '../../../src/modules';
import { connectRedis, RedisStore, type KeyValueStore } from '../../../src/infra/kv';
import { UssdSessionLog } from '../../../src/ussd/entities';
import { embedded, startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, phone } from '../../helpers/factories';
import { FreezableProxy } from '../../helpers/freezable-proxy';
import { Phone } from '../../helpers/ussd';

const APOLOGY = 'END Service momentanement indisponible, reessayez.';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ USSD_HOP_BUDGET_MS: '600' });
  await makeSfd(t, 'RES');
});
afterAll(() => t.close());

/** The same app with one dependency replaced, served on its own. */
function appWith(replace: Partial<TestApp['deps']>) {
  const { app } = createApp({ ...t.deps, ...replace });
  return { request: supertest(app.callback()) };
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const result = await work();
  return [result, Date.now() - started];
}

describe('a store or database outage', () => {
  it('answers the localized END within the hop budget when Redis does not answer', async () => {
    if (embedded) {
      // Embedded mode has no Redis; the in-process store cannot be down. Use a failing store instead.
      const failing: KeyValueStore = Object.assign(Object.create(t.deps.kv) as KeyValueStore, {
        mget: () => Promise.reject(new Error('store down')),
      });
      expect(await new Phone(appWith({ kv: failing }), phone()).dial()).toBe(APOLOGY);
      return;
    }
    const proxy = new FreezableProxy('127.0.0.1', 6379);
    const port = await proxy.listen();
    const redis = await connectRedis(`redis://127.0.0.1:${port}`);
    redis.on('error', () => undefined);
    const kv = new RedisStore(redis);
    try {
      await kv.ping();
      const p = new Phone(appWith({ kv }), phone());
      expect(await p.dial()).toMatch(/^CON Bienvenue sur TontiFlex/);
      proxy.frozen = true;
      const [reply, ms] = await timed(() => p.send('1'));
      expect(reply).toBe(APOLOGY);
      expect(ms).toBeLessThan(3000);
      // Redis refusing connections outright (closed port) gives the same answer.
      proxy.frozen = false;
      await proxy.close();
      const [closed] = await timed(() => new Phone(appWith({ kv }), phone()).dial());
      expect(closed).toBe(APOLOGY);
    } finally {
      redis.disconnect();
      await proxy.close();
    }
  });

  it('answers the localized END within the hop budget when MySQL does not answer', async () => {
    let db: DataSource;
    let proxy: FreezableProxy | undefined;
    if (embedded) {
      db = createDataSource({ SQLITE_PATH: ':memory:' });
      await db.initialize();
      await db.destroy(); // every query now fails
    } else {
      proxy = new FreezableProxy('127.0.0.1', 3306);
      const port = await proxy.listen();
      db = createDataSource({
        MYSQL_URL: t.config.MYSQL_URL?.replace(':3306/', `:${port}/`),
        SQLITE_PATH: '',
      });
      await db.initialize();
      proxy.frozen = true;
    }
    try {
      const known = await makeUser(t, 'client', await makeSfd(t, 'DWN'));
      const [reply, ms] = await timed(() => new Phone(appWith({ db }), known.phone).dial());
      expect(reply).toBe(APOLOGY);
      expect(ms).toBeLessThan(3000);
    } finally {
      await proxy?.close();
      if (db.isInitialized) await db.destroy().catch(() => undefined);
    }
  });
});

describe('callback authentication', () => {
  it('refuses callbacks without USSD_CALLBACK_TOKEN when it is set: /ussd with an END, /ussd/events 403', async () => {
    const guarded = await startTestApp({ USSD_CALLBACK_TOKEN: 'at-callback-secret' });
    try {
      const form = {
        sessionId: 'S1',
        serviceCode: '*123#',
        phoneNumber: phone(),
        networkCode: '61603',
        text: '',
      };
      // Africa's Talking needs a 200 to show anything: the hop is refused with an END (callbacks.test.ts).
      for (const path of ['/ussd', '/ussd?token=wrong-secret']) {
        const refused = await guarded.request.post(path).type('form').send(form);
        expect(refused.status).toBe(200);
        expect(refused.text).toBe('END Une erreur est survenue. Reessayez plus tard.');
      }
      expect(await guarded.deps.kv.get('ussd:s:S1')).toBeNull();
      const events = await guarded.request.post('/ussd/events').type('form').send({ sessionId: 'S1' });
      expect(events.status).toBe(403);
      const ok = await guarded.request.post('/ussd?token=at-callback-secret').type('form').send(form);
      expect(ok.status).toBe(200);
      expect(ok.text).toMatch(/^CON /);
      const byHeader = await guarded.request
        .post('/ussd/events')
        .set('X-Callback-Token', 'at-callback-secret')
        .type('form')
        .send({ sessionId: 'S1', phoneNumber: form.phoneNumber, status: 'Success' });
      expect(byHeader.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('answers a malformed callback with an END, never an HTTP error', async () => {
    const res = await t.request.post('/ussd').type('form').send({ text: '1' });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^END /);
  });

  it('answers a body that is not a form with an END: only the form is read', async () => {
    const fields = { sessionId: 'ATUid_json', serviceCode: '*123#', phoneNumber: phone(), text: '' };
    const res = await t.request.post('/ussd').type('json').send(fields);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^END /);
    const form = await t.request.post('/ussd').type('form').send(fields);
    expect(form.text).toMatch(/^CON /);
  });
});

describe('end-of-session notification', () => {
  it('records the session (duration, hops, end status, last screen, flow) and frees it', async () => {
    const p = new Phone(t, phone());
    await p.dial();
    await p.sendAll('1', 'Houngbo');
    const res = await p.hangUp('Incomplete');
    expect(res.status).toBe(200);
    const row = await t.deps.db.manager.findOneByOrFail(UssdSessionLog, { sessionId: p.sessionId });
    expect(row).toMatchObject({ status: 'Incomplete', durationMs: 12000, hops: 3, flow: 'registration' });
    expect(row.phone).toBe(p.number);
    // A retried notification is accepted and recorded once.
    expect((await p.hangUp('Incomplete')).status).toBe(200);
    expect(await t.deps.db.manager.countBy(UssdSessionLog, { sessionId: p.sessionId })).toBe(1);
    expect(await t.deps.kv.get(`ussd:s:${p.sessionId}`)).toBeNull();
  });
});

describe('PIN secrecy', () => {
  it('never writes a PIN into the session store', async () => {
    const values: string[] = [];
    const spy: KeyValueStore = Object.assign(Object.create(t.deps.kv) as KeyValueStore, {
      batch: (sets: [string, string, number][], dels?: string[]) => {
        values.push(...sets.map(([, v]) => v));
        return t.deps.kv.batch(sets, dels);
      },
      set: (key: string, value: string, ttl: number) => {
        values.push(value);
        return t.deps.kv.set(key, value, ttl);
      },
    });
    const p = new Phone(appWith({ kv: spy }), '+2290196000001');
    await p.dial();
    await p.sendAll('1', 'Houngbo', 'Awa', '1', '1', '7391', '7391');
    expect(values.length).toBeGreaterThan(5);
    for (const value of values) expect(value).not.toContain('7391');
  });
});
