import { randomUUID } from 'node:crypto';
import type {
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import type { Config } from '../config';
import type { Clock } from '../infra/clock';
import { decrypt, deriveKey, encrypt } from '../infra/crypto';
import { i18n, t, type Lang } from '../infra/i18n';
import type { Logger } from '../infra/logger';
import type { JobQueue } from '../infra/queue';
import { SmsOptOut, SmsOutboxEntry } from './entities';
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
const PENDING_BULK = 'smsOutboxBulkIds';
/**
 * Reminders go out after everything else waiting (BullMQ runs unprioritized jobs first): 100,000 of
 * them take hours at the provider's rate, and a one-time code must not wait behind them.
 */
const BULK_PRIORITY = 10;
const isReminder = (kind: SmsKind) => kind === 'reminder';
/** Rows per INSERT of `queueMany`: 19 parameters a row stays far below SQLite's 32,766. */
const MANY_CHUNK = 1000;

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
/**
 * A key of the `sms` namespace of locales/<lang>/ and its parameters, or a body already rendered.
 * `secret` params (a one-time code) fill the template like `params` but are never stored readable: the
 * row's body shows them masked and the worker renders the real text when it sends (see `row`). Their
 * values are letters and digits, so the masked text measures what the real one does.
 */
export type OutboxMessage = Base &
  (
    | { template: string; params?: Record<string, unknown>; secret?: Record<string, string> }
    | { body: string; template?: undefined; secret?: undefined }
  );

/** What a secret value may hold: one GSM-7 septet per character, like the `*` that masks it. */
const SECRET_VALUE_RE = /^[0-9A-Za-z]+$/;

/** The key that seals the secret params of outbox rows: DOCUMENT_KEY's, for this purpose only. */
export const smsSecretKey = (config: Pick<Config, 'DOCUMENT_KEY'>) =>
  deriveKey(config.DOCUMENT_KEY, 'sms-outbox-secret-params');

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
function holdUntilCommit(qr: QueryRunner, ids: number[], bulk: boolean): boolean {
  if (!qr.isTransactionActive) return false;
  const data = qr.data as Record<string, number[] | undefined>;
  const slot = (data[bulk ? PENDING_BULK : PENDING] ??= []);
  for (const id of ids) slot.push(id);
  return true;
}

/** The SMS outbox: what business code calls to send an SMS. */
export class SmsOutbox {
  private readonly secretKey: string;

  constructor(
    private readonly deps: {
      config: Pick<Config, 'DOCUMENT_KEY'>;
      clock: Clock;
      queue: JobQueue;
      logger: Logger;
    },
  ) {
    this.secretKey = smsSecretKey(deps.config);
  }

  /**
   * Renders the message in the recipient's language, folds it to GSM-7 and inserts it with `manager`
   * (inside the caller's transaction when it has one). False when the dedupe key was already used, or
   * for a reminder to a phone that answered STOP.
   */
  async queue(manager: EntityManager, msg: OutboxMessage): Promise<boolean> {
    if (isReminder(msg.kind) && (await optedOut(manager, [msg.to])).size > 0) {
      this.deps.logger.debug(
        { sms: { kind: msg.kind, template: msg.template } },
        'SMS opted out: not queued',
      );
      return false;
    }
    const row = this.row(msg, this.deps.clock.now());
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
      if (id !== null && holdUntilCommit(qr, [id], isReminder(msg.kind))) return true;
    } finally {
      if (!manager.queryRunner) await qr.release();
    }
    if (id === null) return false;
    await handOff(this.deps.queue, this.deps.logger, [id], isReminder(msg.kind) ? BULK_PRIORITY : undefined);
    return true;
  }

  /**
   * `queue` for many messages at once (reminders): each is rendered, folded and measured the same way,
   * then one multi-row INSERT-or-ignore per thousand. Reminders to opted-out phones and used dedupe
   * keys are left out. Returns how many rows are new; their jobs are added after the commit (addBulk).
   */
  async queueMany(manager: EntityManager, messages: OutboxMessage[]): Promise<number> {
    let queued = 0;
    for (let i = 0; i < messages.length; i += MANY_CHUNK) {
      queued += await this.insertMany(manager, messages.slice(i, i + MANY_CHUNK));
    }
    return queued;
  }

  private async insertMany(manager: EntityManager, messages: OutboxMessage[]): Promise<number> {
    const blocked = await optedOut(
      manager,
      messages.filter((m) => isReminder(m.kind)).map((m) => m.to),
    );
    const now = this.deps.clock.now();
    const candidates = messages.filter((m) => !(isReminder(m.kind) && blocked.has(m.to)));
    const used = await existingKeys(
      manager,
      candidates.flatMap((m) => (m.dedupeKey ? [m.dedupeKey] : [])),
    );
    const rows = candidates.filter((m) => !used.has(m.dedupeKey ?? '')).map((m) => this.row(m, now));
    if (rows.length === 0) return 0;
    const [sql, params] = manager
      .createQueryBuilder()
      .insert()
      .into(SmsOutboxEntry)
      .values(rows)
      .orIgnore() // a concurrent run may have used a key since `existingKeys`
      .getQueryAndParameters();
    // An ignoring multi-row INSERT reports neither which rows it kept nor their ids (auto-increment
    // leaves gaps): read them back by key. A row a concurrent run just wrote may be among them, and
    // handing it off twice is harmless (one job per row id, and a row leaves `queued` once).
    const qr = manager.queryRunner ?? manager.connection.createQueryRunner(); // as in `queue`
    let ids: Map<string, number>;
    try {
      await qr.query(sql, params);
      ids = await idsOfKeys(
        qr.manager,
        rows.map((r) => r.dedupeKey),
      );
      for (const bulk of [true, false]) {
        const groupIds = rows
          .filter((r) => isReminder(r.kind) === bulk)
          .flatMap((r) => ids.get(r.dedupeKey) ?? []);
        if (holdUntilCommit(qr, groupIds, bulk)) continue;
        await handOff(this.deps.queue, this.deps.logger, groupIds, bulk ? BULK_PRIORITY : undefined);
      }
    } finally {
      if (!manager.queryRunner) await qr.release();
    }
    return ids.size;
  }

  /**
   * The outbox row of a message: rendered in its language, folded to GSM-7, its parts counted. With
   * secret params, rendered with them masked, and what the worker needs to render the real text kept
   * beside it, the secret params sealed (a fresh nonce each).
   */
  private row(msg: OutboxMessage, now: Date) {
    const { body, encoding, segments } = shapeSms(
      msg.template === undefined
        ? msg.body
        : renderSms(msg.lang, msg.template, { ...msg.params, ...masked(msg.secret) }),
    );
    const sealed =
      msg.template !== undefined && msg.secret
        ? {
            template: msg.template,
            params: JSON.stringify(msg.params ?? {}),
            secretParamsEnc: encrypt(JSON.stringify(msg.secret), this.secretKey),
          }
        : { template: null, params: null, secretParamsEnc: null };
    if (segments > MAX_SMS_SEGMENTS) {
      // Templates are checked by a unit test; an unusually long name or a raw body can still get here.
      this.deps.logger.warn({ sms: { kind: msg.kind, template: msg.template, segments } }, 'long SMS');
    }
    return {
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
      ...sealed,
      createdAt: now,
      updatedAt: now,
      sentAt: null,
      deliveredAt: null,
    };
  }
}

