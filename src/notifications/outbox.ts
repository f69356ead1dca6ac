import { randomUUID } from 'node:crypto';
import type {
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import type { Clock } from '../infra/clock';
import { i18n, t, type Lang } from '../infra/i18n';
import type { Logger } from '../infra/logger';
import type { JobQueue } from '../infra/queue';
import { SmsOutboxEntry } from './entities';
import { MAX_SMS_SEGMENTS, shapeSms } from './segments';
import type { SmsKind } from './sms';

/** The delivery job's name; its job id is `sms-<row id>`, so a row is queued at most once at a time. */
export const SMS_JOB = 'sms';
export interface SmsJob {
  id: number;
}
export const smsJobId = (id: number) => `sms-${id}`;

/** Where a transaction keeps the ids of the rows it queued until it commits (queryRunner.data). */
const PENDING = 'smsOutboxIds';

interface Base {
  to: string;
  kind: SmsKind;
  lang: Lang;
  /**
   * Same key, one SMS, ever (e.g. `payment:<reference>:receipt`). Without one the message gets a
   * random key: it is queued each time it is asked for.
   */
  dedupeKey?: string;
}
/** A key of the `sms` namespace of locales/<lang>/ and its parameters, or a body already rendered. */
export type OutboxMessage = Base &
  ({ template: string; params?: Record<string, unknown> } | { body: string; template?: undefined });

/** Hands committed rows to the queue. A failure is only logged: the sweeper adds the jobs again. */
export async function handOff(queue: JobQueue, logger: Logger, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  try {
    await queue.addBulk<SmsJob>(
      ids.map((id) => ({ name: SMS_JOB, data: { id }, opts: { jobId: smsJobId(id) } })),
    );
  } catch (err) {
    logger.warn({ ids, err: (err as Error).message }, 'SMS jobs not queued: the sweeper will');
  }
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
    await handOff(this.queue, this.logger, takePending(event.queryRunner));
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    // SQLite has one query runner for every transaction: nothing may be left for the next one.
    if (!event.queryRunner.isTransactionActive) takePending(event.queryRunner);
  }
}

function takePending(qr: QueryRunner): number[] {
  const ids = (qr.data as Record<string, number[] | undefined>)[PENDING] ?? [];
  delete (qr.data as Record<string, unknown>)[PENDING];
  return ids;
}

/** The SMS outbox: what business code calls to send an SMS. */
export class SmsOutbox {
  constructor(private readonly deps: { clock: Clock; queue: JobQueue; logger: Logger }) {}

  /**
   * Renders the message in the recipient's language, folds it to GSM-7 and inserts it with `manager`
   * (inside the caller's transaction when it has one). False when the dedupe key was already used.
   */
  async queue(manager: EntityManager, msg: OutboxMessage): Promise<boolean> {
    const now = this.deps.clock.now();
    const { body, encoding, segments } = shapeSms(render(msg));
    if (segments > MAX_SMS_SEGMENTS) {
      // Templates are checked by a unit test; an unusually long name or a raw body can still get here.
      this.deps.logger.warn({ sms: { kind: msg.kind, template: msg.template, segments } }, 'long SMS');
    }
    const row = {
      toPhone: msg.to,
      body,
      kind: msg.kind,
      status: 'queued' as const,
      providerMessageId: null,
      segments,
      encoding,
      cost: null,
      attempts: 0,
      dedupeKey: msg.dedupeKey ?? `random:${randomUUID()}`,
      failureReason: null,
      lang: msg.lang,
      createdAt: now,
      updatedAt: now,
      sentAt: null,
      deliveredAt: null,
    };
    const [sql, params] = manager
      .createQueryBuilder()
      .insert()
      .into(SmsOutboxEntry)
      .values(row)
      .orIgnore() // INSERT IGNORE (MySQL) / INSERT OR IGNORE (SQLite): a used key is no error
      .getQueryAndParameters();
    // The caller's transaction, if any. SQLite's single runner may also be inside someone else's
    // transaction when `manager` is the global one: the row is then that transaction's to commit.
    const qr = manager.queryRunner ?? manager.connection.createQueryRunner();
    let id: number | null;
    try {
      id = await insertIgnoring(qr, sql, params);
      if (id !== null && qr.isTransactionActive) {
        const data = qr.data as Record<string, number[] | undefined>;
        (data[PENDING] ??= []).push(id);
        return true;
      }
    } finally {
      if (!manager.queryRunner) await qr.release();
    }
    if (id === null) return false;
    await handOff(this.deps.queue, this.deps.logger, [id]);
    return true;
  }
}

function render(msg: OutboxMessage): string {
  if (msg.template === undefined) return msg.body;
  // A missing key would send the key itself to a client's phone.
  if (!i18n().exists(msg.template, { lng: msg.lang, ns: 'sms' })) {
    throw new Error(`no SMS template '${msg.template}' in locales/${msg.lang}/sms.json`);
  }
  return t(msg.lang, 'sms')(msg.template, msg.params ?? {});
}

/**
 * Runs the INSERT and returns the new id, or null when the row was ignored. TypeORM's InsertResult
 * does not say whether an ignoring insert inserted (on SQLite it hands back a stale last rowid), so
 * the statement runs through the query runner for the affected-rows count.
 */
async function insertIgnoring(qr: QueryRunner, sql: string, params: unknown[]): Promise<number | null> {
  const result = await qr.query(sql, params, true);
  if (!result.affected) return null;
  // mysql2: an OkPacket with insertId; better-sqlite3: lastInsertRowid itself.
  const raw = result.raw as { insertId?: number | string } | number | bigint;
  return Number(typeof raw === 'object' ? raw.insertId : raw);
}
