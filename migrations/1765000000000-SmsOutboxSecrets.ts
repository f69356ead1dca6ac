import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col } from '../src/infra/migration-dsl';

const columns = [col.string('template', 64, true), col.text('params'), col.text('secret_params_enc')].map(
  (c) => new TableColumn(c),
);

export class SmsOutboxSecrets1765000000000 implements MigrationInterface {
  name = 'SmsOutboxSecrets1765000000000';

  async up(qr: QueryRunner): Promise<void> {
    // A one-time code is no longer kept in `body` (stored masked): its message is kept as template,
    // non-secret params and the secret params encrypted, rendered at send time, blanked once done.
    await qr.addColumns('sms_outbox', columns);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropColumns('sms_outbox', columns);
  }
}