/**
 * The phones among `phones` that answered STOP. The one check that keeps reminders from them, whoever
 * selected the recipients (receipts and codes are never asked).
 */
async function optedOut(manager: EntityManager, phones: string[]): Promise<Set<string>> {
  if (phones.length === 0) return new Set();
  const rows = await manager
    .createQueryBuilder(SmsOptOut, 'o')
    .select('o.phone', 'phone')
    .where('o.phone IN (:...phones)', { phones: [...new Set(phones)] })
    .getRawMany<{ phone: string }>();
  return new Set(rows.map((r) => r.phone));
}

async function existingKeys(manager: EntityManager, keys: string[]): Promise<Set<string>> {
  return new Set((await idsOfKeys(manager, keys)).keys());
}

async function idsOfKeys(manager: EntityManager, keys: string[]): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const rows = await manager
    .createQueryBuilder(SmsOutboxEntry, 'o')
    .select('o.id', 'id')
    .addSelect('o.dedupeKey', 'key')
    .where('o.dedupeKey IN (:...keys)', { keys })
    .getRawMany<{ id: number | string; key: string }>();
  return new Map(rows.map((r) => [r.key, Number(r.id)]));
}

/** An `sms` template in a language, filled. */
function renderSms(lang: Lang, template: string, params: Record<string, unknown>): string {
  // A missing key would send the key itself to a client's phone.
  if (!i18n().exists(template, { lng: lang, ns: 'sms' })) {
    throw new Error(`no SMS template '${template}' in locales/${lang}/sms.json`);
  }
  return t(lang, 'sms')(template, params);
}

/** Each secret value as as many `*`: the masked text is exactly as long, in the same encoding. */
function masked(secret: Record<string, string> | undefined): Record<string, string> {
  if (!secret) return {};
  return Object.fromEntries(
    Object.entries(secret).map(([name, value]) => {
      if (!SECRET_VALUE_RE.test(value))
        throw new Error(`secret SMS param '${name}' must be letters and digits`);
      return [name, '*'.repeat(value.length)];
    }),
  );
}

/**
 * The text to send for a row: its body, or for a row with secret params its template rendered again
 * with them unsealed, folded as at queue time. Throws when they cannot be unsealed (another key).
 */
export function textToSend(
  row: Pick<SmsOutboxEntry, 'body' | 'lang' | 'template' | 'params' | 'secretParamsEnc'>,
  secretKey: string,
): string {
  if (row.secretParamsEnc === null || row.template === null) return row.body;
  const secret = JSON.parse(decrypt(row.secretParamsEnc, secretKey)) as Record<string, string>;
  const params = JSON.parse(row.params ?? '{}') as Record<string, unknown>;
  return shapeSms(renderSms(row.lang as Lang, row.template, { ...params, ...secret })).body;
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
