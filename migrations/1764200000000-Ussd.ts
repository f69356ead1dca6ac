import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col, createTable, index, unique } from '../src/infra/migration-dsl';

export class Ussd1764200000000 implements MigrationInterface {
  name = 'Ussd1764200000000';

  async up(qr: QueryRunner): Promise<void> {
    // The identity document number a client may give at USSD registration, encrypted (AES-256-GCM).
    await qr.addColumn('users', new TableColumn(col.text('id_number_enc')));
    await createTable(
      qr,
      'ussd_sessions',
      [
        col.id(),
        col.string('session_id', 100),
        col.string('phone', 20),
        col.string('service_code', 32, true),
        col.string('network_code', 16, true),
        col.string('status', 16),
        col.int('duration_ms', 0),
        col.int('hops', 0),
        col.string('flow', 32, true),
        col.text('last_screen'),
        col.string('error_message', 255, true),
        col.datetime('created_at'),
      ],
      { indices: [unique('ussd_sessions', 'session_id'), index('ussd_sessions', 'phone', 'created_at')] },
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('ussd_sessions');
    await qr.dropColumn('users', 'id_number_enc');
  }
}
