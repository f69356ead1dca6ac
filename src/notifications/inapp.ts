import { IsNull, Not, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { User } from '../accounts/entities';
import { isPlatformAdmin, isStaff, type Role } from '../http/roles';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { forbidden, notFound, validationFailed } from '../http/errors';
import type { Page } from '../http/pagination';
import { LANGUAGES, t, type Lang } from '../infra/i18n';
import { Notification } from './inapp-entities';
import type { CreateNotificationBody, ListNotificationsQuery } from './inapp-schemas';

export interface NotificationText {
  title: string;
  message: string;
}

/** A system message: `{key}.title` and `{key}.message` of locales/xx/notifications.json, and their params. */
export interface LocalizedText {
  key: string;
  params?: Record<string, unknown>;
}

export interface NewNotification extends NotificationText {
  userId: number;
  sfdId: number | null;
  type: string;
  data?: object | null;
}

export interface StaffNotification {
  sfdId: number;
  roles: readonly Role[];
  type: string;
  text: LocalizedText;
  data?: object | null;
}

/** Who validates a new client's KYC (collections.ts: agents update clients; supervisors oversee them). */
export const KYC_VALIDATORS: readonly Role[] = ['agent_sfd', 'superviseur_sfd'];

export function localized(lang: Lang, text: LocalizedText): NotificationText {
  const tr = t(lang, 'notifications');
  return {
    title: String(tr(`${text.key}.title`, text.params ?? {})),
    message: String(tr(`${text.key}.message`, text.params ?? {})),
  };
}

/** One notification, written with the caller's manager so it commits (or not) with the caller's change. */
export async function insertNotification(
  manager: EntityManager,
  input: NewNotification,
  at: Date,
): Promise<Notification> {
  const row = manager.create(Notification, {
    userId: input.userId,
    sfdId: input.sfdId,
    type: input.type,
    title: input.title,
    message: input.message,
    data: input.data ? JSON.stringify(input.data) : null,
    readAt: null,
    createdAt: at,
  });
  await manager.insert(Notification, row);
  return row;
}

/** Runs a write and returns its affected rows (EntityManager.query hides them; a query runner does not). */
async function execute(manager: EntityManager, sql: string, params: unknown[]): Promise<number> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, params, true);
    return result.affected ?? 0;
  } finally {
    if (runner !== manager.queryRunner) await runner.release();
  }
}

/**
 * One notification per active member of the SFD with one of `roles`, each in their own language, in a
 * single INSERT ... SELECT: one round trip whatever the staff size, and exactly the staff that exist
 * when the caller's transaction writes. Returns how many were created.
 */
export async function notifyStaffAt(manager: EntityManager, input: StaffNotification, at: Date) {
  if (input.roles.length === 0) return 0;
  const [fallback, ...others] = LANGUAGES;
  const text = Object.fromEntries(LANGUAGES.map((l) => [l, localized(l, input.text)])) as Record<
    Lang,
    NotificationText
  >;
  // Pick the text by the recipient's language; anything unexpected gets the fallback language.
  const byLanguage = (field: keyof NotificationText) => ({
    sql: `CASE u.language ${others.map(() => 'WHEN ? THEN ?').join(' ')} ELSE ? END`,
    params: [...others.flatMap((l) => [l, text[l][field]]), text[fallback][field]],
  });
  const title = byLanguage('title');
  const message = byLanguage('message');
  // The driver's own conversion, as for an entity write (SQLite stores datetimes as UTC strings).
  const createdAtColumn = manager.connection
    .getMetadata(Notification)
    .findColumnWithPropertyName('createdAt');
  if (!createdAtColumn) throw new Error('Notification.createdAt metadata missing');
  const createdAt: unknown = manager.connection.driver.preparePersistentValue(at, createdAtColumn);
  const sql =
    'INSERT INTO notifications (user_id, sfd_id, type, title, message, data, read_at, created_at) ' +
    `SELECT u.id, u.sfd_id, ?, ${title.sql}, ${message.sql}, ?, NULL, ? FROM users u ` +
    `WHERE u.sfd_id = ? AND u.status = 'active' AND u.role IN (${input.roles.map(() => '?').join(', ')})`;
  return execute(manager, sql, [
    input.type,
    ...title.params,
    ...message.params,
    input.data ? JSON.stringify(input.data) : null,
    createdAt,
    input.sfdId,
    ...input.roles,
  ]);
}

