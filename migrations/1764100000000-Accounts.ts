import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTable, fk, index, timestamps, unique } from '../src/infra/migration-dsl';

export class Accounts1764100000000 implements MigrationInterface {
  name = 'Accounts1764100000000';

  async up(qr: QueryRunner): Promise<void> {
    await createTable(
      qr,
      'sfds',
      [
        col.id(),
        col.string('name', 120),
        col.string('code', 16),
        col.string('city', 80),
        col.string('phone', 20),
        col.string('time_zone', 64),
        col.string('status', 16),
        ...timestamps(),
      ],
      { indices: [unique('sfds', 'code')] },
    );
    await createTable(
      qr,
      'users',
      [
        col.id(),
        col.string('phone', 20),
        col.string('email', 191, true),
        col.string('first_name', 80),
        col.string('last_name', 80),
        col.string('role', 32),
        col.ref('sfd_id', true),
        col.string('status', 16),
        col.string('language', 2),
        col.string('password_hash', 255, true),
        col.string('pin_hash', 255, true),
        col.string('kyc_status', 16),
        col.datetime('phone_verified_at', true),
        ...timestamps(),
      ],
      {
        indices: [unique('users', 'phone'), unique('users', 'email'), index('users', 'sfd_id', 'role')],
        foreignKeys: [fk('sfd_id', 'sfds')],
      },
    );
    await createTable(
      qr,
      'audit_events',
      [
        col.id(),
        col.ref('actor_id', true),
        col.string('actor_role', 32, true),
        col.ref('sfd_id', true),
        col.string('action', 64),
        col.string('target_type', 32),
        col.string('target_id', 64),
        col.text('before'),
        col.text('after'),
        col.datetime('created_at'),
      ],
      {
        indices: [
          index('audit_events', 'sfd_id', 'created_at'),
          index('audit_events', 'target_type', 'target_id'),
        ],
      },
    );
    await createTable(
      qr,
      'refresh_tokens',
      [
        col.id(),
        col.string('token_hash', 64),
        col.string('family_id', 36),
        col.ref('user_id'),
        col.datetime('expires_at'),
        col.datetime('used_at', true),
        col.datetime('revoked_at', true),
        col.datetime('created_at'),
      ],
      {
        indices: [unique('refresh_tokens', 'token_hash'), index('refresh_tokens', 'family_id')],
        foreignKeys: [fk('user_id', 'users', 'CASCADE')],
      },
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const table of ['refresh_tokens', 'audit_events', 'users', 'sfds']) await qr.dropTable(table);
  }
}
