import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';

/**
 * The built gateway as an operator runs it: `npm run build`, then `node dist/src/main.js` with nothing
 * but environment variables. Proves it starts, answers, seeds (or not), and stops cleanly on SIGTERM.
 */
const root = resolve(__dirname, '../..');
const embedded = process.env.TEST_EMBEDDED === '1';
const mysqlBase = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const redisBase = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DEMO_LOGIN = { email: 'admin@csc.demo', password: 'tontiflex-demo' };
const STARTUP_BOUND_MS = 30_000;
const STOP_BOUND_MS = 10_000;

jest.setTimeout(60_000);

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Proc {
  child: ChildProcess;
  port: number;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
}

interface Reply {
  status: number;
  text: string;
  json(): Record<string, unknown>;
}

const running = new Set<Proc>();
const tempDirs: string[] = [];

afterEach(() => {
  // A failed test must not leave its server behind: kill what this file started, by handle.
  for (const proc of running) proc.child.kill('SIGKILL');
  running.clear();
});
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

// dist/ is built once for the whole run by test/helpers/global-setup.ts.

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tontiflex-e2e-'));
  tempDirs.push(dir);
  return dir;
}

/** Only PATH is inherited: no MYSQL_URL, REDIS_URL, NODE_ENV ... leaks in from the test runner. */
function processEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env };
}

function start(env: Record<string, string>, port: number, script = 'dist/src/main.js'): Proc {
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: processEnv({ ...env, PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<Exit>((resolveExit) => {
    child.once('close', (code, signal) => {
      running.delete(proc);
      resolveExit({ code, signal });
    });
  });
  const proc: Proc = { child, port, stdout: () => out, stderr: () => err, exited };
  running.add(proc);
  return proc;
}

/** One HTTP exchange on a fresh connection (no keep-alive, so shutdown never waits on an idle socket). */
function http(port: number, method: string, path: string, body?: object): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        timeout: 5_000,
        headers: data
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }
          : {},
      },
      (res) => reply(res, resolveReply, reject),
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

