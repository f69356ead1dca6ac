import type { Config } from '../config';
import type { Logger } from '../infra/logger';
import { maskPhone } from '../infra/logger';
import type { SmsMessage, SmsReceipt, SmsSender } from './sms';

// The little of the `africastalking` SDK (0.8.x, untyped, no @types package) this adapter uses.
interface AtRecipient {
  statusCode: number;
  number: string;
  status: string;
  cost: string;
  messageId: string;
}
interface AtSmsAnswer {
  SMSMessageData?: { Message?: string; Recipients?: AtRecipient[] };
}
interface AtClient {
  SMS: { send(params: { to: string[]; message: string; from?: string }): Promise<AtSmsAnswer> };
}
/** lib/common: module-level URLs that every SDK call reads when it is made. */
export interface AtCommon {
  SMS_URL: string;
}

/* eslint-disable @typescript-eslint/no-require-imports -- an untyped CommonJS package */
const africastalking = require('africastalking') as (o: { username: string; apiKey: string }) => AtClient;
const atCommon = require('africastalking/lib/common') as AtCommon;
/* eslint-enable @typescript-eslint/no-require-imports */

export const AT_LIVE_URL = 'https://api.africastalking.com';
export const AT_SANDBOX_URL = 'https://api.sandbox.africastalking.com';
const ACCEPTED = new Set([100, 101, 102]); // Processed, Sent, Queued
const RETRYABLE = new Set([500, 501, 502]); // InternalServerError, GatewayError, RejectedByGateway

export interface SmsSendResult extends SmsReceipt {
  statusCode: number;
  cost: string;
}

/** Why a message was not sent: `status` is AT's name (InvalidPhoneNumber, HTTP 500, Timeout...). */
export class SmsDeliveryError extends Error {
  constructor(
    message: string,
    readonly status: string,
    readonly statusCode: number | null,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
/** Try again later: nothing says the message was refused. */
export class SmsRetryableError extends SmsDeliveryError {}
/** AT refused this message (number, sender id, blacklist, balance, request): sending it again won't help. */
export class SmsRefusedError extends SmsDeliveryError {}

type AtConfig = Pick<
  Config,
  'AT_USERNAME' | 'AT_API_KEY' | 'AT_SENDER_ID' | 'AT_BASE_URL' | 'PROVIDER_TIMEOUT_MS'
>;

/** Sends through Africa's Talking's bulk SMS API with the official SDK. */
export class AfricasTalkingSmsSender implements SmsSender {
  private readonly client: AtClient;
  private readonly smsUrl: string;

  constructor(
    private readonly config: AtConfig,
    private readonly logger: Logger,
  ) {
    const { AT_USERNAME: username, AT_API_KEY: apiKey } = config;
    if (!username || !apiKey) throw new Error("Africa's Talking needs AT_USERNAME and AT_API_KEY");
    // First the client: with username 'sandbox' its constructor rewrites every URL of lib/common.
    this.client = africastalking({ username, apiKey });
    const sandbox = username.toLowerCase() === 'sandbox'; // the SDK's own test
    const base = (config.AT_BASE_URL ?? (sandbox ? AT_SANDBOX_URL : AT_LIVE_URL)).replace(/\/+$/, '');
    this.smsUrl = `${base}/version1/messaging`;
    this.pointSdk();
  }

  send(message: SmsMessage): Promise<SmsSendResult> {
    return this.deliver(message);
  }

  /** One attempt, no retry: the caller (a delivery worker) decides from the result or the error class. */
  async deliver(message: SmsMessage): Promise<SmsSendResult> {
    const started = Date.now();
    // Never the body (one-time codes) nor the key; the number masked.
    const sms = { provider: 'africastalking', to_masked: maskPhone(message.to), kind: message.kind };
    try {
      const result = interpret(await this.call(message));
      this.logger.info({ sms: { ...sms, ...result, ms: Date.now() - started } }, 'SMS sent');
      return result;
    } catch (err) {
      const e = classify(err);
      const { status, statusCode } = e;
      this.logger.warn({ sms: { ...sms, status, statusCode, ms: Date.now() - started } }, e.message);
      throw e;
    }
  }

  /**
   * The SDK has no base-URL option: it reads lib/common's SMS_URL on each call. That module is
   * process-global (another client, or the sandbox switch, may rewrite it), so it is set again before
   * every call; send() reads it synchronously, before its first await, so no other call slips between.
   */
  private pointSdk(): void {
    atCommon.SMS_URL = this.smsUrl;
  }

  private async call(message: SmsMessage): Promise<AtSmsAnswer> {
    this.pointSdk();
    const from = this.config.AT_SENDER_ID;
    const sent = this.client.SMS.send({ to: [message.to], message: message.body, ...(from ? { from } : {}) })
      // A 2xx other than 201 is rejected with the answer body itself (not an Error): read it like one.
      .catch((err: unknown) => (err instanceof Error ? Promise.reject(err) : (err as AtSmsAnswer)));
    // The SDK (axios) sets no timeout and takes no signal: the request is abandoned, not aborted.
    const ms = this.config.PROVIDER_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SmsRetryableError(`Africa's Talking: no answer within ${ms} ms`, 'Timeout', null)),
        ms,
      );
    });
    try {
      return await Promise.race([sent, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The one recipient's status: accepted → result; 500-502 → retryable; anything else → refused. */
function interpret(answer: AtSmsAnswer): SmsSendResult {
  const data = answer?.SMSMessageData;
  const r = data?.Recipients?.[0];
  if (!r) {
    // A whole-request refusal, e.g. {"Message":"InvalidSenderId","Recipients":[]}.
    const word = /^[A-Za-z]+$/.test(data?.Message ?? '') ? data!.Message! : 'NoRecipient';
    throw new SmsRefusedError(`Africa's Talking: no recipient accepted (${word})`, word, null);
  }
  const statusCode = Number(r.statusCode);
  if (ACCEPTED.has(statusCode)) {
    return { messageId: r.messageId, status: r.status, statusCode, cost: r.cost };
  }
  const Failure = RETRYABLE.has(statusCode) ? SmsRetryableError : SmsRefusedError;
  throw new Failure(`Africa's Talking: ${r.status} (${statusCode})`, r.status, statusCode);
}

/**
 * Only the status and the error's own words are kept: an axios error carries the request config
 * (apiKey header, message body), so it is never attached nor logged.
 */
function classify(err: unknown): SmsDeliveryError {
  if (err instanceof SmsDeliveryError) return err;
  const e = err as { isAxiosError?: boolean; code?: string; message?: string; response?: { status: number } };
  if (e?.isAxiosError) {
    const http = e.response?.status;
    if (http === undefined) {
      const why = e.code ?? 'NetworkError';
      return new SmsRetryableError(`Africa's Talking unreachable: ${why}`, why, null);
    }
    const retry = http >= 500 || http === 408 || http === 429;
    const Failure = retry ? SmsRetryableError : SmsRefusedError;
    return new Failure(`Africa's Talking answered HTTP ${http}`, `HTTP ${http}`, null);
  }
  // The SDK's own validation (Joi: a number that is not E.164, say), before any request.
  return new SmsRefusedError(
    `Africa's Talking SDK refused the request: ${e?.message ?? 'unknown'}`,
    'InvalidRequest',
    null,
  );
}
