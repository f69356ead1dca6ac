import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTable, fk, index, timestamps, unique } from '../src/infra/migration-dsl';

export class Payments1764400000000 implements MigrationInterface {
  name = 'Payments1764400000000';

  async up(qr: QueryRunner): Promise<void> {
    await createTable(
      qr,
      'payment_transactions',
      [
        col.id(),
        col.string('reference', 40),
        col.string('provider', 16),
        col.string('provider_transaction_id', 100, true),
        col.string('type', 32),
        col.string('direction', 16),
        col.money('amount'),
        col.string('phone', 20),
        col.string('status', 16),
        col.string('purpose', 40),
        col.string('purpose_ref', 64, true),
        col.ref('sfd_id'),
        col.ref('client_id'),
        col.ref('initiated_by', true),
        col.string('payment_url', 255, true),
        col.string('failure_reason', 64, true),
        ...timestamps(),
        col.datetime('completed_at', true),
      ],
      {
        indices: [
          unique('payment_transactions', 'reference'),
          unique('payment_transactions', 'provider_transaction_id'),
          index('payment_transactions', 'status', 'created_at'),
          index('payment_transactions', 'sfd_id', 'created_at'),
          index('payment_transactions', 'client_id', 'created_at'),
        ],
        foreignKeys: [fk('sfd_id', 'sfds'), fk('client_id', 'users'), fk('initiated_by', 'users')],
      },
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('payment_transactions');
  }
}
