import type { AccountsDirectory } from '../accounts/directory';
import type { ReminderKind, ReminderRow } from '../notifications/reminders';
import { formatXof } from '../shared/money';
import { addDays, localDateOf, startOfLocalDay } from '../shared/sfd-calendar';
import { Tontine, TontineParticipant } from './entities';
import { tontineNameForSms } from './notices';

/** An active participant whose last contribution fell on local day D hears from us on D + 3. */
export const NO_CONTRIBUTION_DAYS = 3;

interface Raw {
  id: number | string;
  clientId: number | string;
  lastContributionAt: Date | string | null;
  joinedAt: Date | string;
  stake: number | string;
  tontine: string;
}

/** mysql2 hands back a Date (UTC, `timezone: 'Z'`); better-sqlite3 the stored UTC text. */
const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(`${v.replace(' ', 'T')}Z`));

/**
 * Active participants of the SFD's active tontines whose gap began on the local day 3 days ago, or
 * within REMINDER_CATCH_UP_DAYS before it. The gap begins at the last contribution
 * (`last_contribution_at`, which every contribution sets), or at joining for one who never paid. The
 * row's due date is the gap's first day + 3 and its ref the participant and that day, so each gap is
 * reminded once: a catch-up run selects it again under the same dedupe key, and a new contribution
 * starts a new gap with a new key. Both branches of the OR are ranges of the index
 * (sfd_id, status, last_contribution_at); the phone and language come from accounts' directory.
 */
export function noContributionReminder(directory: Pick<AccountsDirectory, 'contact'>): ReminderKind {
  return {
    name: 'tontine_no_contribution',
    template: 'reminders.tontine_no_contribution',
    async select(manager, { sfd, timeZone, localDate, catchUpDays, afterId, limit }) {
      const from = startOfLocalDay(addDays(localDate, -NO_CONTRIBUTION_DAYS - catchUpDays), timeZone);
      const to = startOfLocalDay(addDays(localDate, -NO_CONTRIBUTION_DAYS + 1), timeZone);
      const rows = await manager
        .createQueryBuilder(TontineParticipant, 'p')
        .innerJoin(Tontine, 't', 't.id = p.tontineId')
        .select('p.id', 'id')
        .addSelect('p.clientId', 'clientId')
        .addSelect('p.lastContributionAt', 'lastContributionAt')
        .addSelect('p.joinedAt', 'joinedAt')
        .addSelect('p.stake', 'stake')
        .addSelect('t.name', 'tontine')
        .where('p.sfdId = :sfdId', { sfdId: sfd.id })
        .andWhere("p.status = 'actif'")
        .andWhere("t.status = 'active'")
        .andWhere(
          '((p.lastContributionAt >= :from AND p.lastContributionAt < :to) OR ' +
            '(p.lastContributionAt IS NULL AND p.joinedAt >= :from AND p.joinedAt < :to))',
          { from, to },
        )
        .andWhere('p.id > :afterId', { afterId })
        .orderBy('p.id', 'ASC')
        .limit(limit)
        .getRawMany<Raw>();
      const out: ReminderRow[] = [];
      for (const r of rows) {
        const since = localDateOf(toDate(r.lastContributionAt ?? r.joinedAt), timeZone);
        const client = await directory.contact(Number(r.clientId), manager);
        // Every client has a phone (users.phone is NOT NULL): no row is dropped, so the keyset holds.
        if (!client?.phone) continue;
        out.push({
          id: Number(r.id),
          userId: client.id,
          phone: client.phone,
          lang: client.language,
          params: {
            tontine: tontineNameForSms(r.tontine),
            stake: formatXof(Number(r.stake)),
            days: String(NO_CONTRIBUTION_DAYS),
          },
          dueDate: addDays(since, NO_CONTRIBUTION_DAYS),
          ref: `${r.id}:${since}`,
        });
      }
      return out;
    },
  };
}
