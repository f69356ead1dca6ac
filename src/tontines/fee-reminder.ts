import type { AccountsDirectory } from '../accounts/directory';
import type { ReminderKind, ReminderRow } from '../notifications/reminders';
import { formatXof } from '../shared/money';
import { addDays, localDateOf, startOfLocalDay } from '../shared/sfd-calendar';
import { Adhesion, Tontine } from './entities';
import { tontineNameForSms } from './notices';

/** An adhesion validated on local day D whose fee is still unpaid is reminded on D + 3 and D + 6. */
export const FEE_REMINDER_DAYS = [3, 6] as const;

interface Raw {
  id: number | string;
  clientId: number | string;
  decidedAt: Date | string;
  tontine: string;
  fee: number | string;
}

/** mysql2 hands back a Date (UTC, `timezone: 'Z'`); better-sqlite3 the stored UTC text. */
const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(`${v.replace(' ', 'T')}Z`));

/**
 * Adhesions of the SFD validated by an agent (validee_agent, or en_cours_paiement: a fee payment
 * started and not paid) on the local day 3 or 6 days ago, or within REMINDER_CATCH_UP_DAYS before
 * either. Each row's due date is its validation day + 3 (or + 6 once 6 days have passed), which makes
 * its dedupe key: a catch-up run selects it again and the outbox ignores the used key. The phone and
 * language come from accounts' directory (the users table is accounts').
 */
export function feeUnpaidReminder(directory: Pick<AccountsDirectory, 'contact'>): ReminderKind {
  return {
    name: 'tontine_fee_unpaid',
    template: 'reminders.tontine_fee_unpaid',
    async select(manager, { sfd, timeZone, localDate, catchUpDays, afterId, limit }) {
      const [first, last] = FEE_REMINDER_DAYS;
      const from = startOfLocalDay(addDays(localDate, -last - catchUpDays), timeZone);
      const to = startOfLocalDay(addDays(localDate, -first + 1), timeZone);
      const rows = await manager
        .createQueryBuilder(Adhesion, 'a')
        .innerJoin(Tontine, 't', 't.id = a.tontineId')
        .select('a.id', 'id')
        .addSelect('a.clientId', 'clientId')
        .addSelect('a.decidedAt', 'decidedAt')
        .addSelect('t.name', 'tontine')
        .addSelect('t.joiningFee', 'fee')
        .where('a.sfdId = :sfdId', { sfdId: sfd.id })
        .andWhere('a.status IN (:...statuses)', { statuses: ['validee_agent', 'en_cours_paiement'] })
        .andWhere('a.decidedAt >= :from AND a.decidedAt < :to', { from, to })
        .andWhere('a.id > :afterId', { afterId })
        .orderBy('a.id', 'ASC')
        .limit(limit)
        .getRawMany<Raw>();
      const out: ReminderRow[] = [];
      for (const r of rows) {
        const decided = localDateOf(toDate(r.decidedAt), timeZone);
        const days = addDays(decided, last) <= localDate ? last : first;
        const client = await directory.contact(Number(r.clientId), manager);
        // Every client has a phone (users.phone is NOT NULL): no row is dropped, so the keyset holds.
        if (!client?.phone) continue;
        out.push({
          id: Number(r.id),
          userId: client.id,
          phone: client.phone,
          lang: client.language,
          params: { tontine: tontineNameForSms(r.tontine), fee: formatXof(Number(r.fee)) },
          dueDate: addDays(decided, days),
          ref: String(r.id),
        });
      }
      return out;
    },
  };
}
