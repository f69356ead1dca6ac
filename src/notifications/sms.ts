import type { Logger } from '../infra/logger';
import { maskPhone } from '../infra/logger';
import { foldToGsm7 } from '../ussd/gsm7';

export type SmsKind = 'otp' | 'receipt' | 'reminder' | 'alert' | 'info';

export interface SmsMessage {
  to: string;
  body: string;
  kind: SmsKind;
}

/** The SMS port. Bodies are folded to GSM-7 before they reach any adapter. */
export interface SmsSender {
  send(message: SmsMessage): Promise<void>;
}

/**
 * Embedded/demo adapter: writes the message to the log instead of a phone. It is the only place an OTP
 * may appear in a log, because in demo mode the console is the phone.
 */
export class ConsoleSmsSender implements SmsSender {
  constructor(private readonly logger: Logger) {}

  send(message: SmsMessage): Promise<void> {
    this.logger.info(
      { sms: { to_masked: maskPhone(message.to), kind: message.kind } },
      `SMS: ${message.body}`,
    );
    return Promise.resolve();
  }
}

export function prepareSms(message: SmsMessage): SmsMessage {
  return { ...message, body: foldToGsm7(message.body) };
}

/**
 * Until the durable outbox lands, an SMS is sent after the business change has committed: a failed
 * send must not turn a done registration or payment into an error for the client. It is logged
 * (without its body, which may carry a one-time code) for an operator to follow up.
 */
export class BestEffortSms implements SmsSender {
  constructor(
    private readonly inner: SmsSender,
    private readonly logger: Logger,
  ) {}

  async send(message: SmsMessage): Promise<void> {
    try {
      await this.inner.send(message);
    } catch (err) {
      this.logger.error(
        { sms: { to_masked: maskPhone(message.to), kind: message.kind }, err: (err as Error).message },
        'SMS not sent',
      );
    }
  }
}
