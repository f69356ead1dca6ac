import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col } from '../src/infra/migration-dsl';

export class SfdStaffOtp1764800000000 implements MigrationInterface {
  name = 'SfdStaffOtp1764800000000';

  async up(qr: QueryRunner): Promise<void> {
    // Per SFD: its staff confirm a password login with a one-time code sent by SMS. Off by default.
    await qr.addColumn('sfds', new TableColumn(col.bool('staff_login_otp', false)));
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropColumn('sfds', 'staff_login_otp');
  }
}
