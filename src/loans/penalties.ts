import type { EntityManager } from 'typeorm';
import type { AccountsDirectory, SfdSummary } from '../accounts/directory';
import type { Deps } from '../deps';
import { post, sfdAccount } from '../ledger/service';
import { addDays, DEFAULT_TIME_ZONE, isTimeZone, localDateOf, type LocalDate } from '../shared/sfd-calendar';
import { defaultStatusPass } from './default-status';
import { Loan, LoanInstalment, LoanPenalty } from './entities';
import { penaltyBaseOf } from './instalments';
import { loanPenaltyAccount } from './ledger-accounts';
import type { LoanSettingsService } from './settings';

/** Instalments per transaction and ledger entry of the daily run (npm run bench:penalties). */
export const PENALTY_BATCH = 500;
/** Rows per multi-row INSERT of penalties: 8 parameters a row stays far below SQLite's 32,766. */
const INSERT_ROWS = 500;
/** The loans whose instalments accrue: disbursed and not closed. */
export const ACCRUING_STATUSES = ['decaisse', 'en_remboursement', 'en_defaut'] as const;

export interface PenaltyRun {
  /** Instalments charged at least one penalty by this run. */
  instalments: number;
  /** Penalty rows written (one per instalment per late day). */
  penalties: number;
  /** Their sum, XOF. */
  amount: number;
}

/** One day's penalty on `base` at `dailyBp` basis points a day, rounded half up to the franc, exact. */
export function dailyPenalty(base: number, dailyBp: number): number {
  if (base <= 0 || dailyBp <= 0) return 0;
  return Number((BigInt(base) * BigInt(dailyBp) * 2n + 10_000n) / 20_000n);
}

/**
 * The local days an instalment due on `dueDate` still has to accrue for, through `today`: late from
 * the day after its due date, each day D with dueDate < D ≤ today and D after its mark `through`.
 */
export function daysToAccrue(dueDate: LocalDate, through: LocalDate | null, today: LocalDate): LocalDate[] {
  const days: LocalDate[] = [];
  const last = through !== null && through > dueDate ? through : dueDate;
  for (let d = addDays(last, 1); d <= today; d = addDays(d, 1)) days.push(d);
  return days;
}

const zoneOf = (sfd: SfdSummary) => (isTimeZone(sfd.timeZone) ? sfd.timeZone : DEFAULT_TIME_ZONE);

interface Page {
  id: number | string;
  loanId: number | string;
}
interface Due extends Page {
  dueDate: LocalDate;
  through: LocalDate | null;
  principal: number | string;
  principalPaid: number | string;
  interest: number | string;
  interestPaid: number | string;
  interestWaived: number | string;
  bp: number | string;
}

/**
 * The daily penalties (issue 14): each late instalment (a_payer, due on local day d) accrues one
 * penalty per late day D (d < D ≤ today, the SFD's calendar), round half up(base × penalty_daily_bp /
 * 10 000), where base is its unpaid principal and interest at the time of the run: days caught up after
 * a downtime use the current base too (what was paid meanwhile is no longer owed, whenever it was
 * paid). A zero penalty is not written. Each day is charged once per instalment however often the run
 * goes: the instalment's penalty_through mark moves to today in the same transaction as its rows and
 * their ledger entry, under the loans' locks and a conditional update, and the unique index
 * (instalment_id, day) is the last guard. Then the loans' default status (default-status.ts).
 */
export class LoanPenaltiesService {
  /** Instalments per batch (tests set a small one to see several pages and entries). */
  batchSize = PENALTY_BATCH;

  constructor(
    readonly deps: Deps,
    readonly needs: { accounts: AccountsDirectory; settings: LoanSettingsService },
  ) {}

  /** Accrues through today in every active SFD, then moves loans into or out of en_defaut. */
  async run(): Promise<PenaltyRun> {
    const total: PenaltyRun = { instalments: 0, penalties: 0, amount: 0 };
    for (const sfd of await this.needs.accounts.activeSfds()) {
      const today = localDateOf(this.deps.clock.now(), zoneOf(sfd));
      try {
        const started = Date.now();
        const r = await this.accrue(sfd.id, today);
        total.instalments += r.instalments;
        total.penalties += r.penalties;
        total.amount += r.amount;
        const { defaultAfterDays } = await this.needs.settings.of(sfd.id);
        const q = { sfdId: sfd.id, today, defaultAfterDays };
        const moved = await defaultStatusPass(this.deps, this.needs.accounts, q);
        if (r.penalties > 0 || moved.defaulted > 0 || moved.cured > 0) {
          const ms = Date.now() - started;
          this.deps.logger.info({ sfd: sfd.id, today, ...r, ...moved, ms }, 'loan penalties accrued');
        }
      } catch (err) {
        // One SFD's failure must not stop the others; the next run tries it again.
        this.deps.logger.error({ sfd: sfd.id, err: (err as Error).message }, 'loan penalties failed');
      }
    }
    return total;
  }

