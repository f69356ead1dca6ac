import { migrations } from '../../../migrations';
import { Loans1765500000000 } from '../../../migrations/1765500000000-Loans';
import { startTestApp, type TestApp } from '../../helpers/app';

/** The loans migration goes down and up again, on MySQL or SQLite (TEST_EMBEDDED=1). */
describe('loans migration', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const TABLES = [
    'loan_settings',
    'loan_applications',
    'loan_terms',
    'loan_guarantees',
    'loan_documents',
    'loans',
    'loan_instalments',
    'loan_penalties',
    'loan_payments',
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

  it('creates the nine tables with their scoping indexes and uniques, and drops them all going down', async () => {
    const up = await describeTables();
    expect(Object.keys(up).sort()).toEqual([...TABLES].sort());
    expect(up.loan_applications).toEqual(expect.arrayContaining(['uq:open_client_id', 'ix:sfd_id,status']));
    expect(up.loan_terms).toContain('uq:application_id');
    expect(up.loans).toEqual(
      expect.arrayContaining(['uq:application_id', 'ix:sfd_id,status', 'ix:client_id']),
    );
    expect(up.loan_instalments).toEqual(
      expect.arrayContaining(['uq:loan_id,n', 'ix:status,due_date', 'ix:sfd_id,due_date']),
    );
    expect(up.loan_penalties).toContain('uq:instalment_id,day');
    expect(up.loan_payments).toEqual(
      expect.arrayContaining(['uq:collected_by,idempotency_key', 'ix:sfd_id,status', 'uq:payment_reference']),
    );
    const later = migrations.length - 1 - migrations.indexOf(Loans1765500000000);
    try {
      for (let i = 0; i < later; i++) await t.deps.db.undoLastMigration();
      await t.deps.db.undoLastMigration();
      expect(await describeTables()).toEqual({});
    } finally {
      await t.deps.db.runMigrations();
    }
    expect(await describeTables()).toEqual(up);
  });
});
