/**
 * The column a unique-key violation is about, or null if the error is something else.
 * MySQL/MariaDB: errno 1062 "Duplicate entry 'x' for key 'uq_users__phone'" (MySQL 8: 'users.uq_users__phone');
 * SQLite: "UNIQUE constraint failed: users.phone". Index names follow migration-dsl's uq_<table>__<cols>.
 */
export function uniqueViolationField(err: unknown): string | null {
  const e = err as { driverError?: { errno?: number; code?: string; message?: string }; message?: string };
  const driver = e?.driverError ?? (e as { errno?: number; code?: string; message?: string });
  const message = driver?.message ?? e?.message ?? '';
  if (driver?.errno === 1062) {
    const key = /for key '(?:[^.']+\.)?uq_[a-z0-9_]+?__([a-z0-9_]+)'/.exec(message);
    return key ? key[1] : 'non_field_errors';
  }
  if (driver?.code === 'SQLITE_CONSTRAINT_UNIQUE') {
    const col = /UNIQUE constraint failed: \w+\.(\w+)/.exec(message);
    return col ? col[1] : 'non_field_errors';
  }
  return null;
}
