import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import fr from '../../../locales/fr/ussd.json';

/**
 * The session lives in Redis and the clients in MySQL, not in a process: two gateway processes behind a
 * load balancer can each answer any hop. Two built gateways (`node dist/src/main.js`) share one database
 * and one Redis db; a whole registration alternates between them, hop by hop.
 */
const root = resolve(__dirname, '../../..');
const embedded = process.env.TEST_EMBEDDED === '1';
const mysqlBase = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const redisBase = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE = 'tontiflex_twoproc';
const REDIS_URL = `${redisBase}/14`;
const STARTUP_BOUND_MS = 30_000;

jest.setTimeout(90_000);

interface Gateway {
  name: string;
  port: number;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

interface Answer {
  status: number;
  type: string;
  body: string;
}

const env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  MYSQL_URL: `${mysqlBase}/${DATABASE}`,
  REDIS_URL,
  DEMO_MODE: 'true', // no secrets needed; SMS go to the console
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
};

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

function startGateway(name: string, port: number): Gateway {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: root,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  return { name, port, child, output: () => out, exited };
}

function http(port: number, method: string, path: string, form?: Record<string, string>): Promise<Answer> {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return new Promise((resolveAnswer, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        timeout: 5_000,
        headers: body
          ? {
              'content-type': 'application/x-www-form-urlencoded',
              'content-length': Buffer.byteLength(body),
            }
          : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolveAnswer({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            body: text,
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitReady(gw: Gateway): Promise<void> {
  const started = Date.now();
  let exit: number | null | undefined;
  void gw.exited.then((code) => (exit = code));
  while (Date.now() - started < STARTUP_BOUND_MS) {
    if (exit !== undefined) throw new Error(`${gw.name} exited (${exit}) before answering:\n${gw.output()}`);
    const res = await http(gw.port, 'GET', '/readyz').catch(() => null);
    if (res?.status === 200) return;
    await sleep(100);
  }
  throw new Error(`${gw.name}: no 200 from /readyz within ${STARTUP_BOUND_MS} ms:\n${gw.output()}`);
}

/** A screen as the engine renders it: lines, then the navigation footer unless it is a root screen. */
const screen = (...lines: string[]) => `CON ${[...lines, fr.common.footer].join('\n')}`;

const SKIPPED =
  'skipped: TEST_EMBEDDED=1 keeps sessions and data inside one process, so two processes cannot ' +
  'share them; run this file without TEST_EMBEDDED, against MySQL + Redis';

if (embedded) {
  console.warn(`two-processes.test.ts ${SKIPPED}`);
}

(embedded ? describe.skip : describe)(
  embedded ? `two gateway processes (${SKIPPED})` : 'two gateway processes',
  () => {
    const gateways: Gateway[] = [];

    beforeAll(async () => {
      try {
        execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, timeout: 120_000, stdio: 'pipe' });
      } catch (err) {
        const { stdout, stderr } = err as { stdout?: Buffer; stderr?: Buffer };
        throw new Error(`npm run build failed:\n${String(stdout ?? '')}${String(stderr ?? '')}`);
      }
      const conn = await createConnection(`${mysqlBase}/`);
      await conn.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
      await conn.query(`CREATE DATABASE \`${DATABASE}\` CHARACTER SET utf8mb4`);
      await conn.end();
      const redis = new Redis(REDIS_URL, { lazyConnect: true });
      await redis.connect();
      await redis.flushdb();
      await redis.quit();
      // Migrations and the demo SFDs, before either gateway starts (so they never migrate at once).
      const seed = await promisify(execFile)(process.execPath, ['dist/src/cli/seed.js'], {
        cwd: root,
        env,
        timeout: 60_000,
      });
      expect(seed.stdout).toMatch(/demo data: \d+ user\(s\) created/);

      gateways.push(startGateway('A', await freePort()), startGateway('B', await freePort()));
      await Promise.all(gateways.map(waitReady));
    }, 180_000);

    afterAll(async () => {
      for (const gw of gateways) gw.child.kill('SIGTERM');
      await Promise.all(
        gateways.map(async (gw) => {
          const force = setTimeout(() => gw.child.kill('SIGKILL'), 10_000);
          await gw.exited;
          clearTimeout(force);
        }),
      );
    });

    it('serve alternate hops of one session correctly', async () => {
      const phoneNumber = '+2290166123456';
      /** One conversation; hop i goes to gateway (first + i) % 2. */
      const conversation = (first: number) => {
        const sessionId = `ATUid_${randomUUID()}`;
        const inputs: string[] = [];
        let hop = 0;
        const send = async (input: string | null) => {
          if (input !== null) inputs.push(input);
          const gw = gateways[(first + hop++) % 2];
          const res = await http(gw.port, 'POST', '/ussd', {
            sessionId,
            serviceCode: '*123#',
            phoneNumber,
            networkCode: '61603',
            text: inputs.join('*'),
          });
          expect({ status: res.status, type: res.type }).toEqual({
            status: 200,
            type: expect.stringMatching(/^text\/plain/),
          });
          return { via: gw.name, body: res.body };
        };
        return { dial: () => send(null), send };
      };

      const reg = conversation(0);
      expect(await reg.dial()).toEqual({ via: 'A', body: `CON ${fr.registration.welcome}` });
      expect(await reg.send('1')).toEqual({ via: 'B', body: screen(fr.registration.last_name) });
      expect(await reg.send('Dossou')).toEqual({ via: 'A', body: screen(fr.registration.first_name) });
      expect(await reg.send('Afi')).toEqual({
        via: 'B',
        body: screen(fr.registration.sfd, '1. Caisse Solidaire de Cotonou', '2. Mutuelle Atlantique'),
      });
      expect(await reg.send('1')).toEqual({ via: 'A', body: screen(fr.registration.id_number) });
      expect(await reg.send('1')).toEqual({ via: 'B', body: screen(fr.registration.pin) });
      expect(await reg.send('5820')).toEqual({ via: 'A', body: screen(fr.registration.pin_confirm) });
      expect(await reg.send('5820')).toEqual({
        via: 'B',
        body: `END ${fr.registration.done.replace('{{firstName}}', 'Afi')}`,
      });

      // The client now exists for both processes: a new session starts on the other one.
      const again = conversation(0);
      expect(await again.dial()).toEqual({ via: 'A', body: `CON ${fr.main.menu}` });
      expect(await again.send('6')).toEqual({ via: 'B', body: screen(fr.account.menu) });
      expect(await again.send('4')).toEqual({
        via: 'A',
        body: screen('Afi Dossou', 'SFD: Caisse Solidaire de Cotonou', `Identite: ${fr.kyc.pending}`),
      });

      for (const gw of gateways) expect(gw.output()).not.toMatch(/"level":(50|60)/); // no error logged
    });
  },
);