function reply(res: IncomingMessage, done: (r: Reply) => void, fail: (e: Error) => void): void {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  res.on('error', fail);
  res.on('end', () =>
    done({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) as Record<string, unknown> }),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls /healthz until 200; fails if the process dies first or STARTUP_BOUND_MS pass. */
async function waitHealthy(proc: Proc): Promise<number> {
  const started = Date.now();
  let exit: Exit | undefined;
  void proc.exited.then((e) => (exit = e));
  while (Date.now() - started < STARTUP_BOUND_MS) {
    if (exit) {
      throw new Error(`server exited (${JSON.stringify(exit)}) before answering:\n${proc.stderr()}`);
    }
    const res = await http(proc.port, 'GET', '/healthz').catch(() => null);
    if (res?.status === 200) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`no 200 from /healthz within ${STARTUP_BOUND_MS} ms:\n${proc.stdout()}\n${proc.stderr()}`);
}

function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function waitForOutput(proc: Proc, pattern: RegExp, ms = 5_000): Promise<void> {
  const started = Date.now();
  while (!pattern.test(proc.stdout())) {
    if (Date.now() - started > ms) throw new Error(`no ${pattern} in stdout:\n${proc.stdout()}`);
    await sleep(20);
  }
}

/** SIGTERM, then the process must exit 0 within STOP_BOUND_MS. */
async function stop(proc: Proc): Promise<void> {
  proc.child.kill('SIGTERM');
  const exit = await within(proc.exited, STOP_BOUND_MS, 'exit after SIGTERM');
  // stderr rides along so a failure shows why the process did not exit cleanly.
  expect({ exit, stderr: proc.stderr() }).toEqual({
    exit: { code: 0, signal: null },
    stderr: expect.any(String),
  });
}

const login = (proc: Proc) => http(proc.port, 'POST', '/api/accounts/login/', DEMO_LOGIN);

/** A new MySQL database and an empty Redis database, and the settings of a production-like start. */
async function stackEnv(database: string, redisDb: number): Promise<Record<string, string>> {
  const conn = await createConnection(`${mysqlBase}/`);
  await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  await conn.end();
  const redisUrl = `${redisBase}/${redisDb}`;
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  await redis.flushdb(); // rate-limit counters and queues of an earlier run
  await redis.quit();
  return {
    MYSQL_URL: `${mysqlBase}/${database}`,
    REDIS_URL: redisUrl,
    DEMO_MODE: 'false',
    JWT_SECRET: 'e2e-secret-e2e-secret-e2e-secret-0123456789',
    DOCUMENT_KEY: 'cd'.repeat(32),
    SMS_PROVIDER: 'console',
    PAYMENT_PROVIDER: 'simulator',
    PAYMENT_WEBHOOK_SECRET: 'e2e-webhook-secret-0123',
    USSD_CALLBACK_TOKEN: 'e2e-ussd-callback-token',
    AT_CALLBACK_TOKEN: 'e2e-sms-callback-token',
    LOG_LEVEL: 'info',
  };
}

function embeddedEnv(): Record<string, string> {
  return { SQLITE_PATH: join(tempDir(), 'data', 'tontiflex.sqlite'), LOG_LEVEL: 'info' };
}

describe('node dist/src/main.js', () => {
  it('embedded: starts with no settings, seeds demo data, answers, and stops on SIGTERM', async () => {
    const env = embeddedEnv();
    const proc = start(env, await freePort());
    expect(await waitHealthy(proc)).toBeLessThan(STARTUP_BOUND_MS);
    expect(existsSync(env.SQLITE_PATH)).toBe(true);

    const ready = await http(proc.port, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', store: 'ok' } });

    const res = await login(proc);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      access: expect.any(String),
      refresh: expect.any(String),
      user: expect.objectContaining({ email: DEMO_LOGIN.email, role: 'admin_sfd' }),
    });
    expect(proc.stdout()).toContain('demo data seeded');

    // The start tells a newcomer where to go, once: the web phone, the API, the demo logins.
    await waitForOutput(proc, /web phone/);
    const whereToGo = proc
      .stdout()
      .split('\n')
      .filter((line) => line.includes('web phone'));
    expect(whereToGo).toHaveLength(1);
    expect(whereToGo[0]).toContain(`http://127.0.0.1:${proc.port}/simulator`);
    expect(whereToGo[0]).toContain(`http://127.0.0.1:${proc.port}/api/`);
    expect(whereToGo[0]).toContain('API docs: see README');
    expect(whereToGo[0]).toContain(DEMO_LOGIN.email);
    expect(whereToGo[0]).toContain('password: DEMO_PASSWORD (default tontiflex-demo)');

    // Error answers go through the translations, which only the built code loads from locales/.
    const wrong = await http(proc.port, 'POST', '/api/accounts/login/', {
      ...DEMO_LOGIN,
      password: 'wrong-password!',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toMatchObject({ status: 401, title: expect.any(String) });
    expect(wrong.json().title).not.toMatch(/^[a-z_]+$/);
    expect((await http(proc.port, 'GET', '/no/such/route')).status).toBe(404);

    await stop(proc);
    expect(proc.stdout()).toContain('"msg":"stopped"');
  });

  (embedded ? it.skip : it)('MySQL + Redis: ready, no demo data until the seed command runs', async () => {
    const env = await stackEnv('tontiflex_e2e', 15);
    const proc = start(env, await freePort());
    expect(await waitHealthy(proc)).toBeLessThan(STARTUP_BOUND_MS);
    const ready = await http(proc.port, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', store: 'ok' } });

    expect((await login(proc)).status).toBe(401);
    expect(proc.stdout()).not.toContain('demo data seeded');

    const seed = await promisify(execFile)(process.execPath, ['dist/src/cli/seed.js'], {
      cwd: root,
      env: processEnv(env),
      timeout: 30_000,
    });
    expect(seed.stdout).toMatch(/demo data: 7 user\(s\) created/);

    expect((await login(proc)).status).toBe(200);
    await stop(proc);
  });

  (embedded ? it.skip : it)(
    'RUN_WORKERS=false: the app queues SMS and sends none; `npm run worker` sends them and stops on SIGTERM',
    async () => {
      const env = await stackEnv('tontiflex_e2e_worker', 14);
      const app = start({ ...env, RUN_WORKERS: 'false' }, await freePort());
      await waitHealthy(app);
      const from = '+2290197123456';
      const help = { from, to: '12345', text: 'AIDE', id: 'e2e-inbound-1' };
      expect((await http(app.port, 'POST', '/sms/inbound?token=e2e-sms-callback-token', help)).status).toBe(
        200,
      );
      const conn = await createConnection(env.MYSQL_URL);
      try {
        const statuses = async () => {
          const [rows] = await conn.query('SELECT status FROM sms_outbox WHERE to_phone = ?', [from]);
          return (rows as { status: string }[]).map((r) => r.status);
        };
        await sleep(1500);
        expect(await statuses()).toEqual(['queued']); // the app runs no worker
        const worker = start(env, 0, 'dist/src/worker.js');
        await waitForOutput(worker, /TontiFlex worker running/, STARTUP_BOUND_MS);
        const until = Date.now() + 10_000;
        while ((await statuses())[0] !== 'sent' && Date.now() < until) await sleep(50);
        expect(await statuses()).toEqual(['sent']);
        await stop(worker);
        expect(worker.stdout()).toContain('"msg":"stopped"');
      } finally {
        await conn.end();
      }
      await stop(app);
    },
  );

  it('`npm run worker` refuses embedded mode: its queue would live in another process', async () => {
    const worker = start(embeddedEnv(), 0, 'dist/src/worker.js');
    const exit = await within(worker.exited, STOP_BOUND_MS, 'exit on embedded mode');
    expect(exit.code).toBe(78);
    expect(worker.stderr()).toMatch(/needs MYSQL_URL and REDIS_URL/);
  });

  it('refuses to start against MySQL without secrets, naming them on stderr', async () => {
    const proc = start({ MYSQL_URL: `${mysqlBase}/tontiflex_e2e`, LOG_LEVEL: 'info' }, await freePort());
    const exit = await within(proc.exited, STOP_BOUND_MS, 'exit on bad configuration');
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(proc.stderr()).toContain('JWT_SECRET');
    expect(proc.stderr()).toContain('DOCUMENT_KEY');
  });

  it('finishes an in-flight request after SIGTERM while refusing new connections', async () => {
    const proc = start(embeddedEnv(), await freePort());
    await waitHealthy(proc);

    // Expect: 100-continue makes the server confirm it has the request before the body is sent.
    const body = JSON.stringify(DEMO_LOGIN);
    const req = request({
      host: '127.0.0.1',
      port: proc.port,
      method: 'POST',
      path: '/api/accounts/login/',
      agent: false,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        expect: '100-continue',
      },
    });
    const continued = new Promise<void>((resolveContinue) => req.once('continue', () => resolveContinue()));
    const answered = new Promise<Reply>((resolveReply, reject) => {
      req.once('response', (res) => reply(res, resolveReply, reject));
      req.once('error', reject);
    });
    req.flushHeaders();
    await within(continued, 5_000, '100 Continue');

    proc.child.kill('SIGTERM');
    await waitForOutput(proc, /shutting down/);
    await expect(http(proc.port, 'GET', '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    req.end(body);
    const res = await within(answered, 5_000, 'in-flight response');
    expect(res.status).toBe(200);
    expect(res.json()).toHaveProperty('access');

    const exit = await within(proc.exited, STOP_BOUND_MS, 'exit after SIGTERM');
    expect({ exit, stderr: proc.stderr() }).toEqual({
      exit: { code: 0, signal: null },
      stderr: expect.any(String),
    });
  });
});
