import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { index } from '../src/infra/migration-dsl';

const byType = index('notifications', 'type', 'read_at');

export class NotificationsByType1765400000000 implements MigrationInterface {
  name = 'NotificationsByType1765400000000';

  async up(qr: QueryRunner): Promise<void> {
    // A decision closes the staff's notices of its record (closeNotifications: type, data, unread): without
    // this index the UPDATE read, and on MySQL locked, every unread notification of the platform, so two
    // decisions on unrelated records waited for each other.
    await qr.createIndex('notifications', new TableIndex(byType));
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropIndex('notifications', byType.name!);
  }
}
