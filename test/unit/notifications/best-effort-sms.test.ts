import { Writable } from 'node:stream';
import pino from 'pino';
import { BestEffortSms, type SmsMessage } from '../../../src/notifications/sms';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const message: SmsMessage = { to: '+2290197000001', body: 'Votre code est 482913', kind: 'otp' };

describe('BestEffortSms', () => {
  it('passes messages through to the provider', async () => {
    const sent: SmsMessage[] = [];
    const { logger } = capture();
    await new BestEffortSms({ send: async (m) => void sent.push(m) }, logger).send(message);
    expect(sent).toEqual([message]);
  });

  it('does not fail the caller when the provider fails, and logs it without the body or the number', async () => {
    const { logger, lines } = capture();
    const failing = { send: () => Promise.reject(new Error('InvalidPhoneNumber')) };
    await expect(new BestEffortSms(failing, logger).send(message)).resolves.toBeUndefined();
    const log = lines.join('');
    expect(log).toContain('SMS not sent');
    expect(log).toContain('InvalidPhoneNumber');
    expect(log).not.toContain('482913');
    expect(log).not.toContain('+2290197000001');
  });
});
