import {
  AfricasTalkingSmsSender,
  AT_LIVE_URL,
  AT_SANDBOX_URL,
  type AtCommon,
  SmsRefusedError,
  SmsRetryableError,
} from '../../../src/notifications/africastalking';
import { maskPhone } from '../../../src/infra/logger';
import type { SmsMessage } from '../../../src/notifications/sms';
import { AfricasTalkingStub } from '../../helpers/stubs/africastalking-stub';
import { capturedLogger, providerConfig } from '../../helpers/stubs/provider-kit';
import { header } from '../../helpers/stubs/stub-server';

// The real adapter and the real SDK (axios), pointed at a local stub of the SMS API.
const AT = { username: 'tontiflex', apiKey: 'at-api-key-very-secret' };
const OTP: SmsMessage = { to: '+2290197000001', body: 'TontiFlex: votre code est 482913', kind: 'otp' };
const TIMEOUT_MS = 200;

describe("Africa's Talking SMS adapter against the AT stub", () => {
  let stub: AfricasTalkingStub;
  let base: string;
  let logs: ReturnType<typeof capturedLogger>;
  const sender = (env: Record<string, string> = {}) =>
    new AfricasTalkingSmsSender(
      providerConfig({
        SMS_PROVIDER: 'africastalking',
        AT_USERNAME: AT.username,
        AT_API_KEY: AT.apiKey,
        AT_SENDER_ID: 'TONTIFLEX',
        AT_BASE_URL: base,
        PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS),
        ...env,
      }),
      logs.logger,
    );

  beforeEach(async () => {
    stub = new AfricasTalkingStub(AT);
    base = await stub.start();
    logs = capturedLogger();
  });
  afterEach(() => stub.close());

  it('sends the documented form with the apiKey header, returns the messageId, logs no secret', async () => {
    const result = await sender().deliver(OTP);
    expect(result).toEqual({
      messageId: expect.stringMatching(/^ATXid_/),
      status: 'Success',
      statusCode: 101,
      cost: 'XOF 25.0000',
    });
    expect(stub.messages).toEqual([
      expect.objectContaining({ username: AT.username, to: OTP.to, message: OTP.body, from: 'TONTIFLEX' }),
    ]);
    expect(stub.messages[0].messageId).toBe(result.messageId);
    const [req] = stub.requests;
    expect(req.path).toBe('/version1/messaging');
    expect(header(req, 'apikey')).toBe(AT.apiKey);
    expect(header(req, 'accept')).toBe('application/json');
    const text = logs.text();
    expect(text).toContain(result.messageId);
    expect(text).toContain(maskPhone(OTP.to));
    for (const secret of [AT.apiKey, '482913', OTP.to]) expect(text).not.toContain(secret);
  });

  it('send() answers the receipt and leaves out `from` without a sender id', async () => {
    await expect(sender({ AT_SENDER_ID: '' }).send(OTP)).resolves.toMatchObject({
      messageId: expect.stringMatching(/^ATXid_/),
      cost: 'XOF 25.0000',
    });
    expect(stub.messages[0].from).toBeUndefined();
  });

  it('a refused number (403 InvalidPhoneNumber) is an SmsRefusedError, tried once', async () => {
    stub.recipientStatusNext(1, 403);
    const err = await sender()
      .deliver(OTP)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmsRefusedError);
    expect(err).toMatchObject({ status: 'InvalidPhoneNumber', statusCode: 403 });
    expect(stub.requests).toHaveLength(1);
  });

  it('HTTP 500 and a per-recipient 500 are SmsRetryableErrors; the next call goes through', async () => {
    const at = sender();
    stub.failNext(1, 'error');
    await expect(at.deliver(OTP)).rejects.toMatchObject({ name: 'SmsRetryableError', status: 'HTTP 500' });
    stub.recipientStatusNext(1, 500);
    const err = await at.deliver(OTP).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmsRetryableError);
    expect(err).toMatchObject({ status: 'InternalServerError', statusCode: 500 });
    await expect(at.deliver(OTP)).resolves.toMatchObject({ statusCode: 101 });
    expect(logs.text()).not.toContain(AT.apiKey);
  });

  it('a hanging API is an SmsRetryableError within PROVIDER_TIMEOUT_MS', async () => {
    stub.failNext(1, 'hang');
    const started = Date.now();
    const err = await sender()
      .deliver(OTP)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmsRetryableError);
    expect(err).toMatchObject({ status: 'Timeout' });
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
  });

  it('an unreachable API is retryable; a wrong key or a non-E.164 number is refused', async () => {
    await expect(sender({ AT_API_KEY: 'wrong-key' }).deliver(OTP)).rejects.toMatchObject({
      name: 'SmsRefusedError',
      status: 'HTTP 401',
    });
    await expect(sender().deliver({ ...OTP, to: '0197000001' })).rejects.toMatchObject({
      name: 'SmsRefusedError',
      status: 'InvalidRequest',
    });
    expect(stub.requests).toHaveLength(1); // the SDK refused the number before sending
    await stub.close();
    await expect(sender().deliver(OTP)).rejects.toMatchObject({
      name: 'SmsRetryableError',
      status: expect.stringMatching(/^ECONN(REFUSED|RESET)$/), // RESET: a kept-alive socket
    });
  });

  it("survives the SDK's process-wide sandbox switch and defaults to AT's own addresses", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const common = require('africastalking/lib/common') as AtCommon;
    const live = sender();
    sender({ AT_BASE_URL: '' });
    expect(common.SMS_URL).toBe(`${AT_LIVE_URL}/version1/messaging`);
    sender({ AT_USERNAME: 'Sandbox', AT_BASE_URL: '' }); // the SDK switches every URL to the sandbox
    expect(common.SMS_URL).toBe(`${AT_SANDBOX_URL}/version1/messaging`);
    // Each adapter points the SDK at its own base again before its call.
    await expect(live.deliver(OTP)).resolves.toMatchObject({ statusCode: 101 });
    const sandboxStub = new AfricasTalkingStub({ ...AT, username: 'sandbox' });
    try {
      const sandbox = sender({ AT_USERNAME: 'sandbox', AT_BASE_URL: await sandboxStub.start() });
      await expect(sandbox.deliver(OTP)).resolves.toMatchObject({ statusCode: 101 });
      expect(sandboxStub.messages).toHaveLength(1);
    } finally {
      await sandboxStub.close();
    }
  });

  it('guard: lib/common still exposes a writable SMS_URL, with the defaults the adapter assumes', () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('africastalking/lib/common') as AtCommon & { enableSandbox(): void };
      expect(Object.getOwnPropertyDescriptor(fresh, 'SMS_URL')).toMatchObject({ writable: true });
      expect(fresh.SMS_URL).toBe(`${AT_LIVE_URL}/version1/messaging`);
      fresh.enableSandbox();
      expect(fresh.SMS_URL).toBe(`${AT_SANDBOX_URL}/version1/messaging`);
    });
  });
});
