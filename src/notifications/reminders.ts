import type { EntityManager } from 'typeorm';
import type { AccountsDirectory, SfdSummary } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Lang } from '../infra/i18n';
import type { OutboxMessage } from './outbox';
import { DEFAULT_TIME_ZONE, isTimeZone, localTime, type LocalDate } from '../shared/sfd-calendar';

/**
 * Scheduled reminders: a registry of kinds (this module's KYC reminder; tontines and loans add theirs)
 * and the machinery that runs them. Every REMINDER_EVERY_MS a tick looks at each active SFD; once its
 * local clock has reached REMINDER_HOUR, each kind selects its recipients for that local date in
 * batches (keyset pages, never the whole list in memory) and queues them through the outbox. The
 * dedupe key makes every reminder go once, however many ticks, processes or retries run it.
 */
export const REMINDERS_JOB = 'reminders';

export interface ReminderQuery {
  /** The SFD, as the accounts directory lists it. */
  sfd: SfdSummary;
  /** The SFD's IANA zone, already checked. */
  timeZone: string;
  /** Today in the SFD. */
  localDate: LocalDate;
  /** How many days late a reminder missed on its day may still go (REMINDER_CATCH_UP_DAYS). */
  catchUpDays: number;
  /** Keyset pagination: return rows with `id > afterId`, by ascending id, at most `limit`. */
  afterId: number;
  limit: number;
}

export interface ReminderRow {
  /** The keyset cursor: the primary key of the table the selection walks (the user's, the schedule's…). */
  id: number;
  userId: number;
  phone: string;
  lang: Lang;
  params: Record<string, unknown>;
  /**
   * The local date the reminder is due on, in its dedupe key. Defaults to the run's date; a kind that
   * catches up on missed days gives the missed day, so the late run and the on-time one share a key.
   */
  dueDate?: LocalDate;
  /** Tells apart several reminders of one kind to one user on one day (two loans due the same day). */
  ref?: string;
}

export interface ReminderKind {
  /** Lower-case and underscores: part of the dedupe key. */
  name: string;
  /** A key of locales/<lang>/sms.json, filled with each row's params. */
  template: string;
  /**
   * One page of recipients. Excluding STOP'd phones here (a LEFT JOIN on sms_opt_outs) saves the work;
   * the outbox refuses them anyway. A kind runs to the end once per SFD and local day (later ticks that
   * day skip it): a recipient who only becomes due later that day must be found by the next day's run.
   */
  select(manager: EntityManager, query: ReminderQuery): Promise<ReminderRow[]>;
}

export const reminderKey = (kind: string, userId: number, date: LocalDate, ref?: string) =>
  `reminder:${kind}:${userId}:${date}${ref === undefined ? '' : `:${ref}`}`;

export type RemindersDeps = Pick<Deps, 'db' | 'kv' | 'clock' | 'logger' | 'config' | 'queue' | 'outbox'>;

/** Where the SFDs come from: the accounts directory (notifications never reads the `sfds` table). */
export type SfdDirectory = Pick<AccountsDirectory, 'activeSfds'>;

/** A finished (kind, SFD, day) is remembered this long: past the day in every zone. */
const DONE_TTL_S = 3 * 86_400;
/** One process at a time per (kind, SFD, day); a crashed holder's lock expires. */
const LOCK_TTL_S = 15 * 60;

export class Reminders {
  private readonly kinds = new Map<string, ReminderKind>();
  private readonly badZones = new Set<string>();

  constructor(
    private readonly deps: RemindersDeps,
    /** Where the active SFDs come from (accounts' directory). */
    private readonly directory: SfdDirectory,
  ) {}

  register(kind: ReminderKind): void {
    if (!/^[a-z][a-z0-9_]*$/.test(kind.name)) throw new Error(`bad reminder kind name '${kind.name}'`);
    if (this.kinds.has(kind.name)) throw new Error(`reminder kind '${kind.name}' is already registered`);
    this.kinds.set(kind.name, kind);
  }

  list(): ReminderKind[] {
    return [...this.kinds.values()];
  }

  /**
   * Every kind, for each active SFD whose local time has reached REMINDER_HOUR, for its local date.
   * A (kind, SFD, day) that completed is skipped until the next day; one that failed is logged and
   * tried again by the next tick. Returns how many reminders this tick queued.
   */
  async tick(): Promise<number> {
    const { kv, clock, config, logger } = this.deps;
    const now = clock.now();
    const sfds = await this.directory.activeSfds();
    let queued = 0;
    for (const sfd of sfds) {
      const local = localTime(now, this.zoneOf(sfd));
      if (local.hour < config.REMINDER_HOUR) continue;
      for (const kind of this.kinds.values()) {
        const id = `${kind.name}:${sfd.id}:${local.date}`;
        if (await kv.get(`reminders:done:${id}`)) continue;
        if ((await kv.incr(`reminders:lock:${id}`, LOCK_TTL_S)) !== 1) continue; // running elsewhere
        try {
          queued += await this.run(kind, sfd, local.date);
          await kv.set(`reminders:done:${id}`, '1', DONE_TTL_S);
        } catch (err) {
          logger.error({ reminder: kind.name, sfd: sfd.id, err: (err as Error).message }, 'reminders failed');
        } finally {
          await kv.del(`reminders:lock:${id}`);
        }
      }
    }
    return queued;
  }

  /**
   * One kind for one SFD and local date, to the end: page after page, each page queued in its own
   * transaction with one multi-row insert. Returns how many reminders were new.
   */
  async run(kind: ReminderKind, sfd: SfdSummary, localDate: LocalDate): Promise<number> {
    const { db, outbox, config, logger } = this.deps;
    const started = Date.now();
    const base = {
      sfd,
      timeZone: this.zoneOf(sfd),
      localDate,
      catchUpDays: config.REMINDER_CATCH_UP_DAYS,
      limit: config.REMINDER_BATCH_SIZE,
    };
    let afterId = 0;
    let selected = 0;
    let queued = 0;
    // One page at a time: overlapping the next select with this page's write measured no faster on
    // two cores and doubled the garbage between collections (npm run bench:reminders).
    for (;;) {
      const rows = await kind.select(db.manager, { ...base, afterId });
      if (rows.length === 0) break;
      selected += rows.length;
      const messages = rows.map((row): OutboxMessage => ({
        to: row.phone,
        kind: 'reminder',
        lang: row.lang,
        template: kind.template,
        params: row.params,
        dedupeKey: reminderKey(kind.name, row.userId, row.dueDate ?? localDate, row.ref),
      }));
      queued += await db.transaction((manager) => outbox.queueMany(manager, messages));
      afterId = rows[rows.length - 1].id;
      if (rows.length < base.limit) break;
    }
    if (selected > 0) {
      const ms = Date.now() - started;
      logger.info({ reminder: kind.name, sfd: sfd.id, localDate, selected, queued, ms }, 'reminders queued');
    }
    return queued;
  }

  /** The SFD's zone; the API validates it, but a row written before that must not stop every SFD. */
  private zoneOf(sfd: SfdSummary): string {
    if (isTimeZone(sfd.timeZone)) return sfd.timeZone;
    if (!this.badZones.has(sfd.timeZone)) {
      this.badZones.add(sfd.timeZone);
      this.deps.logger.warn(
        { sfd: sfd.id, timeZone: sfd.timeZone },
        `unknown time zone, using ${DEFAULT_TIME_ZONE}`,
      );
    }
    return DEFAULT_TIME_ZONE;
  }
}
