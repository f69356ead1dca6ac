import type { DataSource } from 'typeorm';
import { SmsOutboxEntry } from '../../src/notifications/entities';
import type { SmsMessage, SmsReceipt, SmsSender } from '../../src/notifications/sms';

/**
 * The phone's side of the SMS port: what each number received, in order. The delivery worker sends
 * to it after the business transaction committed, so every read first waits for the outbox to drain
 * (no row left `queued`).
 */
export class Inbox implements SmsSender {
  private readonly received: SmsMessage[] = [];
  private db: DataSource | null = null;

  /** The database whose outbox feeds this inbox (set by the test app). */
  attach(db: DataSource): void {
    this.db = db;
  }

  send(message: SmsMessage): Promise<SmsReceipt> {
    this.received.push(message);
    return Promise.resolve({ messageId: `inbox-${this.received.length}`, status: 'Success', cost: null });
  }

  /** Waits until the worker has sent every queued SMS. */
  async drain(timeoutMs = 10_000): Promise<void> {
    if (!this.db) return;
    const until = Date.now() + timeoutMs;
    while ((await this.db.manager.count(SmsOutboxEntry, { where: { status: 'queued' } })) > 0) {
      if (Date.now() > until) throw new Error(`SMS outbox not drained within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Every SMS received so far, in order. */
  async all(): Promise<SmsMessage[]> {
    await this.drain();
    return [...this.received];
  }

  async to(phone: string): Promise<SmsMessage[]> {
    return (await this.all()).filter((m) => m.to === phone);
  }

  async lastCode(phone: string): Promise<string> {
    const last = (await this.to(phone)).at(-1);
    const code = last && /\b(\d{6})\b/.exec(last.body)?.[1];
    if (!code) throw new Error(`no one-time code was sent to ${phone}`);
    return code;
  }
}
