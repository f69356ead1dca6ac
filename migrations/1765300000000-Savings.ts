import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTable, fk, index, timestamps, unique } from '../src/infra/migration-dsl';

/**
 * Savings: one account per client (its opening request, identity documents and fee), its deposits and
 * withdrawals, the holds on it (loan guarantees) and each SFD's opening fee.
 */
export class Savings1765300000000 implements MigrationInterface {
  name = 'Savings1765300000000';

  async up(qr: QueryRunner): Promise<void> {
    await createTable(
      qr,
      'savings_settings',
      [
        { ...col.ref('sfd_id'), isPrimary: true },
        col.money('opening_fee'),
        col.ref('updated_by', true),
        col.datetime('updated_at'),
      ],
      { foreignKeys: [fk('sfd_id', 'sfds'), fk('updated_by', 'users')] },
    );
    await createTable(
      qr,
      'savings_accounts',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('client_id'),
        // The client's id while the request is in progress or the account exists (null once rejected or
        // closed): one request or account per client, race-safe.
        col.ref('open_client_id', true),
        col.string('status', 24),
        col.money('opening_fee'),
        col.string('reason', 500, true),
        col.ref('requested_by', true),
        col.ref('decided_by', true),
        col.datetime('decided_at', true),
        col.string('fee_payment_reference', 40, true),
        col.datetime('opened_at', true),
        ...timestamps(),
      ],
      {
        indices: [
          unique('savings_accounts', 'open_client_id'),
          index('savings_accounts', 'sfd_id', 'status'),
          index('savings_accounts', 'client_id'),
        ],
        foreignKeys: [
          fk('sfd_id', 'sfds'),
          fk('client_id', 'users'),
          fk('requested_by', 'users'),
          fk('decided_by', 'users'),
        ],
      },
    );
    await createTable(
      qr,
      'savings_documents',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('account_id'),
        col.string('kind', 16),
        col.string('content_type', 40),
        col.int('size'),
        col.string('sha256', 64),
        col.string('storage_key', 64),
        col.ref('uploaded_by', true),
        col.datetime('created_at'),
      ],
      {
        indices: [index('savings_documents', 'account_id')],
        foreignKeys: [fk('sfd_id', 'sfds'), fk('account_id', 'savings_accounts'), fk('uploaded_by', 'users')],
      },
    );
    await createTable(
      qr,
      'savings_transactions',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('account_id'),
        col.ref('client_id'),
        col.string('type', 16),
        col.string('status', 16),
        col.string('method', 16),
        col.money('amount'),
        col.ref('collected_by', true),
        col.string('idempotency_key', 100, true),
        col.string('payment_reference', 40, true),
        col.string('journal_entry_key', 191, true),
        col.ref('requested_by', true),
        col.ref('decided_by', true),
        col.datetime('decided_at', true),
        col.string('reason', 500, true),
        ...timestamps(),
        col.datetime('confirmed_at', true),
      ],
      {
        indices: [
          unique('savings_transactions', 'collected_by', 'idempotency_key'),
          index('savings_transactions', 'account_id', 'created_at'),
          index('savings_transactions', 'sfd_id', 'status'),
          index('savings_transactions', 'sfd_id', 'created_at'),
          index('savings_transactions', 'payment_reference'),
        ],
        foreignKeys: [
          fk('sfd_id', 'sfds'),
          fk('account_id', 'savings_accounts'),
          fk('client_id', 'users'),
          fk('collected_by', 'users'),
          fk('requested_by', 'users'),
          fk('decided_by', 'users'),
        ],
      },
    );
    await createTable(
      qr,
      'savings_holds',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('account_id'),
        col.money('amount'),
        col.string('reason', 40),
        col.string('ref_type', 32, true),
        col.string('ref_id', 64, true),
        col.ref('created_by', true),
        col.datetime('created_at'),
        col.datetime('released_at', true),
      ],
      {
        indices: [index('savings_holds', 'account_id', 'released_at')],
        foreignKeys: [fk('sfd_id', 'sfds'), fk('account_id', 'savings_accounts'), fk('created_by', 'users')],
      },
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const table of [
      'savings_holds',
      'savings_transactions',
      'savings_documents',
      'savings_accounts',
      'savings_settings',
    ]) {
      await qr.dropTable(table, true, true, true);
    }
  }
}
