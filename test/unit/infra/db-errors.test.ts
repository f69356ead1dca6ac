import { createConnection } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { User } from '../../../src/accounts/entities';
import { openDatabase } from '../../../src/modules';
import { uniqueViolationField } from '../../../src/infra/db-errors';

const embedded = process.env.TEST_EMBEDDED === '1';
const mysqlBase = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const SCRATCH = 'tontiflex_scratch';

function user(phone: string, email: string | null) {
  const now = new Date();
  return {
    phone,
    email,
    firstName: 'Awa',
    lastName: 'Houngbo',
    role: 'client' as const,
    sfdId: null,
    status: 'active' as const,
    language: 'fr' as const,
    passwordHash: null,
    pinHash: null,
    kycStatus: 'pending' as const,
    phoneVerifiedAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** The error a second insert of a taken value raises, as the driver and TypeORM really shape it. */
async function duplicateError(db: DataSource, first: object, second: object): Promise<unknown> {
  await db.manager.insert(User, first);
  try {
    await db.manager.insert(User, second);
  } catch (err) {
    return err;
  }
  throw new Error('the duplicate insert succeeded');
}

/** Unique per run, so a scratch database left by an earlier run does not matter. */
const tag = `${Date.now() % 1e6}`.padStart(6, '0');
const phoneA = `+22901${tag}01`;
const phoneB = `+22901${tag}02`;

describe('uniqueViolationField', () => {
  it('is null for errors that are not unique violations', () => {
    expect(uniqueViolationField(new Error('boom'))).toBeNull();
    expect(uniqueViolationField(null)).toBeNull();
    expect(uniqueViolationField(undefined)).toBeNull();
    expect(uniqueViolationField({ driverError: { errno: 1452, message: 'foreign key' } })).toBeNull();
  });

  describe('SQLite (better-sqlite3 through TypeORM)', () => {
    let db: DataSource;
    beforeAll(async () => {
      db = await openDatabase({ MYSQL_URL: undefined, SQLITE_PATH: ':memory:' });
    });
    afterAll(() => db?.destroy());

    it('names phone for a duplicate phone', async () => {
      const err = await duplicateError(db, user(phoneA, null), user(phoneA, null));
      expect(uniqueViolationField(err)).toBe('phone');
    });

    it('names email for a duplicate email', async () => {
      const err = await duplicateError(db, user(phoneB, 'a@x.demo'), user(`${phoneB}9`, 'a@x.demo'));
      expect(uniqueViolationField(err)).toBe('email');
    });

    it('is null for a NOT NULL violation', async () => {
      const err = await db.manager
        .insert(User, { ...user(`${phoneA}9`, null), firstName: null as never })
        .then(
          () => new Error('the insert succeeded'),
          (e: unknown) => e,
        );
      expect((err as Error).message).toMatch(/NOT NULL/);
      expect(uniqueViolationField(err)).toBeNull();
    });
  });

  (embedded ? describe.skip : describe)('MySQL / MariaDB (mysql2 through TypeORM)', () => {
    let db: DataSource;
    beforeAll(async () => {
      const conn = await createConnection(`${mysqlBase}/`);
      await conn.query(`CREATE DATABASE IF NOT EXISTS \`${SCRATCH}\` CHARACTER SET utf8mb4`);
      await conn.end();
      db = await openDatabase({ MYSQL_URL: `${mysqlBase}/${SCRATCH}`, SQLITE_PATH: ':memory:' });
    });
    afterAll(async () => {
      await db?.query('DELETE FROM users WHERE phone IN (?, ?)', [phoneA, phoneB]);
      await db?.destroy();
    });

    it('names phone for a duplicate phone (key uq_users__phone), wrapped by TypeORM or bare', async () => {
      const err = await duplicateError(db, user(phoneA, null), user(phoneA, null));
      const driver = (err as { driverError: { errno: number; message: string } }).driverError;
      expect(driver.errno).toBe(1062);
      expect(driver.message).toMatch(/for key '(users\.)?uq_users__phone'/);
      expect(uniqueViolationField(err)).toBe('phone');
      expect(uniqueViolationField(driver)).toBe('phone');
      // MySQL 8 prefixes the table ('users.uq_users__phone'); MariaDB does not.
      const other = driver.message.includes("'users.")
        ? driver.message.replace("'users.uq_", "'uq_")
        : driver.message.replace("'uq_", "'users.uq_");
      expect(uniqueViolationField({ driverError: { ...driver, message: other } })).toBe('phone');
    });

    it('names email for a duplicate email', async () => {
      const email = `dup.${tag}@x.demo`;
      const err = await duplicateError(db, user(phoneB, email), user(`${phoneB}9`, email));
      expect(uniqueViolationField(err)).toBe('email');
    });
  });
});
