import pino from 'pino';
import type { Logger } from '../../../src/infra/logger';

export interface LogLine {
  level: number;
  msg: string;
  request_id?: string;
  [key: string]: unknown;
}

const WARN = 40;

/**
 * From now on, the app logger's lines (and its children's: they share its stream) are kept here,
 * parsed, instead of written out: the app's own redaction applies, so a test sees what an operator
 * would. The app must be started with LOG_LEVEL=warn (or lower) for warnings to be written at all.
 */
export function recordLogs(logger: Logger) {
  const lines: LogLine[] = [];
  (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = {
    write: (line: string) => lines.push(JSON.parse(line) as LogLine),
  };
  return {
    lines,
    /** The warnings (and worse) logged while answering the request that got this X-Request-Id. */
    warnings: (requestId: string) => lines.filter((l) => l.level >= WARN && l.request_id === requestId),
  };
}
