import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../../src/config';

/** Shared by the provider adapter tests: one place for the settings and the helpers they all use. */
export const PUBLIC = 'https://tontiflex.example';
export const SECRET = 'test-webhook-secret-0123';
export const PAY = {
  reference: 'TF0001',
  phone: '+2290197000001',
  amount: 5000,
  description: 'Cotisation tontine',
};

/** A demo-mode config (no DB needed) with the given provider settings. */
export function providerConfig(env: Record<string, string>) {
  return loadConfig({ DEMO_MODE: 'true', PUBLIC_BASE_URL: PUBLIC, PAYMENT_WEBHOOK_SECRET: SECRET, ...env });
}

export const silentLogger = () => pino({ level: 'silent' });

/** A debug logger whose output the test can read: secrets must never be in it. */
export function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), text: () => lines.join('') };
}

export async function waitFor(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
