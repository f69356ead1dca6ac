import type { Lang } from '../infra/i18n';
import {
  Reminders,
  type ReminderKind,
  type ReminderRow,
  type RemindersDeps,
} from '../notifications/reminders';
import { addDays, localDateOf, startOfLocalDay } from '../shared/sfd-calendar';
import { AccountsDirectory } from './directory';
import { User } from './entities';

/** A client registered on local day D whose identity is still unchecked is reminded on day D + 7. */
export const KYC_REMINDER_DAYS = 7;

interface Raw {
  id: number | string;
  phone: string;
  language: Lang;
  firstName: string;
  createdAt: Date | string;
}

/** mysql2 hands back a Date (UTC, `timezone: 'Z'`); better-sqlite3 the stored UTC text. */
const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(`${v.replace(' ', 'T')}Z`));

/**
 * Clients of the SFD, active, KYC pending, registered on the local day 7 days ago, or on one of the
 * REMINDER_CATCH_UP_DAYS days before it (a reminder missed on its day, the gateway being down, goes
 * late rather than never). Each row's due date is its registration day + 7, which makes its dedupe
 * key: on day 8 the client registered on day 0 is selected again and the outbox ignores the used key,
 * so the catch-up window costs no second SMS. Past the window a missed reminder is dropped: a week-old
 * nudge is worth less than the surprise of an SMS out of nowhere.
 *
 * The created_at range is computed in UTC from the SFD's zone, so the (sfd_id, role, created_at) index
 * reads only the clients registered in it. The STOP'd phones are not looked up here (sms_opt_outs is
 * the notifications module's table): the outbox refuses a reminder to them whoever selected it.
 * Only the SFD's id and name are read (SfdSummary, directory.ts).
 */
export const kycPendingReminder: ReminderKind = {
  name: 'kyc_pending',
  template: 'reminders.kyc_pending',
  async select(manager, { sfd, timeZone, localDate, catchUpDays, afterId, limit }) {
    const lastDay = addDays(localDate, -KYC_REMINDER_DAYS);
    const from = startOfLocalDay(addDays(lastDay, -catchUpDays), timeZone);
    const to = startOfLocalDay(addDays(lastDay, 1), timeZone);
    const rows = await manager
      .createQueryBuilder(User, 'u')
      .select('u.id', 'id')
      .addSelect('u.phone', 'phone')
      .addSelect('u.language', 'language')
      .addSelect('u.firstName', 'firstName')
      .addSelect('u.createdAt', 'createdAt')
      .where('u.sfdId = :sfdId AND u.role = :role', { sfdId: sfd.id, role: 'client' })
      .andWhere('u.status = :status AND u.kycStatus = :kyc', { status: 'active', kyc: 'pending' })
      .andWhere('u.createdAt >= :from AND u.createdAt < :to', { from, to })
      .andWhere('u.id > :afterId', { afterId })
      .orderBy('u.id', 'ASC')
      .limit(limit)
      .getRawMany<Raw>();
    return rows.map((r): ReminderRow => ({
      id: Number(r.id),
      userId: Number(r.id),
      phone: r.phone,
      lang: r.language,
      params: { firstName: r.firstName, sfd: sfd.name },
      dueDate: addDays(localDateOf(toDate(r.createdAt), timeZone), KYC_REMINDER_DAYS),
    }));
  },
};

/** A reminders runner with only the KYC reminder registered, on its own directory (bench:reminders). */
export function createReminders(deps: RemindersDeps): Reminders {
  const reminders = new Reminders(deps, new AccountsDirectory(deps));
  reminders.register(kycPendingReminder);
  return reminders;
}
