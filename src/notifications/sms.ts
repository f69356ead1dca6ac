import { randomUUID } from 'node:crypto';
import type { Logger } from '../infra/logger';
import { maskPhone } from '../infra/logger';

export type SmsKind = 'otp' | 'receipt' | 'reminder' | 'alert' | 'info';

export interface SmsMessage {
  to: string;
  body: string;
  kind: SmsKind;
}

/** What the provider said when it took the message. */
export interface SmsReceipt {
  messageId: string;
  status: string;
  /** As the provider states it, currency included; null when it states none. */
  cost: string | null;
}

/**
 * The SMS port, used only by the outbox's delivery worker: business code queues outbox rows. One call
 * is one attempt; an adapter throws SmsRetryableError or SmsRefusedError (africastalking.ts) to say
 * whether another attempt may help. Bodies arrive folded to GSM-7.
 */
export interface SmsSender {
  send(message: SmsMessage): Promise<SmsReceipt>;
}

/**
 * Embedded/demo adapter: writes the message to the log instead of a phone, and the outbox row is then
 * marked sent. It is the only place an OTP may appear in a log, because in demo mode the console is
 * the phone.
 */
export class ConsoleSmsSender implements SmsSender {
  constructor(private readonly logger: Logger) {}

  send(message: SmsMessage): Promise<SmsReceipt> {
    this.logger.info(
      { sms: { to_masked: maskPhone(message.to), kind: message.kind } },
      `SMS: ${message.body}`,
    );
    return Promise.resolve({ messageId: `console-${randomUUID()}`, status: 'Logged', cost: null });
  }
}
