import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTable, index, timestamps, unique } from '../src/infra/migration-dsl';

export class SmsOutbox1764500000000 implements MigrationInterface {
  name = 'SmsOutbox1764500000000';

  async up(qr: QueryRunner): Promise<void> {
    await createTable(
      qr,
      'sms_outbox',
      [
        col.id(),
        col.string('to_phone', 20),
        col.text('body', false),
        col.string('kind', 16),
        col.string('status', 16),
        col.string('provider_message_id', 100, true),
        col.int('segments'),
        col.string('encoding', 8),
        col.string('cost', 32, true),
        col.int('attempts', 0),
        col.string('dedupe_key', 120),
        col.string('failure_reason', 120, true),
        col.string('lang', 5),
        ...timestamps(),
        col.datetime('sent_at', true),
        col.datetime('delivered_at', true),
      ],
      {
        indices: [
          unique('sms_outbox', 'dedupe_key'),
          // Delivery reports find their message by the provider's id.
          index('sms_outbox', 'provider_message_id'),
          // The sweeper: rows still queued, oldest first.
          index('sms_outbox', 'status', 'created_at'),
        ],
      },
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('sms_outbox');
  }
}
