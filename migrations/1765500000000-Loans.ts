import type { MigrationInterface, QueryRunner } from 'typeorm';
import { col, createTable, fk, index, timestamps, unique } from '../src/infra/migration-dsl';

const nullableMoney = (name: string) => ({ ...col.money(name), isNullable: true });

/**
 * Loans: each SFD's settings (usury cap, days before default), the application and its guarantees and
 * documents, the superviseur's terms, the loan granted from it, its schedule, the daily penalties and
 * the repayments.
 */
export class Loans1765500000000 implements MigrationInterface {
  name = 'Loans1765500000000';

  async up(qr: QueryRunner): Promise<void> {
    await createTable(
      qr,
      'loan_settings',
      [
        { ...col.ref('sfd_id'), isPrimary: true },
        col.int('usury_cap_bp'),
        col.int('default_after_days'),
        col.ref('updated_by', true),
        col.datetime('updated_at'),
      ],
      { foreignKeys: [fk('sfd_id', 'sfds'), fk('updated_by', 'users')] },
    );
    await createTable(
      qr,
      'loan_applications',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('client_id'),
        // The client's id while the application or its loan is in progress (null once rejected or the
        // loan solde): one at a time per client, race-safe.
        col.ref('open_client_id', true),
        col.string('status', 24),
        col.money('amount'),
        col.int('months'),
        col.string('purpose', 24),
        nullableMoney('monthly_income'),
        col.ref('savings_account_id'),
        col.money('savings_balance'),
        col.string('channel', 16),
        col.ref('requested_by', true),
        col.ref('reviewed_by', true),
        col.datetime('reviewed_at', true),
        col.string('review_comment', 500, true),
        col.datetime('forwarded_at', true),
        col.ref('decided_by', true),
        col.datetime('decided_at', true),
        col.string('reason', 500, true),
        ...timestamps(),
      ],
      {
        indices: [
          unique('loan_applications', 'open_client_id'),
          index('loan_applications', 'sfd_id', 'status'),
          index('loan_applications', 'client_id'),
        ],
        foreignKeys: [
          fk('sfd_id', 'sfds'),
          fk('client_id', 'users'),
          fk('savings_account_id', 'savings_accounts'),
          fk('requested_by', 'users'),
          fk('reviewed_by', 'users'),
          fk('decided_by', 'users'),
        ],
      },
    );
    await createTable(
      qr,
      'loan_terms',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('application_id'),
        col.money('amount'),
        col.int('annual_rate_bp'),
        col.int('months'),
        col.string('method', 16),
        col.money('fees'),
        col.int('penalty_daily_bp'),
        col.int('guarantee_pct'),
        col.int('teg_bp'),
        col.ref('set_by', true),
        ...timestamps(),
      ],
      {
        indices: [unique('loan_terms', 'application_id'), index('loan_terms', 'sfd_id')],
        foreignKeys: [fk('sfd_id', 'sfds'), fk('application_id', 'loan_applications'), fk('set_by', 'users')],
      },
    );
    await createTable(
      qr,
      'loan_guarantees',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('application_id'),
        col.string('type', 24),
        col.money('value'),
        col.string('description', 500),
        col.datetime('created_at'),
      ],
      {
        indices: [index('loan_guarantees', 'application_id')],
        foreignKeys: [fk('sfd_id', 'sfds'), fk('application_id', 'loan_applications')],
      },
    );
    await createTable(
      qr,
      'loan_documents',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('application_id'),
        col.ref('guarantee_id', true),
        col.string('kind', 24),
        col.string('content_type', 40),
        col.int('size'),
        col.string('sha256', 64),
        col.string('storage_key', 64),
        col.ref('uploaded_by', true),
        col.datetime('created_at'),
      ],
      {
        indices: [index('loan_documents', 'application_id')],
        foreignKeys: [
          fk('sfd_id', 'sfds'),
          fk('application_id', 'loan_applications'),
          fk('guarantee_id', 'loan_guarantees'),
          fk('uploaded_by', 'users'),
        ],
      },
    );
    await createTable(
      qr,
      'loans',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('client_id'),
        col.ref('application_id'),
        col.string('status', 24),
        col.money('principal'),
        col.int('annual_rate_bp'),
        col.int('months'),
        col.string('method', 16),
        col.money('fees'),
        col.int('penalty_daily_bp'),
        col.int('teg_bp'),
        col.ref('savings_account_id'),
        col.money('guarantee_amount'),
        col.ref('granted_by', true),
        col.datetime('granted_at'),
        col.string('disbursement_method', 16, true),
        col.string('disbursement_reference', 40, true),
        col.ref('disbursed_by', true),
        col.datetime('disbursed_at', true),
        col.string('first_due_date', 10, true),
        col.datetime('defaulted_at', true),
        col.datetime('closed_at', true),
        ...timestamps(),
      ],
      {
        indices: [
          unique('loans', 'application_id'),
          index('loans', 'sfd_id', 'status'),
          index('loans', 'client_id'),
        ],
        foreignKeys: [
          fk('sfd_id', 'sfds'),
          fk('client_id', 'users'),
          fk('application_id', 'loan_applications'),
          fk('savings_account_id', 'savings_accounts'),
          fk('granted_by', 'users'),
          fk('disbursed_by', 'users'),
        ],
      },
    );
    await createTable(
      qr,
      'loan_instalments',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('loan_id'),
        col.int('n'),
        col.string('due_date', 10),
        col.money('principal'),
        col.money('interest'),
        col.money('total'),
        col.money('principal_paid', 0),
        col.money('interest_paid', 0),
        col.money('interest_waived', 0),
        col.money('penalty_accrued', 0),
        col.money('penalty_paid', 0),
        col.string('penalty_through', 10, true),
        col.string('status', 16),
        col.datetime('paid_at', true),
        ...timestamps(),
      ],
      {
        indices: [
          unique('loan_instalments', 'loan_id', 'n'),
          index('loan_instalments', 'status', 'due_date'),
          index('loan_instalments', 'sfd_id', 'due_date'),
        ],
        foreignKeys: [fk('sfd_id', 'sfds'), fk('loan_id', 'loans')],
      },
    );
    await createTable(
      qr,
      'loan_penalties',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('loan_id'),
        col.ref('instalment_id'),
        col.string('day', 10),
        col.money('base'),
        col.money('amount'),
        col.string('journal_entry_key', 191),
        col.datetime('created_at'),
      ],
      {
        indices: [unique('loan_penalties', 'instalment_id', 'day'), index('loan_penalties', 'loan_id')],
        foreignKeys: [fk('sfd_id', 'sfds'), fk('loan_id', 'loans'), fk('instalment_id', 'loan_instalments')],
      },
    );
    await createTable(
      qr,
      'loan_payments',
      [
        col.id(),
        col.ref('sfd_id'),
        col.ref('loan_id'),
        col.ref('client_id'),
        col.money('amount'),
        col.string('method', 16),
        col.string('status', 16),
        col.string('payment_reference', 40, true),
        col.ref('collected_by', true),
        col.string('idempotency_key', 100, true),
        col.string('journal_entry_key', 191, true),
        col.money('penalty_part', 0),
        col.money('interest_part', 0),
        col.money('principal_part', 0),
        col.money('excess', 0),
        col.ref('requested_by', true),
        col.ref('confirmed_by', true),
        col.datetime('confirmed_at', true),
        col.string('reason', 500, true),
        ...timestamps(),
      ],
      {
        indices: [
          unique('loan_payments', 'collected_by', 'idempotency_key'),
          index('loan_payments', 'loan_id', 'created_at'),
          index('loan_payments', 'sfd_id', 'status'),
          // One repayment per payment: the loan's lock already serializes them, this is the last guard.
          unique('loan_payments', 'payment_reference'),
        ],
        foreignKeys: [
          fk('sfd_id', 'sfds'),
          fk('loan_id', 'loans'),
          fk('client_id', 'users'),
          fk('collected_by', 'users'),
          fk('requested_by', 'users'),
          fk('confirmed_by', 'users'),
        ],
      },
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const table of [
      'loan_payments',
      'loan_penalties',
      'loan_instalments',
      'loans',
      'loan_documents',
      'loan_guarantees',
      'loan_terms',
      'loan_applications',
      'loan_settings',
    ]) {
      await qr.dropTable(table, true, true, true);
    }
  }
}
