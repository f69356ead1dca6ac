import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource } from 'typeorm';
import type { Config } from '../config';
import { migrations } from '../../migrations';

/** The modules' entity classes, given by the composition root (modules.ts): infra knows no module. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's entity classes
export type EntityList = readonly Function[];

export function createDataSource(
  config: Pick<Config, 'MYSQL_URL' | 'SQLITE_PATH'>,
  entityList: EntityList,
): DataSource {
  const entities = [...entityList];
  if (config.MYSQL_URL) {
    return new DataSource({
      type: 'mysql',
      url: config.MYSQL_URL.replace(/^mariadb:/, 'mysql:'),
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: true,
      entities,
      migrations,
      synchronize: false,
      // trace: mysql2 captures a stack trace for every query otherwise (6% of a contribution's CPU).
      extra: { connectionLimit: 10, trace: false },
    });
  }
  if (config.SQLITE_PATH !== ':memory:') mkdirSync(dirname(config.SQLITE_PATH), { recursive: true });
  return new DataSource({
    type: 'better-sqlite3',
    database: config.SQLITE_PATH,
    entities,
    migrations,
    synchronize: false,
    // WAL lets readers work during a write; foreign keys are off by default in SQLite.
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    },
  });
}

/**
 * SQLite (embedded mode) runs on one connection, where two transactions cannot be open at once: queue
 * them. MySQL gives each transaction its own pooled connection and needs nothing.
 */
function serializeTransactions(ds: DataSource): void {
  const manager = ds.manager;
  const original = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  let tail: Promise<unknown> = Promise.resolve();
  manager.transaction = ((...args: unknown[]) => {
    const run = tail.then(() => original(...args));
    tail = run.catch(() => undefined);
    return run;
  }) as typeof manager.transaction;
}

export async function openDatabase(
  config: Pick<Config, 'MYSQL_URL' | 'SQLITE_PATH'>,
  entities: EntityList,
): Promise<DataSource> {
  const ds = createDataSource(config, entities);
  await ds.initialize();
  if (config.MYSQL_URL) {
    await migrateUnderLock(ds);
  } else {
    serializeTransactions(ds);
    await ds.runMigrations({ transaction: 'each' });
  }
  return ds;
}

const MIGRATIONS_LOCK = 'tontiflex:migrations';
const MIGRATIONS_LOCK_WAIT_S = 120;

/**
 * Every process applies the pending migrations when it starts: app and worker processes started at
 * the same moment take turns (a MySQL named lock, held by one connection), and the later ones find
 * nothing left to do.
 */
async function migrateUnderLock(ds: DataSource): Promise<void> {
  const lock = ds.createQueryRunner();
  try {
    const [got] = (await lock.query('SELECT GET_LOCK(?, ?) AS got', [
      MIGRATIONS_LOCK,
      MIGRATIONS_LOCK_WAIT_S,
    ])) as { got: number | string | null }[];
    if (Number(got?.got) !== 1) {
      throw new Error(`another process held the migrations lock for ${MIGRATIONS_LOCK_WAIT_S} s`);
    }
    try {
      await ds.runMigrations({ transaction: 'each' });
    } finally {
      await lock.query('SELECT RELEASE_LOCK(?)', [MIGRATIONS_LOCK]);
    }
  } finally {
    await lock.release();
  }
}
