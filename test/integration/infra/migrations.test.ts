import { createConnection } from 'mysql2/promise';
import { migrations } from '../../../migrations';
import { openDatabase } from '../../../src/modules';
import { embedded, startTestApp, type TestApp } from '../../helpers/app';

/** The newest migrations go down and up again on the test database (MySQL, or SQLite embedded). */
describe('migrations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const userIndexes = async () => {
    const qr = t.deps.db.createQueryRunner();
    try {
      return ((await qr.getTable('users'))?.indices ?? []).map((i) => i.name);
    } finally {
      await qr.release();
    }
  };

  const outboxColumns = async () => {
    const qr = t.deps.db.createQueryRunner();
    try {
      return ((await qr.getTable('sms_outbox'))?.columns ?? []).map((c) => c.name);
    } finally {
      await qr.release();
    }
  };

  /** Undoes the migrations newer than the one whose name contains `part` (later modules add theirs). */
  const undoNewerThan = async (part: string) => {
    for (;;) {
      const [last] = (await t.deps.db.query(
        'SELECT name FROM migrations ORDER BY timestamp DESC LIMIT 1',
      )) as { name: string }[];
      if (!last || last.name.includes(part)) return;
      await t.deps.db.undoLastMigration();
    }
  };

  it("these migrations go down and up again: the outbox's sealed params, then the users' index", async () => {
    const sealed = ['template', 'params', 'secret_params_enc'];
    expect(await outboxColumns()).toEqual(expect.arrayContaining(sealed));
    expect(await userIndexes()).toContain('ix_users__sfd_id_role_created_at');
    try {
      await undoNewerThan('SmsOutboxSecrets');
      await t.deps.db.undoLastMigration();
      const columns = await outboxColumns();
      for (const name of sealed) expect(columns).not.toContain(name);
      await t.deps.db.undoLastMigration();
      expect(await userIndexes()).not.toContain('ix_users__sfd_id_role_created_at');
    } finally {
      await t.deps.db.runMigrations();
    }
    expect(await userIndexes()).toContain('ix_users__sfd_id_role_created_at');
    expect(await outboxColumns()).toEqual(expect.arrayContaining(sealed));
  });

  (embedded ? it.skip : it)(
    'lets processes that start at once on a new database take turns: each applies once',
    async () => {
      const base = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
      const database = `tontiflex_migrate_${process.pid}`;
      const admin = await createConnection(`${base}/`);
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
      try {
        const config = { MYSQL_URL: `${base}/${database}`, SQLITE_PATH: '' };
        const opened = await Promise.all([openDatabase(config), openDatabase(config), openDatabase(config)]);
        const [rows] = await admin.query(`SELECT name FROM \`${database}\`.migrations ORDER BY id`);
        expect((rows as { name: string }[]).map((r) => r.name)).toEqual(migrations.map((m) => m.name));
        await Promise.all(opened.map((ds) => ds.destroy()));
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
        await admin.end();
      }
    },
    60_000, // without turns, concurrent migrations wait on each other's table locks: a hang
  );
});
