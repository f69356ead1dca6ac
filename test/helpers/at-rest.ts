import { MemoryStore } from '../../src/infra/kv';
import type { TestApp } from './app';

/** One stored value and where it rests: `table.column#row` or `key[field]`. */
export interface AtRest {
  where: string;
  value: string;
}

/**
 * Every value resting in the database: every column of every row of every table, the tables listed by
 * the database itself (so a table no entity maps, like the migration log, is read too).
 */
export async function databaseValues(t: TestApp): Promise<AtRest[]> {
  const db = t.deps.db;
  const mysql = db.options.type === 'mysql';
  const tables = (
    (await db.query(
      mysql
        ? 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()'
        : "SELECT name FROM sqlite_master WHERE type = 'table'",
    )) as { name: string }[]
  ).map((r) => r.name);
  const out: AtRest[] = [];
  for (const table of tables) {
    const rows = (await db.query(
      mysql ? `SELECT * FROM \`${table}\`` : `SELECT * FROM "${table}"`,
    )) as Record<string, unknown>[];
    rows.forEach((row, i) => {
      for (const [column, value] of Object.entries(row)) {
        if (value !== null && value !== undefined)
          out.push({ where: `${table}.${column}#${i}`, value: text(value) });
      }
    });
  }
  return out;
}

/**
 * Every value resting in the key-value store: each key and what it holds, whatever its type (BullMQ's
 * hashes, lists, sorted sets and streams included), by SCAN on Redis; the embedded store's entries.
 */
export async function storeValues(t: TestApp): Promise<AtRest[]> {
  const redis = t.deps.kv.redis;
  if (!redis) {
    if (!(t.deps.kv instanceof MemoryStore)) throw new Error('unknown key-value store');
    return t.deps.kv.entries().flatMap(([key, value]) => [
      { where: key, value: key },
      { where: key, value },
    ]);
  }
  const out: AtRest[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      out.push({ where: key, value: key });
      const type = await redis.type(key);
      const values: string[] =
        type === 'string'
          ? [(await redis.get(key)) ?? '']
          : type === 'hash'
            ? Object.entries(await redis.hgetall(key)).flat()
            : type === 'list'
              ? await redis.lrange(key, 0, -1)
              : type === 'set'
                ? await redis.smembers(key)
                : type === 'zset'
                  ? await redis.zrange(key, 0, -1, 'WITHSCORES')
                  : type === 'stream'
                    ? (await redis.xrange(key, '-', '+')).flatMap(([id, fields]) => [id, ...fields])
                    : []; // 'none': expired between SCAN and TYPE
      for (const value of values) out.push({ where: key, value });
    }
  } while (cursor !== '0');
  return out;
}

/**
 * Where `secret` appears as a whole word (not inside a longer run of letters and digits): how a code or
 * an ID number would sit in a text, a JSON value or a column of its own, while the same six digits
 * inside a phone number, a hex digest or a base64 token are chance, not a leak.
 */
export function whereFound(values: AtRest[], secret: string): string[] {
  const escaped = secret.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  const re = new RegExp(`(?<![0-9A-Za-z])${escaped}(?![0-9A-Za-z])`, 'i');
  return values.filter((v) => re.test(v.value)).map((v) => v.where);
}

function text(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value as string | number | boolean | bigint);
}
