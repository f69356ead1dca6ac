import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { index } from '../src/infra/migration-dsl';

const byRegistration = index('users', 'sfd_id', 'role', 'created_at');

export class UsersCreatedAt1764900000000 implements MigrationInterface {
  name = 'UsersCreatedAt1764900000000';

  async up(qr: QueryRunner): Promise<void> {
    // The reminders select an SFD's clients registered on given days (reminders-kyc.ts): a range on
    // this index, where (sfd_id, role) alone made every run read every client of the SFD.
    await qr.createIndex('users', new TableIndex(byRegistration));
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropIndex('users', byRegistration.name!);
  }
}
