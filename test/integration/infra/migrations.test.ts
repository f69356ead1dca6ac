import { startTestApp, type TestApp } from '../../helpers/app';

/** The newest migration goes down and up again on the test database (MySQL, or SQLite embedded). */
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

  it("index the users by SFD, role and registration time (the reminders' selection), reversibly", async () => {
    expect(await userIndexes()).toContain('ix_users__sfd_id_role_created_at');
    try {
      await t.deps.db.undoLastMigration();
      expect(await userIndexes()).not.toContain('ix_users__sfd_id_role_created_at');
    } finally {
      await t.deps.db.runMigrations();
    }
    expect(await userIndexes()).toContain('ix_users__sfd_id_role_created_at');
  });
});
