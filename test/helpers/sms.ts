import type { SmsMessage, SmsSender } from '../../src/notifications/sms';

/** The phone's side of the SMS port: what each number received, in order. */
export class Inbox implements SmsSender {
  readonly messages: SmsMessage[] = [];

  send(message: SmsMessage): Promise<void> {
    this.messages.push(message);
    return Promise.resolve();
  }

  to(phone: string): SmsMessage[] {
    return this.messages.filter((m) => m.to === phone);
  }

  lastCode(phone: string): string {
    const last = this.to(phone).at(-1);
    const code = last && /\b(\d{6})\b/.exec(last.body)?.[1];
    if (!code) throw new Error(`no one-time code was sent to ${phone}`);
    return code;
  }
}
