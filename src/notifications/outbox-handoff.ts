import type {
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import type { Logger } from '../infra/logger';
import type { JobQueue } from '../infra/queue';
import type { SmsOutboxEntry } from './entities';
import type { SmsKind } from './sms';

/** The delivery job's name; its job id is `sms-<row id>`, so a row is queued at most once at a time. */
export const SMS_JOB = 'sms';
export interface SmsJob {
  id: number;
}
export const smsJobId = (id: number) => `sms-${id}`;

/** Where a transaction keeps the ids of the rows it queued until it commits (queryRunner.data). */
const PENDING = 'smsOutboxIds';
const PENDING_BULK = 'smsOutboxBulkIds';
/**
 * Reminders go out after everything else waiting (BullMQ runs unprioritized jobs first): 100,000 of
 * them take hours at the provider's rate, and a one-time code must not wait behind them.
 */
export const BULK_PRIORITY = 10;
export const isReminder = (kind: SmsKind) => kind === 'reminder';

/** Hands committed rows to the queue. A failure is only logged: the sweeper adds the jobs again. */
export async function handOff(
  queue: JobQueue,
  logger: Logger,
  ids: number[],
  priority?: number,
): Promise<void> {
  if (ids.length === 0) return;
  try {
    await queue.addBulk<SmsJob>(
      ids.map((id) => ({ name: SMS_JOB, data: { id }, opts: { jobId: smsJobId(id), priority } })),
    );
  } catch (err) {
    logger.warn({ ids, err: (err as Error).message }, 'SMS jobs not queued: the sweeper will');
  }
}

/** Hands rows to the queue, reminders with their low priority (the sweeper's re-adds too). */
export async function handOffRows(
  queue: JobQueue,
  logger: Logger,
  rows: Pick<SmsOutboxEntry, 'id' | 'kind'>[],
): Promise<void> {
  const ids = (bulk: boolean) => rows.filter((r) => isReminder(r.kind) === bulk).map((r) => r.id);
  await handOff(queue, logger, ids(false));
  await handOff(queue, logger, ids(true), BULK_PRIORITY);
}

/**
 * Business code writes outbox rows in its own transaction; only once that transaction commits are the
 * rows handed to the queue. A rolled-back transaction sent nothing, and a job never finds its row
 * missing. Registered on the DataSource (open.ts).
 */
export class OutboxHandOff implements EntitySubscriberInterface {
  constructor(
    private readonly queue: JobQueue,
    private readonly logger: Logger,
  ) {}

  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    // A released savepoint: the outer transaction may still roll back.
    if (event.queryRunner.isTransactionActive) return;
    // handOff never throws: an error here would make the committed transaction look failed.
    await handOff(this.queue, this.logger, takePending(event.queryRunner, PENDING));
    await handOff(this.queue, this.logger, takePending(event.queryRunner, PENDING_BULK), BULK_PRIORITY);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    // SQLite has one query runner for every transaction: nothing may be left for the next one.
    if (event.queryRunner.isTransactionActive) return;
    takePending(event.queryRunner, PENDING);
    takePending(event.queryRunner, PENDING_BULK);
  }
}

function takePending(qr: QueryRunner, slot: string): number[] {
  const ids = (qr.data as Record<string, number[] | undefined>)[slot] ?? [];
  delete (qr.data as Record<string, unknown>)[slot];
  return ids;
}

/** Holds the ids until the transaction commits (true), or says the caller must hand them off now. */
export function holdUntilCommit(qr: QueryRunner, ids: number[], bulk: boolean): boolean {
  if (!qr.isTransactionActive) return false;
  const data = qr.data as Record<string, number[] | undefined>;
  const slot = (data[bulk ? PENDING_BULK : PENDING] ??= []);
  for (const id of ids) slot.push(id);
  return true;
}
