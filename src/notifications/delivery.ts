import { IsNull, LessThan, Not } from 'typeorm';
import type { Deps } from '../deps';
import { maskPhone } from '../infra/logger';
import type { ProcessOptions } from '../infra/queue';
import { SmsRefusedError } from './africastalking';
import { DeliveryReports } from './delivery-reports';
import { SmsOptOut, SmsOutboxEntry, type SmsStatus } from './entities';
import { handOffRows, type SmsJob } from './outbox-handoff';
import { smsSecretKey, textToSend } from './sms-secrets';

/** Rows still queued this long after they were written lost their job (a crash after the commit). */
const SWEEP_AFTER_MS = 60_000;
const SWEEP_BATCH = 500;
/** Parallel sends per process; the rate limit is what bounds the throughput. */
const CONCURRENCY = 5;

type DeliveryDeps = Pick<Deps, 'db' | 'sms' | 'clock' | 'logger' | 'config' | 'queue' | 'kv'>;

/** The queue settings of the delivery jobs, from the config. */
export function deliveryOptions(config: DeliveryDeps['config']): ProcessOptions {
  return {
    concurrency: CONCURRENCY,
    attempts: config.SMS_MAX_ATTEMPTS,
    backoffMs: config.SMS_BACKOFF_MS,
    limiter: { max: config.SMS_RATE_PER_S, durationMs: 1000 },
  };
}

/**
 * The delivery worker's job: one attempt at one outbox row. A row leaves `queued` once; each attempt
 * is claimed by a conditional update first, so two workers holding the same job cannot both send.
 */
export class SmsDelivery {
  private readonly reports: DeliveryReports;
  private readonly secretKey: string;

  constructor(private readonly deps: DeliveryDeps) {
    this.reports = new DeliveryReports(deps);
    this.secretKey = smsSecretKey(deps.config);
  }

  async deliver({ id }: SmsJob): Promise<void> {
    const manager = this.deps.db.manager;
    const row = await manager.findOne(SmsOutboxEntry, { where: { id } });
    if (!row || row.status !== 'queued') return; // done already: never twice
    if (row.kind === 'reminder' && (await manager.existsBy(SmsOptOut, { phone: row.toPhone }))) {
      // STOP arrived after the reminder was queued (reminders wait behind everything else).
      await this.finish(id, 'failed', { failureReason: 'OptedOut' });
      return;
    }
    if (row.secretParamsEnc !== null && row.createdAt <= this.codeDeadline()) {
      // Its code has expired: sending it now would only confuse, and its seal must not outlive it.
      await this.finish(id, 'failed', { failureReason: 'Expired' });
      return;
    }
    const max = this.deps.config.SMS_MAX_ATTEMPTS;
    if (row.attempts >= max) {
      // Its last attempt ended without a verdict (a crash): give up, as the last attempt would have.
      await this.finish(id, 'failed', { failureReason: row.failureReason ?? 'MaxAttempts' });
      return;
    }
    // A one-time code is stored sealed (the body shows it masked): the real text exists only here.
    let body: string;
    try {
      body = textToSend(row, this.secretKey);
    } catch (err) {
      // Sealed under another key (DOCUMENT_KEY changed since): no attempt can ever send it.
      await this.finish(id, 'failed', { failureReason: 'SecretUnreadable' });
      this.deps.logger.error({ sms: { id, kind: row.kind }, err: (err as Error).message }, 'SMS unreadable');
      return;
    }
    const claimed = await manager.update(
      SmsOutboxEntry,
      { id, status: 'queued', attempts: row.attempts },
      { attempts: row.attempts + 1, updatedAt: this.deps.clock.now() },
    );
    if (!claimed.affected) return; // another worker took this attempt
    const attempt = row.attempts + 1;
    const log = { sms: { id, to_masked: maskPhone(row.toPhone), kind: row.kind, attempt } };

    let messageId: string;
    try {
      const receipt = await this.deps.sms.send({ to: row.toPhone, body, kind: row.kind });
      messageId = receipt.messageId;
      await this.finish(id, 'sent', {
        providerMessageId: messageId,
        cost: receipt.cost,
        failureReason: null,
        sentAt: this.deps.clock.now(),
      });
    } catch (err) {
      const why = (err as { status?: string }).status ?? (err as Error).message;
      if (err instanceof SmsRefusedError) {
        // Sending again cannot help. No per-recipient status means the whole request was refused
        // (sender id, credentials, SDK validation): `rejected`; a refused number is `failed`.
        const status = err.statusCode === null ? 'rejected' : 'failed';
        await this.finish(id, status, { failureReason: why });
        this.deps.logger.warn({ ...log, status, reason: why }, 'SMS refused');
        return;
      }
      if (attempt >= max) {
        await this.finish(id, 'failed', { failureReason: why });
        this.deps.logger.error({ ...log, reason: why }, 'SMS failed: no attempt left');
        return;
      }
      await manager.update(SmsOutboxEntry, { id, status: 'queued' }, { failureReason: clip(why) });
      throw err; // the queue tries again after its backoff
    }
    // Reports AT posted before the id was stored. The SMS is sent whatever happens here.
    await this.reports.applyHeld(messageId).catch((err: unknown) => {
      this.deps.logger.warn({ ...log, err: (err as Error).message }, 'SMS held delivery reports not applied');
    });
  }

  /**
   * Adds the jobs of rows still queued a minute after they were written: the process died between
   * the commit and the hand-off, or the queue was unreachable then. Ids dedupe against live jobs.
   */
  async sweep(): Promise<number> {
    await this.expireCodes();
    const before = new Date(this.deps.clock.now().getTime() - SWEEP_AFTER_MS);
    const rows = await this.deps.db.manager.find(SmsOutboxEntry, {
      select: { id: true, kind: true },
      where: { status: 'queued', createdAt: LessThan(before) },
      order: { createdAt: 'ASC' },
      take: SWEEP_BATCH,
    });
    await handOffRows(this.deps.queue, this.deps.logger, rows);
    return rows.length;
  }

  /** Rows written before this carry a one-time code that has expired (OTP_TTL_S). */
  private codeDeadline(): Date {
    return new Date(this.deps.clock.now().getTime() - this.deps.config.OTP_TTL_S * 1000);
  }

  /**
   * Codes still queued past their lifetime (their job lost, the provider down for longer): failed as
   * `Expired` and their seal blanked, so no code outlives its validity in the database.
   */
  private async expireCodes(): Promise<void> {
    await this.deps.db.manager.update(
      SmsOutboxEntry,
      { status: 'queued', secretParamsEnc: Not(IsNull()), createdAt: LessThan(this.codeDeadline()) },
      {
        status: 'failed',
        failureReason: 'Expired',
        secretParamsEnc: null,
        updatedAt: this.deps.clock.now(),
      },
    );
  }

  /**
   * The row's one way out of `queued` (sent, failed, rejected), by a conditional update that also blanks
   * its sealed secret params: once nothing will send it, nothing may read its code, even with the key.
   */
  private async finish(id: number, status: SmsStatus, changes: Partial<SmsOutboxEntry>): Promise<void> {
    if (changes.failureReason) changes.failureReason = clip(changes.failureReason);
    await this.deps.db.manager.update(
      SmsOutboxEntry,
      { id, status: 'queued' },
      { ...changes, status, secretParamsEnc: null, updatedAt: this.deps.clock.now() },
    );
  }
}

const clip = (s: string) => s.slice(0, 120);
