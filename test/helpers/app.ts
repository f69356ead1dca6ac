import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import type { Deps } from '../../src/deps';
import { ManualClock } from '../../src/infra/clock';
import { closeDeps } from '../../src/infra/open';
import { openDeps } from '../../src/modules';
import { createLogger } from '../../src/infra/logger';
import { checkLedger } from '../../src/ledger/check';
import type { Modules } from '../../src/modules';
import { startQueuedJobs } from '../../src/workers';
import { SmsOutbox } from '../../src/notifications/outbox';
import { Inbox } from './sms';

export const embedded = process.env.TEST_EMBEDDED === '1';
const worker = Number(process.env.JEST_WORKER_ID ?? '1');
const mysqlBase = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const redisBase = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestApp {
  deps: Deps;
  config: Config;
  clock: ManualClock;
  inbox: Inbox;
  server: Server;
  request: ReturnType<typeof supertest>;
  modules: Modules;
  accounts: Modules['accounts'];
  payments: Modules['payments'];
  notifications: Modules['notifications'];
  close(): Promise<void>;
}

/** The settings a test run uses: real MySQL + Redis by default, SQLite + memory with TEST_EMBEDDED=1. */
export async function testEnv(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123',
    DOCUMENT_KEY: 'ab'.repeat(32),
    DEMO_MODE: 'false',
    SMS_PROVIDER: 'console',
    PAYMENT_PROVIDER: 'simulator',
    PAYMENT_WEBHOOK_SECRET: 'test-webhook-secret-0123',
    TRUST_PROXY: 'true',
    // Callback tests post without a token; the token's own tests set one.
    ALLOW_UNAUTHENTICATED_CALLBACKS: 'true',
    // Tests send bursts of SMS: the provider's rate limit is the rate-limit test's business.
    SMS_RATE_PER_S: '1000',
  };
  if (embedded) {
    const dir = mkdtempSync(join(tmpdir(), 'tontiflex-test-'));
    env.SQLITE_PATH = join(dir, 'test.sqlite');
  } else {
    // One database per run and jest worker, so parallel files and concurrent runs never meet.
    const database = `tontiflex_test_${process.env.TEST_RUN_ID ?? 'local'}_w${worker}`;
    const conn = await createConnection(`${mysqlBase}/`);
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4`);
    await conn.end();
    env.MYSQL_URL = `${mysqlBase}/${database}`;
    // Redis dbs 1-12 (13-15 are the end-to-end tests'), spread by run so concurrent runs rarely meet.
    const runHash = [...(process.env.TEST_RUN_ID ?? '')].reduce(
      (h, c) => (h * 31 + c.charCodeAt(0)) % 9973,
      0,
    );
    env.REDIS_URL = `${redisBase}/${1 + ((runHash + worker) % 12)}`;
  }
  return { ...env, ...overrides };
}

/** Empties every table but the migration log, so each test file starts from nothing. */
async function truncateAll(deps: Deps) {
  const tables = deps.db.entityMetadatas.map((m) => m.tableName);
  if (deps.db.options.type === 'mysql') {
    await deps.db.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const table of tables) await deps.db.query(`TRUNCATE TABLE \`${table}\``);
    await deps.db.query('SET FOREIGN_KEY_CHECKS = 1');
  } else {
    for (const table of tables) await deps.db.query(`DELETE FROM "${table}"`);
  }
}

export interface TestAppOptions {
  /** 'provider': SMS go through the adapter the config names (an Africa's Talking stub), not the inbox. */
  sms?: 'inbox' | 'provider';
}

export async function startTestApp(
  overrides: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  // Listen first: the app must know its own address (providers call our webhook back over HTTP).
  const app: { handle?: (req: IncomingMessage, res: ServerResponse) => Promise<void> } = {};
  const server = createServer((req, res) => void app.handle?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // Each test app its own documents folder, removed on close.
  const documentsDir = mkdtempSync(join(tmpdir(), 'tontiflex-documents-'));
  const env = await testEnv({
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DOCUMENTS_DIR: documentsDir,
    ...overrides,
  });
  const config = loadConfig(env);
  const logger = createLogger(config.LOG_LEVEL);
  const opened = await openDeps(config, logger);
  const clock = new ManualClock(new Date());
  const inbox = new Inbox();
  const deps: Deps = { ...opened, clock, sms: options.sms === 'provider' ? opened.sms : inbox };
  deps.outbox = new SmsOutbox(deps); // stamped by the test's clock
  inbox.attach(deps.db);
  await truncateAll(deps);
  if (deps.kv.redis) await deps.kv.redis.flushdb();
  const built = createApp(deps);
  const { modules } = built;
  const { accounts, payments, notifications } = modules;
  app.handle = built.app.callback();
  // The queued jobs (SMS delivery) only: the tests run the periodic ones (sweep, reminders) themselves.
  startQueuedJobs(deps, modules.all);
  return {
    deps,
    config,
    clock,
    inbox,
    server,
    request: supertest(server),
    modules,
    accounts,
    payments,
    notifications,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const m of modules.all) await m.close?.();
      // Every integration test file ends by proving the ledger's invariants on what it left behind.
      const violations = await checkLedger(deps.db);
      await closeDeps(deps);
      if (env.SQLITE_PATH) rmSync(join(env.SQLITE_PATH, '..'), { recursive: true, force: true });
      rmSync(documentsDir, { recursive: true, force: true });
      if (violations.length > 0) throw new Error(`ledger invariants broken: ${JSON.stringify(violations)}`);
    },
  };
}
