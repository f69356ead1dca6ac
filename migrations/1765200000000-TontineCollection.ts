import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col, createTable, fk, index, timestamps, unique } from '../src/infra/migration-dsl';

const nullableMoney = (name: string) => ({ ...col.money(name), isNullable: true });
const byLastContribution = index('tontine_participants', 'sfd_id', 'status', 'last_contribution_at');

/**
 * Field collection: the disputes a client opens on a cash receipt (`NON <code>`), the cash an agent
 * hands to the branch (versements), and each participant's last contribution (the 3-day reminder).
 */
export class TontineCollection1765200000000 implements MigrationInterface {
  name = 'TontineCollection1765200000000';

  async up(qr: QueryRunner): Promise<void> {
    await createTable(
      qr,
      'tontine_contestations',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('cotisation_id'),
        col.ref('participant_id'),
        col.ref('client_id'),
        col.ref('agent_id'),
        col.string('status', 16),
        col.string('channel', 8),
        col.string('reason', 500, true),
        { ...col.int('days_missing'), isNullable: true },
        col.ref('correction_cotisation_id', true),
        col.ref('decided_by', true),
        col.datetime('decided_at', true),
        ...timestamps(),
      ],
      {
        indices: [
          unique('tontine_contestations', 'cotisation_id'),
          index('tontine_contestations', 'sfd_id', 'status'),
          index('tontine_contestations', 'agent_id'),
        ],
        foreignKeys: [
          fk('sfd_id', 'sfds'),
          fk('cotisation_id', 'tontine_cotisations'),
          fk('participant_id', 'tontine_participants'),
          fk('client_id', 'users'),
          fk('agent_id', 'users'),
          fk('correction_cotisation_id', 'tontine_cotisations'),
          fk('decided_by', 'users'),
        ],
      },
    );
    await createTable(
      qr,
      'tontine_versements',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('agent_id'),
        col.money('declared_amount'),
        nullableMoney('counted_amount'),
        nullableMoney('variance'),
        col.string('status', 16),
        // The agent's id while the remittance awaits its count, null after: one open remittance per agent.
        col.ref('open_agent_id', true),
        col.string('note', 500, true),
        col.ref('confirmed_by', true),
        col.datetime('confirmed_at', true),
        ...timestamps(),
      ],
      {
        indices: [
          unique('tontine_versements', 'open_agent_id'),
          index('tontine_versements', 'sfd_id', 'status'),
          index('tontine_versements', 'agent_id', 'created_at'),
        ],
        foreignKeys: [fk('sfd_id', 'sfds'), fk('agent_id', 'users'), fk('confirmed_by', 'users')],
      },
    );
    await qr.addColumn('tontine_participants', new TableColumn(col.datetime('last_contribution_at', true)));
    // The no-contribution reminder selects an SFD's active participants whose last one was days ago.
    await qr.createIndex('tontine_participants', new TableIndex(byLastContribution));
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropIndex('tontine_participants', byLastContribution.name!);
    await qr.dropColumn('tontine_participants', 'last_contribution_at');
    await qr.dropTable('tontine_versements', true, true, true);
    await qr.dropTable('tontine_contestations', true, true, true);
  }
}
