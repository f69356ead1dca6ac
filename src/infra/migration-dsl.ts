import {
  Table,
  type QueryRunner,
  type TableColumnOptions,
  type TableForeignKeyOptions,
  type TableIndexOptions,
} from 'typeorm';

/**
 * A tiny vocabulary so each migration reads as one statement and runs unchanged on MySQL and SQLite.
 * Index names are `uq_<table>__<columns>` (double underscore) so an error names the column unambiguously.
 * No database-side time defaults: SQLite lacks CURRENT_TIMESTAMP(3), and time comes from the clock port.
 */
export const col = {
  id: (name = 'id'): TableColumnOptions => ({
    name,
    type: 'integer',
    isPrimary: true,
    isGenerated: true,
    generationStrategy: 'increment',
  }),
  ref: (name: string, nullable = false): TableColumnOptions => ({
    name,
    type: 'integer',
    isNullable: nullable,
  }),
  int: (name: string, dflt?: number): TableColumnOptions => ({ name, type: 'integer', default: dflt }),
  money: (name: string, dflt?: number): TableColumnOptions => ({ name, type: 'bigint', default: dflt }),
  string: (name: string, length: number, nullable = false): TableColumnOptions => ({
    name,
    type: 'varchar',
    length: String(length),
    isNullable: nullable,
  }),
  text: (name: string, nullable = true): TableColumnOptions => ({ name, type: 'text', isNullable: nullable }),
  bool: (name: string, dflt = false): TableColumnOptions => ({ name, type: 'boolean', default: dflt }),
  datetime: (name: string, nullable = false): TableColumnOptions => ({
    name,
    type: 'datetime',
    precision: 3,
    isNullable: nullable,
  }),
};

export function timestamps(): TableColumnOptions[] {
  return [col.datetime('created_at'), col.datetime('updated_at')];
}

export function unique(table: string, ...columns: string[]): TableIndexOptions {
  return { name: `uq_${table}__${columns.join('_')}`, columnNames: columns, isUnique: true };
}

export function index(table: string, ...columns: string[]): TableIndexOptions {
  return { name: `ix_${table}__${columns.join('_')}`, columnNames: columns };
}

export function fk(
  column: string,
  referencedTable: string,
  onDelete: TableForeignKeyOptions['onDelete'] = 'RESTRICT',
): TableForeignKeyOptions {
  return {
    columnNames: [column],
    referencedTableName: referencedTable,
    referencedColumnNames: ['id'],
    onDelete,
  };
}

export async function createTable(
  qr: QueryRunner,
  name: string,
  columns: TableColumnOptions[],
  extra: { indices?: TableIndexOptions[]; foreignKeys?: TableForeignKeyOptions[] } = {},
): Promise<void> {
  await qr.createTable(new Table({ name, columns, indices: extra.indices, foreignKeys: extra.foreignKeys }));
}
