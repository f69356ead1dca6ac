import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTable } from '../src/infra/migration-dsl';

export class SmsOptOuts1764700000000 implements MigrationInterface {
  name = 'SmsOptOuts1764700000000';

  async up(qr: QueryRunner): Promise<void> {
    await createTable(qr, 'sms_opt_outs', [
      { ...col.string('phone', 20), isPrimary: true },
      col.datetime('created_at'),
    ]);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('sms_opt_outs');
  }
}