/**
 * A new client's KYC awaits validation: tells the agents and supervisors of the client's SFD. Call it
 * inside the transaction that creates the client, with that transaction's `now`.
 */
export async function kycAwaitsValidation(
  manager: EntityManager,
  client: { id: number; sfdId: number | null; firstName: string; lastName: string },
  at: Date,
): Promise<number> {
  if (client.sfdId === null) return 0;
  return notifyStaffAt(
    manager,
    {
      sfdId: client.sfdId,
      roles: KYC_VALIDATORS,
      type: 'kyc_pending',
      text: { key: 'kyc_pending', params: { firstName: client.firstName, lastName: client.lastName } },
      data: { client_id: client.id },
    },
    at,
  );
}

/** The in-app notification centre: every caller sees and marks only their own notifications. */
export class InAppNotifications {
  constructor(private readonly deps: Pick<Deps, 'db' | 'clock'>) {}

  notify(manager: EntityManager, input: NewNotification): Promise<Notification> {
    return insertNotification(manager, input, this.deps.clock.now());
  }

  notifyStaff(manager: EntityManager, input: StaffNotification): Promise<number> {
    return notifyStaffAt(manager, input, this.deps.clock.now());
  }

  async list(p: Principal, query: ListNotificationsQuery, page: Page) {
    const where: FindOptionsWhere<Notification> = { userId: p.userId };
    if (query.lue !== undefined) where.readAt = query.lue ? Not(IsNull()) : IsNull();
    if (query.type) where.type = query.type;
    const [rows, count] = await this.deps.db.manager.findAndCount(Notification, {
      where,
      order: { id: 'DESC' },
      skip: page.skip,
      take: page.take,
    });
    return { rows, count };
  }

  async get(p: Principal, id: number): Promise<Notification> {
    const row = await this.deps.db.manager.findOne(Notification, { where: { id, userId: p.userId } });
    if (!row) throw notFound();
    return row;
  }

  /**
   * Staff write to users of their own SFD, the platform admin to anyone. A recipient outside the
   * caller's SFD gets the same answer as one that does not exist, so ids reveal nothing.
   */
  async create(p: Principal, body: CreateNotificationBody): Promise<Notification> {
    if (!isStaff(p.role)) throw forbidden();
    const manager = this.deps.db.manager;
    const recipient = await manager.findOne(User, {
      where: { id: body.user_id },
      select: { id: true, sfdId: true },
    });
    const visible =
      recipient && (isPlatformAdmin(p.role) || (p.sfdId !== null && recipient.sfdId === p.sfdId));
    if (!visible) throw validationFailed({ user_id: ['unknown user'] });
    return this.notify(manager, {
      userId: recipient.id,
      sfdId: recipient.sfdId,
      type: body.type,
      title: body.title,
      message: body.message,
      data: body.data ?? null,
    });
  }

  /** Idempotent: an already read notification keeps its first `read_at` and is answered as is. */
  async markRead(p: Principal, id: number): Promise<Notification> {
    await this.deps.db.manager.update(
      Notification,
      { id, userId: p.userId, readAt: IsNull() },
      { readAt: this.deps.clock.now() },
    );
    return this.get(p, id);
  }

  async markAllRead(p: Principal): Promise<number> {
    const result = await this.deps.db.manager.update(
      Notification,
      { userId: p.userId, readAt: IsNull() },
      { readAt: this.deps.clock.now() },
    );
    return result.affected ?? 0;
  }

  async unread(p: Principal, limit: number) {
    const [rows, count] = await this.deps.db.manager.findAndCount(Notification, {
      where: { userId: p.userId, readAt: IsNull() },
      order: { id: 'DESC' },
      take: limit,
    });
    return { rows, count };
  }
}
