import { IsNull, Not, type EntityManager, type FindOptionsWhere } from 'typeorm';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { forbidden, notFound, validationFailed } from '../http/errors';
import type { Page } from '../http/pagination';
import { isStaff, type Role } from '../http/roles';
import { inScope } from '../http/scope';
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

/**
 * One notification per active member of the SFD with one of `roles`, each in their own language: the
 * recipients from the accounts directory, read through the caller's manager (so inside its
 * transaction), then one multi-row INSERT whatever the staff size (an SFD's staff is tens or hundreds,
 * far below a statement's placeholder limit). Returns how many were created.
 */
export async function notifyStaffAt(
  manager: EntityManager,
  input: StaffNotification,
  at: Date,
  directory: AccountsDirectory,
): Promise<number> {
  if (input.roles.length === 0) return 0;
  const staff = await directory.staffOf(input.sfdId, input.roles, manager);
  if (staff.length === 0) return 0;
  const [fallback] = LANGUAGES;
  const texts = new Map<Lang, NotificationText>();
  // Rendered once per language; anything unexpected gets the fallback language.
  const textIn = (lang: Lang) => {
    const known = LANGUAGES.includes(lang) ? lang : fallback;
    let text = texts.get(known);
    if (!text) texts.set(known, (text = localized(known, input.text)));
    return text;
  };
  const data = input.data ? JSON.stringify(input.data) : null;
  await manager
    .createQueryBuilder()
    .insert()
    .into(Notification)
    .values(
      staff.map((recipient) => ({
        userId: recipient.id,
        sfdId: recipient.sfdId,
        type: input.type,
        ...textIn(recipient.language),
        data,
        readAt: null,
        createdAt: at,
      })),
    )
    .updateEntity(false) // no read-back of the generated ids: nobody needs them
    .execute();
  return staff.length;
}

/** What a notification is about: its `type` and its `data`, as given when it was created. */
export interface NotificationSubject {
  type: string;
  data: object;
}

/**
 * The matter is settled (a KYC decided…): every recipient's unread notifications of `type` whose
 * `data` is `JSON.stringify(data)` are marked read at `at`, so no one acts on them again. `data` is
 * compared as stored text: give the same keys in the same order as at creation. Call it with the
 * manager of the transaction that settles the matter. Returns how many were closed.
 */
export async function closeNotifications(
  manager: EntityManager,
  subject: NotificationSubject,
  at: Date,
): Promise<number> {
  const result = await manager.update(
    Notification,
    { type: subject.type, data: JSON.stringify(subject.data), readAt: IsNull() },
    { readAt: at },
  );
  return result.affected ?? 0;
}

/** The in-app notification centre: every caller sees and marks only their own notifications. */
export class InAppNotifications {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock'>,
    private readonly directory: AccountsDirectory,
  ) {}

  notify(manager: EntityManager, input: NewNotification): Promise<Notification> {
    return insertNotification(manager, input, this.deps.clock.now());
  }

  notifyStaff(manager: EntityManager, input: StaffNotification): Promise<number> {
    return notifyStaffAt(manager, input, this.deps.clock.now(), this.directory);
  }

  close(manager: EntityManager, subject: NotificationSubject): Promise<number> {
    return closeNotifications(manager, subject, this.deps.clock.now());
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
    const recipient = await this.directory.contact(body.user_id, manager);
    if (!recipient || !inScope(p, recipient.sfdId)) throw validationFailed({ user_id: ['unknown user'] });
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
