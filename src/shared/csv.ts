/**
 * RFC 4180 CSV, for the back office's exports: fields joined by commas, rows ended by CRLF; a field
 * holding a comma, a quote or a line break is quoted, its quotes doubled. A text that a spreadsheet
 * would run as a formula (starting with =, +, -, @, a tab or a carriage return: a tontine named
 * `=HYPERLINK(...)`) is prefixed with a quote (OWASP "CSV injection"); numbers are written as they are.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header row and one row per record, each in `columns`' order. */
export function toCsv<T extends Record<string, string | number | null>>(
  columns: readonly (keyof T & string)[],
  rows: readonly T[],
): string {
  const line = (cells: (string | number | null | undefined)[]) => `${cells.map(csvField).join(',')}\r\n`;
  return line([...columns]) + rows.map((r) => line(columns.map((c) => r[c]))).join('');
}
