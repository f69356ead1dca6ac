import { migrations } from '../../../migrations';
import { TontineCollection1765200000000 } from '../../../migrations/1765200000000-TontineCollection';
import { startTestApp, type TestApp } from '../../helpers/app';

/** The tontines migrations go down and up again, on MySQL or SQLite (TEST_EMBEDDED=1). */
describe('tontines migration', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const TABLES = [
    'tontines',
    'tontine_adhesions',
    'tontine_participants',
    'tontine_carnets',
    'tontine_cotisations',
    'tontine_retraits',
    'tontine_contestations',
    'tontine_versements',
  ];

  const describeTables = async () => {
    const qr = t.deps.db.createQueryRunner();
    try {
      const out: Record<string, string[]> = {};
      for (const name of TABLES) {
        const table = await qr.getTable(name);
        if (table)
          out[name] = table.indices.map((i) => `${i.isUnique ? 'uq' : 'ix'}:${i.columnNames.join(',')}`);
      }
      return out;
    } finally {
      await qr.release();
    }
  };

  it('creates the eight tables with their scoping indexes and uniques, and drops them all going down', async () => {
    const up = await describeTables();
    expect(Object.keys(up).sort()).toEqual([...TABLES].sort());
    expect(up.tontines).toContain('ix:sfd_id,status');
    expect(up.tontine_participants).toEqual(
      expect.arrayContaining(['uq:tontine_id,client_id', 'ix:sfd_id,status']),
    );
    expect(up.tontine_carnets).toContain('uq:participant_id,cycle');
    expect(up.tontine_cotisations).toEqual(
      expect.arrayContaining(['uq:collected_by,idempotency_key', 'ix:participant_id', 'ix:sfd_id,status']),
    );
    expect(up.tontine_retraits).toEqual(expect.arrayContaining(['ix:participant_id', 'ix:sfd_id,status']));
    expect(up.tontine_adhesions).toContain('ix:sfd_id,status');
    expect(up.tontine_participants).toContain('ix:sfd_id,status,last_contribution_at');
    expect(up.tontine_contestations).toEqual(
      expect.arrayContaining(['uq:cotisation_id', 'ix:sfd_id,status', 'ix:agent_id']),
    );
    expect(up.tontine_versements).toEqual(
      expect.arrayContaining(['uq:open_agent_id', 'ix:sfd_id,status', 'ix:agent_id,created_at']),
    );
    // Later modules' migrations go down first: back to the tontine collection migration as the newest.
    const later = migrations.length - 1 - migrations.indexOf(TontineCollection1765200000000);
    try {
      for (let i = 0; i < later; i++) await t.deps.db.undoLastMigration();
      // The collection migration: the participants lose the column and its index, the rest stays.
      await t.deps.db.undoLastMigration();
      const before = await describeTables();
      expect(Object.keys(before).sort()).toEqual(TABLES.slice(0, 6).sort());
      expect(before.tontine_participants).not.toContain('ix:sfd_id,status,last_contribution_at');
      await t.deps.db.undoLastMigration();
      expect(await describeTables()).toEqual({});
    } finally {
      await t.deps.db.runMigrations();
    }
    expect(await describeTables()).toEqual(up);
  });
});
