import { Writable } from 'node:stream';
import { createLogger } from '../../../src/infra/logger';

/** One line logged by the app's logger, as an operator reads it. */
function logged(fields: Record<string, unknown>): Record<string, unknown> {
  let line = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      line += String(chunk);
      done();
    },
  });
  createLogger('info', destination).info(fields, 'test');
  return JSON.parse(line) as Record<string, unknown>;
}

describe('createLogger redaction', () => {
  it('masks phones and redacts secrets, top level and nested', () => {
    const line = logged({
      phone: '+2290197000001',
      pin: '4827',
      sms: { to: '+2290197000002', code: '830228' },
    });
    expect(line).toMatchObject({
      phone: '+229********01',
      pin: '[REDACTED]',
      sms: { to: '+229********02', code: '[REDACTED]' },
    });
    expect(JSON.stringify(line)).not.toMatch(/0197000001|0197000002|4827|830228/);
  });

  it('leaves a key given no value out of the line, nested too', () => {
    const line = logged({
      phone: undefined,
      sms: { to: undefined, from: '+2290197000003', code: undefined },
    });
    expect(line).not.toHaveProperty('phone');
    expect(line.sms).toEqual({ from: '+229********03' });
  });
});