  /**
   * One SFD through `today`, page by page (keyset on the instalment id, never the whole list in
   * memory). A batch that fails (a loan without its ledger account…) is tried again loan by loan, so
   * one bad loan holds back only itself; its error is logged and the next run tries it again.
   */
  async accrue(sfdId: number, today: LocalDate): Promise<PenaltyRun> {
    const total: PenaltyRun = { instalments: 0, penalties: 0, amount: 0 };
    const add = (r: PenaltyRun) => {
      total.instalments += r.instalments;
      total.penalties += r.penalties;
      total.amount += r.amount;
    };
    let afterId = 0;
    for (;;) {
      const page = await this.deps.db.manager
        .createQueryBuilder(LoanInstalment, 'i')
        .innerJoin(Loan, 'l', 'l.id = i.loanId')
        .select('i.id', 'id')
        .addSelect('i.loanId', 'loanId')
        .where('i.sfdId = :sfdId', { sfdId })
        .andWhere("i.status = 'a_payer'")
        .andWhere('i.dueDate < :today', { today })
        .andWhere('(i.penaltyThrough IS NULL OR i.penaltyThrough < :today)')
        .andWhere('l.status IN (:...statuses)', { statuses: ACCRUING_STATUSES })
        .andWhere('i.id > :afterId', { afterId })
        .orderBy('i.id', 'ASC')
        .limit(this.batchSize)
        .getRawMany<Page>();
      if (page.length === 0) break;
      const ids = page.map((r) => Number(r.id));
      afterId = ids[ids.length - 1];
      try {
        add(await this.accrueBatch(sfdId, today, ids, [...new Set(page.map((r) => Number(r.loanId)))]));
      } catch (err) {
        this.deps.logger.warn({ sfd: sfdId, err: (err as Error).message }, 'penalty batch failed: by loan');
        const byLoan = new Map<number, number[]>();
        for (const r of page)
          byLoan.set(Number(r.loanId), [...(byLoan.get(Number(r.loanId)) ?? []), Number(r.id)]);
        for (const [loanId, instalmentIds] of byLoan) {
          try {
            add(await this.accrueBatch(sfdId, today, instalmentIds, [loanId]));
          } catch (e) {
            this.deps.logger.error({ loan: loanId, err: (e as Error).message }, 'loan penalties failed');
          }
        }
      }
      if (page.length < this.batchSize) break;
    }
    return total;
  }

