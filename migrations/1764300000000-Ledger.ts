import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTable, fk, index, timestamps, unique } from '../src/infra/migration-dsl';

export class Ledger1764300000000 implements MigrationInterface {
  name = 'Ledger1764300000000';

  async up(qr: QueryRunner): Promise<void> {
    await createTable(
      qr,
      'ledger_accounts',
      [
        col.id(),
        col.string('code', 64),
        col.string('kind', 32),
        col.ref('sfd_id', true),
        col.ref('owner_id', true),
        col.money('balance', 0),
        col.bool('may_go_negative', false),
        ...timestamps(),
      ],
      {
        indices: [unique('ledger_accounts', 'code'), index('ledger_accounts', 'sfd_id', 'kind')],
        foreignKeys: [fk('sfd_id', 'sfds'), fk('owner_id', 'users')],
      },
    );
    await createTable(
      qr,
      'journal_entries',
      [
        col.id(),
        col.string('idem_key', 191),
        col.string('kind', 32),
        col.string('ref_type', 32, true),
        col.string('ref_id', 64, true),
        col.ref('sfd_id', true),
        col.ref('actor_id', true),
        col.string('lines_hash', 64),
        col.datetime('created_at'),
      ],
      {
        indices: [unique('journal_entries', 'idem_key'), index('journal_entries', 'ref_type', 'ref_id')],
        foreignKeys: [fk('sfd_id', 'sfds')],
      },
    );
    await createTable(
      qr,
      'postings',
      [col.id(), col.ref('entry_id'), col.ref('account_id'), col.money('amount'), col.datetime('created_at')],
      {
        indices: [index('postings', 'account_id', 'id'), index('postings', 'entry_id')],
        foreignKeys: [fk('entry_id', 'journal_entries'), fk('account_id', 'ledger_accounts')],
      },
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const table of ['postings', 'journal_entries', 'ledger_accounts']) await qr.dropTable(table);
  }
}
