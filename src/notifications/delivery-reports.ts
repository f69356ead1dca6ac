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

export type ReportOutcome = 'updated' | 'unchanged' | 'unknown_id' | 'unknown_status';

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

/** Applies AT's delivery reports to the outbox rows, each as one conditional update. */
export class DeliveryReports {
  constructor(private readonly deps: Pick<Deps, 'db' | 'clock'>) {}

  async apply(report: DeliveryReport): Promise<ReportOutcome> {
    const target = TARGET[report.status];
    if (!target) return 'unknown_status';
    const now = this.deps.clock.now();
    const changes: Partial<SmsOutboxEntry> = { status: target, updatedAt: now };
    if (target === 'delivered') changes.deliveredAt = now;
    if (target === 'failed' || target === 'rejected') {
      // AT gives a reason with Failed/Rejected; AbsentSubscriber and Expired are their own reason.
      changes.failureReason = (report.failureReason || report.status).slice(0, 120);
    }
    const manager = this.deps.db.manager;
    const result = await manager.update(
      SmsOutboxEntry,
      { providerMessageId: report.id, status: In(MAY_MOVE_FROM[target]) },
      changes,
    );
    if (result.affected) return 'updated';
    // Only now the second query: the common case (a report that moves its row) costs one.
    const known = await manager.exists(SmsOutboxEntry, { where: { providerMessageId: report.id } });
    return known ? 'unchanged' : 'unknown_id';
  }
}
