import { In } from 'typeorm';
import type { Deps } from '../deps';
import { SmsOutboxEntry, type SmsStatus } from './entities';

/** A delivery report as Africa's Talking posts it (form-encoded). */
export interface DeliveryReport {
  /** The messageId AT gave when it accepted the message (our `provider_message_id`). */
  id: string;
  status: string;
  failureReason?: string;
}

/**
 * `ignored`: an unknown id that is not Africa's Talking's, never worth holding; `dropped`: an unknown id
 * beyond DLR_HOLD_PER_MINUTE. Both are answered 200 like the others: AT's retry would not change them.
 */
export type ReportOutcome = 'updated' | 'unchanged' | 'held' | 'unknown_status' | 'ignored' | 'dropped';

/**
 * AT's delivery statuses, in the order a message lives them. `Sent`, `Submitted` and `Buffered` say it
 * is on its way (our `sent`); `Success` is delivered; the others are final failures. `Rejected` means
 * the network refused the message, like our `rejected` for a request AT refused.
 */
const TARGET: Record<string, SmsStatus> = {
  Sent: 'sent',
  Submitted: 'sent',
  Buffered: 'sent',
  Success: 'delivered',
  Failed: 'failed',
  AbsentSubscriber: 'failed',
  Expired: 'failed',
  Rejected: 'rejected',
};

/**
 * The statuses a row may be in for a report to move it: never backwards, never out of a final state.
 * AT does not promise to post reports in order (a late `Sent` after `Success`), nor only once.
 */
const MAY_MOVE_FROM: Record<SmsStatus, SmsStatus[]> = {
  queued: [],
  sent: ['queued'],
  delivered: ['queued', 'sent'],
  failed: ['queued', 'sent'],
  rejected: ['queued', 'sent'],
};

/**
 * A report for a message id not stored yet is kept this long: AT's report can outrun its answer to the
 * send, which carries the id the worker then stores. An id that never comes (another application on
 * the same AT account) is forgotten with it.
 */
const HELD_TTL_S = 600;
const heldKey = (messageId: string, target: SmsStatus) => `sms:dlr:${messageId}:${target}`;
/**
 * The ids AT gives (`ATXid_` and a hex token, 32 characters today; a little leeway for a change): a
 * report for anything else (a random id, our console sender's `console-…`) can never be matched later,
 * so it is not kept. With the per-minute cap, it bounds what a flood of made-up reports costs Redis.
 */
const AT_MESSAGE_ID = /^ATXid_[A-Za-z0-9]{8,64}$/;
const holdsKey = (minute: number) => `sms:dlr:holds:${minute}`;
/** The statuses a report can move a row to, in the order a message lives them. */
const TARGETS: SmsStatus[] = ['sent', 'delivered', 'failed', 'rejected'];

/** Applies AT's delivery reports to the outbox rows, each as one conditional update. */
export class DeliveryReports {
  constructor(private readonly deps: Pick<Deps, 'db' | 'clock' | 'kv' | 'config'>) {}

  async apply(report: DeliveryReport): Promise<ReportOutcome> {
    const target = TARGET[report.status];
    if (!target) return 'unknown_status';
    // The common case (a report that moves its row) costs one query.
    if (await this.update(report, target)) return 'updated';
    if (await this.known(report.id)) return 'unchanged';
    if (!AT_MESSAGE_ID.test(report.id)) return 'ignored';
    if (!(await this.mayHold())) return 'dropped';
    // Kept for the worker, which applies it once it stored the id (applyHeld). Stored just now, before
    // the worker could see this report: applied here.
    await this.deps.kv.set(heldKey(report.id, target), JSON.stringify(report), HELD_TTL_S);
    if (!(await this.known(report.id))) return 'held';
    return (await this.update(report, target)) ? 'updated' : 'unchanged';
  }

  /** After the worker stored a message id: the reports that came before it, in lifecycle order. */
  async applyHeld(messageId: string): Promise<void> {
    const keys = TARGETS.map((target) => heldKey(messageId, target));
    const held = await this.deps.kv.mget(keys);
    for (const [i, raw] of held.entries()) {
      if (raw === null) continue;
      await this.apply(JSON.parse(raw) as DeliveryReport);
      await this.deps.kv.del(keys[i]);
    }
  }

  /** One more held report this clock minute, if the cap allows it (the counter outlives its minute). */
  private async mayHold(): Promise<boolean> {
    const minute = Math.floor(this.deps.clock.now().getTime() / 60_000);
    const holds = await this.deps.kv.incr(holdsKey(minute), 120);
    return holds <= this.deps.config.DLR_HOLD_PER_MINUTE;
  }

  private async update(report: DeliveryReport, target: SmsStatus): Promise<boolean> {
    const now = this.deps.clock.now();
    const changes: Partial<SmsOutboxEntry> = { status: target, updatedAt: now };
    if (target === 'delivered') changes.deliveredAt = now;
    if (target === 'failed' || target === 'rejected') {
      // AT gives a reason with Failed/Rejected; AbsentSubscriber and Expired are their own reason.
      changes.failureReason = (report.failureReason || report.status).slice(0, 120);
    }
    const result = await this.deps.db.manager.update(
      SmsOutboxEntry,
      { providerMessageId: report.id, status: In(MAY_MOVE_FROM[target]) },
      changes,
    );
    return Boolean(result.affected);
  }

  private known(messageId: string): Promise<boolean> {
    return this.deps.db.manager.exists(SmsOutboxEntry, { where: { providerMessageId: messageId } });
  }
}
