import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTable, fk, index, timestamps, unique } from '../src/infra/migration-dsl';

const nullableMoney = (name: string) => ({ ...col.money(name), isNullable: true });

export class Tontines1765100000000 implements MigrationInterface {
  name = 'Tontines1765100000000';

  async up(qr: QueryRunner): Promise<void> {
    await createTable(
      qr,
      'tontines',
      [
        col.id(),
        col.ref('sfd_id'),
        col.string('name', 120),
        col.string('status', 16),
        col.money('stake_min'),
        col.money('stake_max'),
        col.money('joining_fee'),
        col.money('min_withdrawal', 0),
        col.int('withdrawal_notice_days', 0),
        col.ref('created_by', true),
        ...timestamps(),
      ],
      {
        indices: [index('tontines', 'sfd_id', 'status')],
        foreignKeys: [fk('sfd_id', 'sfds'), fk('created_by', 'users')],
      },
    );
    await createTable(
      qr,
      'tontine_participants',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('tontine_id'),
        col.ref('client_id'),
        col.money('stake'),
        nullableMoney('next_stake'),
        col.string('status', 16),
        col.datetime('joined_at'),
        ...timestamps(),
      ],
      {
        indices: [
          unique('tontine_participants', 'tontine_id', 'client_id'),
          index('tontine_participants', 'sfd_id', 'status'),
          index('tontine_participants', 'client_id'),
        ],
        foreignKeys: [fk('sfd_id', 'sfds'), fk('tontine_id', 'tontines'), fk('client_id', 'users')],
      },
    );
    await createTable(
      qr,
      'tontine_adhesions',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('tontine_id'),
        col.ref('client_id'),
        col.money('stake'),
        col.string('status', 24),
        col.ref('submitted_by', true),
        col.string('reason', 500, true),
        col.ref('decided_by', true),
        col.datetime('decided_at', true),
        col.string('payment_reference', 40, true),
        col.ref('participant_id', true),
        ...timestamps(),
      ],
      {
        indices: [
          index('tontine_adhesions', 'sfd_id', 'status'),
          index('tontine_adhesions', 'tontine_id', 'status'),
          index('tontine_adhesions', 'client_id'),
        ],
        foreignKeys: [
          fk('sfd_id', 'sfds'),
          fk('tontine_id', 'tontines'),
          fk('client_id', 'users'),
          fk('submitted_by', 'users'),
          fk('decided_by', 'users'),
          fk('participant_id', 'tontine_participants'),
        ],
      },
    );
    await createTable(
      qr,
      'tontine_carnets',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('participant_id'),
        col.int('cycle'),
        col.money('stake'),
        col.string('started_on', 10, true),
        col.int('boxes_paid', 0),
        col.datetime('completed_at', true),
        ...timestamps(),
      ],
      {
        indices: [
          unique('tontine_carnets', 'participant_id', 'cycle'),
          index('tontine_carnets', 'sfd_id', 'completed_at'),
        ],
        foreignKeys: [fk('sfd_id', 'sfds'), fk('participant_id', 'tontine_participants')],
      },
    );
    await createTable(
      qr,
      'tontine_cotisations',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('participant_id'),
        col.ref('tontine_id'),
        col.ref('client_id'),
        col.money('amount'),
        col.int('days'),
        col.money('commission', 0),
        col.string('status', 16),
        col.string('method', 16),
        col.ref('collected_by', true),
        col.string('payment_reference', 40, true),
        col.string('journal_entry_key', 191, true),
        col.string('idempotency_key', 100, true),
        col.string('receipt_code', 16, true),
        ...timestamps(),
        col.datetime('confirmed_at', true),
      ],
      {
        indices: [
          unique('tontine_cotisations', 'collected_by', 'idempotency_key'),
          index('tontine_cotisations', 'sfd_id', 'status'),
          index('tontine_cotisations', 'participant_id'),
          index('tontine_cotisations', 'tontine_id', 'created_at'),
          index('tontine_cotisations', 'payment_reference'),
          index('tontine_cotisations', 'receipt_code'),
        ],
        foreignKeys: [
          fk('sfd_id', 'sfds'),
          fk('participant_id', 'tontine_participants'),
          fk('tontine_id', 'tontines'),
          fk('client_id', 'users'),
          fk('collected_by', 'users'),
        ],
      },
    );
    await createTable(
      qr,
      'tontine_retraits',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('participant_id'),
        col.ref('client_id'),
        col.money('amount'),
        col.string('status', 16),
        col.string('reason', 500, true),
        col.ref('decided_by', true),
        col.datetime('decided_at', true),
        col.string('payment_reference', 40, true),
        ...timestamps(),
      ],
      {
        indices: [index('tontine_retraits', 'sfd_id', 'status'), index('tontine_retraits', 'participant_id')],
        foreignKeys: [
          fk('sfd_id', 'sfds'),
          fk('participant_id', 'tontine_participants'),
          fk('client_id', 'users'),
          fk('decided_by', 'users'),
        ],
      },
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const table of [
      'tontine_retraits',
      'tontine_cotisations',
      'tontine_carnets',
      'tontine_adhesions',
      'tontine_participants',
      'tontines',
    ])
      await qr.dropTable(table);
  }
}
