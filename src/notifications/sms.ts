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
 *
 * It also remembers, in memory, the texts it delivered (the web phone shows them: GET /simulator/sms),
 * by phone and message id: the outbox row keeps the id, not always the text as sent (one-time codes are
 * stored masked). Bounded: the last `perPhone` texts of the last `phones` numbers that received one.
 */
export class ConsoleSmsSender implements SmsSender {
  /** phone → (message id → text), both in insertion order: the oldest are dropped first. */
  private readonly delivered = new Map<string, Map<string, string>>();

  constructor(
    private readonly logger: Logger,
    private readonly limits = { perPhone: 20, phones: 1000 },
  ) {}

  send(message: SmsMessage): Promise<SmsReceipt> {
    this.logger.info(
      { sms: { to_masked: maskPhone(message.to), kind: message.kind } },
      `SMS: ${message.body}`,
    );
    const messageId = `console-${randomUUID()}`;
    this.remember(message.to, messageId, message.body);
    return Promise.resolve({ messageId, status: 'Logged', cost: null });
  }

  /** The text delivered to `phone` under `messageId`, if it is still remembered. */
  deliveredText(phone: string, messageId: string): string | undefined {
    return this.delivered.get(phone)?.get(messageId);
  }

  private remember(phone: string, messageId: string, text: string): void {
    const texts = this.delivered.get(phone) ?? new Map<string, string>();
    this.delivered.delete(phone); // re-inserted last: the most recent phone
    this.delivered.set(phone, texts);
    texts.set(messageId, text);
    for (const id of texts.keys()) {
      if (texts.size <= this.limits.perPhone) break;
      texts.delete(id);
    }
    for (const old of this.delivered.keys()) {
      if (this.delivered.size <= this.limits.phones) break;
      this.delivered.delete(old);
    }
  }
}
