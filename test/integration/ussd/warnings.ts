import { Writable } from 'node:stream';
import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../../src/app';
import type { TestApp } from '../../helpers/app';

export interface LogLine {
  level: number;
  msg: string;
  reason?: string;
  phone?: string;
  session_id?: string;
  [key: string]: unknown;
}

const WARN = 40;

/**
 * The app of `t` served on its own with a logger that keeps what it writes (warnings and above), to
 * assert on the log lines a callback leaves.
 */
export function appWithLog(t: TestApp) {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const logger = pino({ level: 'warn' }, stream);
  const { app } = createApp({ ...t.deps, logger });
  return {
    request: supertest(app.callback()),
    /** The warnings written since the last call. */
    warnings(): LogLine[] {
      const out = lines.filter((l) => l.level === WARN);
      lines.length = 0;
      return out;
    },
  };
}
