import supertest from 'supertest';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/infra/logger';
import type { TestApp } from './app';

export interface LogLine {
  level: number;
  msg: string;
  reason?: string;
  phone?: string;
  session_id?: string;
  request_id?: string;
  [key: string]: unknown;
}

const WARN = 40;

/**
 * The app of `t` served a second time, on the same deps, with the app's own logger (`createLogger`,
 * redaction included) writing its warnings and worse here instead of to stdout: a test asserts on the
 * lines exactly as an operator would read them. Requests sent with `request` are logged here; those
 * sent with `t.request` are not.
 */
export function appWithLogs(t: TestApp) {
  let lines: LogLine[] = [];
  const logger = createLogger('warn', { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
  const { app } = createApp({ ...t.deps, logger });
  /** Removes the lines `pick` selects from those kept, and returns them. */
  const take = (pick: (line: LogLine) => boolean) => {
    const taken = lines.filter(pick);
    lines = lines.filter((l) => !pick(l));
    return taken;
  };
  return {
    request: supertest(app.callback()),
    /**
     * The warnings (and worse) written since they were last taken: all of them, or only those logged
     * while answering the request that got this X-Request-Id.
     */
    warnings: (requestId?: string): LogLine[] =>
      take((l) => l.level >= WARN && (requestId === undefined || l.request_id === requestId)),
  };
}
