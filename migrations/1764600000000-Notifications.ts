import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTable, fk, index } from '../src/infra/migration-dsl';

export class Notifications1764600000000 implements MigrationInterface {
  name = 'Notifications1764600000000';

  async up(qr: QueryRunner): Promise<void> {
    await createTable(
      qr,
      'notifications',
      [
        col.id(),
        col.ref('user_id'),
        col.ref('sfd_id', true),
        col.string('type', 32),
        col.string('title', 200),
        col.text('message', false),
        col.text('data'),
        col.datetime('read_at', true),
        col.datetime('created_at'),
      ],
      {
        // Every read is "this user's, maybe only the unread ones, newest first": (user_id, read_at)
        // serves it (InnoDB appends the primary key, which gives the order).
        indices: [index('notifications', 'user_id', 'read_at')],
        // A notification means nothing without its recipient.
        foreignKeys: [fk('user_id', 'users', 'CASCADE'), fk('sfd_id', 'sfds')],
      },
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('notifications');
  }
}