  /**
   * The instalments `ids` through `today`, in one transaction: their loans locked (the lock every write
   * about a loan takes first, instalments.ts lockLoan; here one statement, in id order), the
   * instalments read again under it (another run may have done them meanwhile), their penalty rows
   * (multi-row INSERTs), one UPDATE of their accrued penalties and marks, and ONE balanced ledger entry
   * for the batch: each loan's penalty account −x, the SFD's penalty income +Σx.
   *
   * The entry's key `loan-penalties:<sfd>:<today>:<first id>-<last id>` (of the instalments charged)
   * is used once: it commits only with the marks of those instalments moved to `today`, so no later
   * run that day selects any of them again, and no other committed batch of that day can start at the
   * same instalment. A run that crashed rolled everything back, key included: the next one redoes it.
   */
  private async accrueBatch(
    sfdId: number,
    today: LocalDate,
    ids: number[],
    loanIds: number[],
  ): Promise<PenaltyRun> {
    const now = this.deps.clock.now();
    const mysql = this.deps.db.options.type === 'mysql';
    return this.deps.db.transaction(async (m) => {
      if (mysql) {
        await m
          .createQueryBuilder(Loan, 'l')
          .select('l.id', 'id')
          .where('l.id IN (:...loanIds)', { loanIds })
          .orderBy('l.id', 'ASC')
          .setLock('pessimistic_write')
          .getRawMany();
      }
      const rows = await this.due(m, ids, today);
      const result: PenaltyRun = { instalments: 0, penalties: 0, amount: 0 };
      if (rows.length === 0) return result; // done meanwhile by another run
      const penalties: Partial<LoanPenalty>[] = [];
      const added = new Map<number, number>(); // instalment id → penalties added
      const byLoan = new Map<number, number>(); // loan id → penalties added
      const charged: number[] = [];
      for (const r of rows) {
        const base = penaltyBaseOf({
          principal: Number(r.principal),
          principalPaid: Number(r.principalPaid),
          interest: Number(r.interest),
          interestPaid: Number(r.interestPaid),
          interestWaived: Number(r.interestWaived),
          penaltyAccrued: 0,
          penaltyPaid: 0,
        });
        const amount = dailyPenalty(base, Number(r.bp));
        const days = daysToAccrue(r.dueDate, r.through, today);
        if (amount === 0 || days.length === 0) continue;
        const id = Number(r.id);
        const loanId = Number(r.loanId);
        charged.push(id);
        for (const day of days)
          penalties.push({ sfdId, loanId, instalmentId: id, day, base, amount, createdAt: now });
        added.set(id, amount * days.length);
        byLoan.set(loanId, (byLoan.get(loanId) ?? 0) + amount * days.length);
      }
      const key = `loan-penalties:${sfdId}:${today}:${charged[0]}-${charged[charged.length - 1]}`;
      for (const p of penalties) p.journalEntryKey = key;
      for (let i = 0; i < penalties.length; i += INSERT_ROWS) {
        await m
          .createQueryBuilder()
          .insert()
          .into(LoanPenalty)
          .values(penalties.slice(i, i + INSERT_ROWS))
          .updateEntity(false)
          .execute();
      }
      // Ids and amounts are integers computed here, so writing them into the CASE is safe.
      const cases = [...added].map(([id, x]) => `WHEN ${id} THEN ${x}`).join(' ');
      const updated = await m
        .createQueryBuilder()
        .update(LoanInstalment)
        .set({
          penaltyAccrued: () => (cases ? `penalty_accrued + CASE id ${cases} ELSE 0 END` : 'penalty_accrued'),
          penaltyThrough: today,
          updatedAt: now,
        })
        .where('id IN (:...ids)', { ids: rows.map((r) => Number(r.id)) })
        .andWhere('(penalty_through IS NULL OR penalty_through < :today)', { today })
        .execute();
      if (updated.affected !== rows.length) throw new Error('instalments changed under the loan lock');
      result.instalments = charged.length;
      result.penalties = penalties.length;
      result.amount = [...byLoan.values()].reduce((s, x) => s + x, 0);
      if (result.amount > 0) {
        await post(m, {
          key,
          kind: 'loan_penalties',
          lines: [
            ...[...byLoan].map(([loanId, x]) => ({ account: loanPenaltyAccount(loanId), amount: -x })),
            { account: sfdAccount(sfdId, 'penalty-income'), amount: result.amount },
          ],
          sfdId,
          at: now,
        });
      }
      return result;
    });
  }

  /** The instalments among `ids` still to accrue through `today`, with what their penalty is on. */
  private due(m: EntityManager, ids: number[], today: LocalDate): Promise<Due[]> {
    return m
      .createQueryBuilder(LoanInstalment, 'i')
      .innerJoin(Loan, 'l', 'l.id = i.loanId')
      .select('i.id', 'id')
      .addSelect('i.loanId', 'loanId')
      .addSelect('i.dueDate', 'dueDate')
      .addSelect('i.penaltyThrough', 'through')
      .addSelect('i.principal', 'principal')
      .addSelect('i.principalPaid', 'principalPaid')
      .addSelect('i.interest', 'interest')
      .addSelect('i.interestPaid', 'interestPaid')
      .addSelect('i.interestWaived', 'interestWaived')
      .addSelect('l.penaltyDailyBp', 'bp')
      .where('i.id IN (:...ids)', { ids })
      .andWhere("i.status = 'a_payer'")
      .andWhere('i.dueDate < :today', { today })
      .andWhere('(i.penaltyThrough IS NULL OR i.penaltyThrough < :today)')
      .andWhere('l.status IN (:...statuses)', { statuses: ACCRUING_STATUSES })
      .orderBy('i.id', 'ASC')
      .getRawMany<Due>();
  }
}
