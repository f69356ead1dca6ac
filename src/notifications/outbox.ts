import { randomUUID } from 'node:crypto';
import type { EntityManager, QueryRunner } from 'typeorm';
import type { Config } from '../config';
import type { Clock } from '../infra/clock';
import { encrypt } from '../infra/crypto';
import type { Lang } from '../infra/i18n';
import type { Logger } from '../infra/logger';
import type { JobQueue } from '../infra/queue';
import { SmsOptOut, SmsOutboxEntry } from './entities';
import { BULK_PRIORITY, handOff, holdUntilCommit, isReminder } from './outbox-handoff';
import { MAX_SMS_SEGMENTS, shapeSms } from './segments';
import type { SmsKind } from './sms';
import { masked, renderSms, smsSecretKey } from './sms-secrets';

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
