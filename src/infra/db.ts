import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource } from 'typeorm';
import type { Config } from '../config';
import { accountsEntities } from '../accounts/entities';
import { ussdEntities } from '../ussd/entities';
import { migrations } from '../../migrations';

export const entities = [...accountsEntities, ...ussdEntities];

export function createDataSource(config: Pick<Config, 'MYSQL_URL' | 'SQLITE_PATH'>): DataSource {
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
      extra: { connectionLimit: 10 },
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

export async function openDatabase(config: Pick<Config, 'MYSQL_URL' | 'SQLITE_PATH'>): Promise<DataSource> {
  const ds = createDataSource(config);
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  return ds;
}
