import type { EntityManager } from 'typeorm';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import { formatXof } from '../shared/money';
import { addDays, type LocalDate } from '../shared/sfd-calendar';
import { transition } from '../workflow/decide';
import { Loan, LoanInstalment } from './entities';
import { daysLate, dueOf, instalmentsOf, lockLoan, type InstalmentParts } from './instalments';
import { loanReference } from './notices';

/** Loans per page of the status pass's candidate queries. */
const PAGE = 500;

type Row = InstalmentParts & Pick<LoanInstalment, 'status' | 'dueDate'>;

/** The due date of the oldest instalment still a_payer, or null when every one is paid. */
export function oldestUnpaidDue(instalments: Pick<LoanInstalment, 'status' | 'dueDate'>[]): LocalDate | null {
  let oldest: LocalDate | null = null;
  for (const i of instalments)
    if (i.status === 'a_payer' && (oldest === null || i.dueDate < oldest)) oldest = i.dueDate;
  return oldest;
}

/** En défaut: the oldest unpaid instalment is late by MORE than `defaultAfterDays` days on `today`. */
export function isInDefault(
  instalments: Pick<LoanInstalment, 'status' | 'dueDate'>[],
  today: LocalDate,
  defaultAfterDays: number,
): boolean {
  const oldest = oldestUnpaidDue(instalments);
  return oldest !== null && daysLate(oldest, today) > defaultAfterDays;
}

export type DefaultDeps = Pick<Deps, 'db' | 'clock' | 'outbox'>;

/**
 * Puts a loan (already locked with lockLoan in `m`'s transaction, its instalments read after the lock)
 * in the status its arrears call for: decaisse | en_remboursement → en_defaut when the oldest unpaid
 * instalment is late by more than the SFD's defaultAfterDays (defaulted_at set, the client told by SMS),
 * en_defaut → en_remboursement when it no longer is. Audited through transition(), by the system,
 * with the oldest unpaid due date and its days late as the why. Answers the new status, or null.
 * The repayments part may call it after a payment, in its transaction.
 */
export async function settleDefault(
  deps: DefaultDeps,
  accounts: Pick<AccountsDirectory, 'contact'>,
  m: EntityManager,
  loan: Loan,
  instalments: Row[],
  today: LocalDate,
  defaultAfterDays: number,
): Promise<'en_defaut' | 'en_remboursement' | null> {
  const late = isInDefault(instalments, today, defaultAfterDays);
  const oldest = oldestUnpaidDue(instalments);
  const why = {
    oldest_unpaid_due_date: oldest,
    days_late: oldest ? daysLate(oldest, today) : 0,
    default_after_days: defaultAfterDays,
  };
  const now = deps.clock.now();
  const view = (l: Loan) => ({ status: l.status, ...why });
  if (late && (loan.status === 'decaisse' || loan.status === 'en_remboursement')) {
    await transition(m, {
      entity: Loan,
      id: loan.id,
      from: ['decaisse', 'en_remboursement'],
      to: 'en_defaut',
      set: { defaultedAt: now, updatedAt: now },
      actor: null,
      action: 'loan.default',
      targetType: 'loan',
      at: now,
      view,
    });
    const client = await accounts.contact(loan.clientId, m);
    if (client?.phone) {
      const overdue = instalments
        .filter((i) => i.status === 'a_payer' && i.dueDate < today)
        .reduce((s, i) => s + dueOf(i).total, 0);
      await deps.outbox.queue(m, {
        to: client.phone,
        kind: 'alert', // not a reminder: a STOP does not silence it
        lang: client.language,
        template: 'loans_reminders.defaulted',
        params: {
          loan: loanReference(loan.applicationId),
          days: String(defaultAfterDays),
          amount: formatXof(overdue),
        },
        dedupeKey: `loan:${loan.id}:defaulted:${today}`,
      });
    }
    return 'en_defaut';
  }
  if (!late && loan.status === 'en_defaut') {
    await transition(m, {
      entity: Loan,
      id: loan.id,
      from: ['en_defaut'],
      to: 'en_remboursement',
      set: { updatedAt: now },
      actor: null,
      action: 'loan.default_cured',
      targetType: 'loan',
      at: now,
      view,
    });
    return 'en_remboursement';
  }
  return null;
}

/**
 * The status pass of the daily run for one SFD: the loans that should be en_defaut and are not (found
 * from their instalments due before today − defaultAfterDays and unpaid: the index (status, due_date)),
 * then the en_defaut ones that no longer should be (a larger defaultAfterDays, a payment whose own
 * update was missed). Each loan in its own transaction, under its lock, checked again there.
 */
export async function defaultStatusPass(
  deps: DefaultDeps & Pick<Deps, 'logger'>,
  accounts: Pick<AccountsDirectory, 'contact'>,
  q: { sfdId: number; today: LocalDate; defaultAfterDays: number },
): Promise<{ defaulted: number; cured: number }> {
  const threshold = addDays(q.today, -q.defaultAfterDays); // due before it: late by more than N days
  const counts = { defaulted: 0, cured: 0 };
  const settle = async (id: number) => {
    try {
      const to = await deps.db.transaction(async (m) => {
        const loan = await lockLoan(m, id);
        if (!loan) return null;
        return settleDefault(
          deps,
          accounts,
          m,
          loan,
          await instalmentsOf(m, id),
          q.today,
          q.defaultAfterDays,
        );
      });
      if (to === 'en_defaut') counts.defaulted++;
      if (to === 'en_remboursement') counts.cured++;
    } catch (err) {
      deps.logger.error({ loan: id, err: (err as Error).message }, 'loan default status failed');
    }
  };
  const pages: ((afterId: number) => Promise<{ id: number | string }[]>)[] = [
    (afterId) =>
      deps.db.manager
        .createQueryBuilder(LoanInstalment, 'i')
        .innerJoin(Loan, 'l', 'l.id = i.loanId')
        .select('i.loanId', 'id')
        .where('i.sfdId = :sfdId', { sfdId: q.sfdId })
        .andWhere("i.status = 'a_payer'")
        .andWhere('i.dueDate < :threshold', { threshold })
        .andWhere("l.status IN ('decaisse', 'en_remboursement')")
        .andWhere('i.loanId > :afterId', { afterId })
        .groupBy('i.loanId')
        .orderBy('i.loanId', 'ASC')
        .limit(PAGE)
        .getRawMany(),
    (afterId) =>
      deps.db.manager
        .createQueryBuilder(Loan, 'l')
        .select('l.id', 'id')
        .where('l.sfdId = :sfdId', { sfdId: q.sfdId })
        .andWhere("l.status = 'en_defaut'")
        .andWhere(
          'NOT EXISTS (SELECT 1 FROM loan_instalments i WHERE i.loan_id = l.id ' +
            "AND i.status = 'a_payer' AND i.due_date < :threshold)",
          { threshold },
        )
        .andWhere('l.id > :afterId', { afterId })
        .orderBy('l.id', 'ASC')
        .limit(PAGE)
        .getRawMany(),
  ];
  for (const page of pages) {
    for (let afterId = 0; ;) {
      const rows = await page(afterId);
      for (const r of rows) await settle(Number(r.id));
      if (rows.length < PAGE) break;
      afterId = Number(rows[rows.length - 1].id);
    }
  }
  return counts;
}
