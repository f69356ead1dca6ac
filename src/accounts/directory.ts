import { In, type EntityManager } from 'typeorm';
import type { Deps } from '../deps';
import type { Lang } from '../infra/i18n';
import type { Role } from '../http/roles';
import { DEFAULT_TIME_ZONE, localDateOf, type LocalDate } from '../shared/sfd-calendar';
import type { Caller } from './client-self-service';
import { Sfd, User } from './entities';

// The USSD hot path's caller lookup, written once: `?` placeholders work on mysql2 and better-sqlite3
// alike. Every column read here is INT or VARCHAR; `has_pin` is a boolean expression, 0/1 on SQLite and
// on MySQL (where a driver set to return big numbers as strings may give "0"/"1": read with Number()).
const FIND_BY_PHONE =
  'SELECT id, role, status, language, first_name, (pin_hash IS NOT NULL) AS has_pin ' +
  'FROM users WHERE phone = ? LIMIT 1';

interface CallerRow {
  id: number | string;
  role: User['role'];
  status: User['status'];
  language: Lang;
  first_name: string;
  has_pin: number | string;
}

export type { Caller } from './client-self-service';

/** What another module may know of a user: enough to reach them, never their secrets. */
export interface Contact {
  id: number;
  role: Role;
  status: User['status'];
  phone: string | null;
  language: Lang;
  firstName: string;
  lastName: string;
  sfdId: number | null;
}

export interface SfdSummary {
  id: number;
  name: string;
  timeZone: string;
}

const contactOf = (u: User): Contact => ({
  id: u.id,
  role: u.role,
  status: u.status,
  phone: u.phone,
  language: u.language,
  firstName: u.firstName,
  lastName: u.lastName,
  sfdId: u.sfdId,
});

/**
 * The accounts module's read API for the other modules (payments, notifications, the business modules):
 * they ask here instead of reading the `users` and `sfds` tables. Each call takes an optional manager,
 * so a read can sit in the caller's transaction.
 */
export class AccountsDirectory {
  constructor(private readonly deps: Pick<Deps, 'db'>) {}

  /**
   * Who dials or texts from `phone` (E.164): the USSD engine's and the inbound SMS's one query. A plain
   * query: TypeORM's findOne spends three times its CPU (about 117 against 38 µs a call, warm) building
   * the query and hydrating an entity nobody sees.
   */
  async findByPhone(phone: string): Promise<Caller | null> {
    const rows = (await this.deps.db.query(FIND_BY_PHONE, [phone])) as CallerRow[];
    const row = rows[0];
    if (!row) return null;
    return {
      id: Number(row.id),
      role: row.role,
      status: row.status,
      language: row.language,
      firstName: row.first_name,
      hasPin: Number(row.has_pin) === 1,
    };
  }

  private m(manager?: EntityManager) {
    return manager ?? this.deps.db.manager;
  }

  /** A client (role `client`) by id, or null. */
  async client(id: number, manager?: EntityManager): Promise<Contact | null> {
    const user = await this.m(manager).findOne(User, { where: { id, role: 'client' } });
    return user ? contactOf(user) : null;
  }

  /** Any user by id, or null. */
  async contact(id: number, manager?: EntityManager): Promise<Contact | null> {
    const user = await this.m(manager).findOne(User, { where: { id } });
    return user ? contactOf(user) : null;
  }

  /** The active staff of an SFD with one of `roles`, by id. */
  async staffOf(sfdId: number, roles: readonly Role[], manager?: EntityManager): Promise<Contact[]> {
    const users = await this.m(manager).find(User, {
      where: { sfdId, role: In([...roles]), status: 'active' },
      order: { id: 'ASC' },
    });
    return users.map(contactOf);
  }

  /** One SFD by id (any status), with its time zone (a missing one: the default), or null. */
  async sfd(id: number, manager?: EntityManager): Promise<(SfdSummary & { status: Sfd['status'] }) | null> {
    const s = await this.m(manager).findOne(Sfd, { where: { id } });
    return s ? { id: s.id, name: s.name, timeZone: s.timeZone || DEFAULT_TIME_ZONE, status: s.status } : null;
  }

  /** The local date of `at` in the SFD's time zone (no SFD, or an unknown one: the default zone's). */
  async localDateIn(sfdId: number | null, at: Date, manager?: EntityManager): Promise<LocalDate> {
    const zone = sfdId === null ? null : (await this.sfd(sfdId, manager))?.timeZone;
    return localDateOf(at, zone ?? DEFAULT_TIME_ZONE);
  }

  /** The active SFDs, by id, with their time zone (a missing one: the default). */
  async activeSfds(manager?: EntityManager): Promise<SfdSummary[]> {
    const sfds = await this.m(manager).find(Sfd, { where: { status: 'active' }, order: { id: 'ASC' } });
    return sfds.map((s) => ({ id: s.id, name: s.name, timeZone: s.timeZone || DEFAULT_TIME_ZONE }));
  }
}
