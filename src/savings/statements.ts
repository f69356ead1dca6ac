import { In, type EntityManager } from 'typeorm';
import type { AccountsDirectory, Contact, SfdSummary } from '../accounts/directory';
import { recordAudit } from '../accounts/audit';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { notFound, validationFailed } from '../http/errors';
import { withinScope } from '../http/scope';
import { t, type Lang } from '../infra/i18n';
import { balancesByCode } from '../ledger/balances';
import { balanceBefore, latestMovements, movementsBetween, type AccountMovement } from '../ledger/reads';
import { formatXof } from '../shared/money';
import { addDays, localDateOf, localTime, startOfLocalDay, type LocalDate } from '../shared/sfd-calendar';
import { formatAccountNumber } from './account-number';
import { savingsLedgerAccount } from './balance';
import { SavingsAccount, SavingsTransaction, type SavingsMethod } from './entities';

/** The longest period one statement covers (a year, leap day included). */
export const MAX_STATEMENT_DAYS = 366;
/** Movements per page of the mini statement (USSD `4. Mini releve`, the RELEVE SMS). */
export const MINI_STATEMENT_SIZE = 5;

/**
 * What a movement is: a deposit or a withdrawal (its savings transaction), the reversal of one (a failed
 * payout given back), or another movement of the account's ledger (credit / debit by its sign).
 */
export type MovementType = 'depot' | 'retrait' | 'reversal' | 'credit' | 'debit';

export interface StatementLine {
  at: Date;
  /** The SFD's local date. */
  date: LocalDate;
  type: MovementType;
  method: SavingsMethod | null;
  /** The agent who took or handed over the cash (`First Last`). */
  agent: string | null;
  transactionId: number | null;
  label: string;
  /** Signed XOF: + in, − out. */
  amount: number;
  /** The account's ledger balance right after this movement. */
  balance: number;
}

export interface Statement {
  account: SavingsAccount;
  accountNumber: string;
  sfd: SfdSummary;
  client: Contact;
  /** The labels' language: the client's (the statement is theirs). */
  lang: Lang;
  from: LocalDate;
  to: LocalDate;
  opening: number;
  closing: number;
  totalIn: number;
  totalOut: number;
  lines: StatementLine[];
  /** When it was made. */
  at: Date;
}

export interface MiniStatementLine {
  at: Date;
  /** `DD/MM`, the SFD's local date. */
  day: string;
  type: MovementType;
  amount: number;
  /** `03/12 +5 000 Depot`: one line of a USSD screen or of the RELEVE SMS. */
  text: string;
}

export type MiniStatement =
  | { status: 'none' }
  /** A request in progress (not open yet), or a rejected or closed account: no statement. */
  | { status: 'not_open'; accountId: number; accountStatus: SavingsAccount['status'] }
  | {
      status: 'ok';
      accountId: number;
      accountNumber: string;
      /** The ledger balance now. */
      balance: number;
      /** 1-based; pages of MINI_STATEMENT_SIZE movements, newest first. */
      page: number;
      pages: number;
      lines: MiniStatementLine[];
    };

export interface StatementRange {
  from?: LocalDate;
  to?: LocalDate;
}

/** The reference a savings transaction's entries carry (deposits.ts, withdrawals.ts: a reversal too). */
const TX_REF = 'savings_transaction';

/** The statuses whose mini statement is given (an open account, active or suspended). */
const MINI_STATUSES: readonly SavingsAccount['status'][] = ['actif', 'suspendu'];

/**
 * Savings statements (relevés), read from the ledger: the account `savings:<id>`'s postings are the
 * movements and their sums the balances, so a statement is right whoever wrote the money; each posting
 * is joined to its savings transaction (by entry key, or a reversal's reference) for its label.
 */
export class StatementsService {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock'>,
    private readonly accounts: AccountsDirectory,
  ) {}

  /**
   * The statement of account `id` from `from` to `to` (SFD-local days, both included; default the current
   * month to today): the owner, staff of its SFD, the platform admin; anyone else 404. A period that ends
   * before it starts or is longer than MAX_STATEMENT_DAYS: 400.
   */
  async statement(actor: Principal, id: number, range: StatementRange): Promise<Statement> {
    const m = this.deps.db.manager;
    const account = withinScope(actor, await m.findOne(SavingsAccount, { where: { id } }), (a) => a.clientId);
    const sfd = await this.accounts.sfd(account.sfdId);
    const client = await this.accounts.contact(account.clientId);
    if (!sfd || !client) throw notFound();
    const at = this.deps.clock.now();
    const today = localDateOf(at, sfd.timeZone);
    const to = range.to ?? (range.from && range.from > today ? range.from : today);
    const from = range.from ?? `${to.slice(0, 8)}01`;
    if (from > to) throw validationFailed({ from: ['must be on or before to'] });
    if (addDays(from, MAX_STATEMENT_DAYS - 1) < to) {
      throw validationFailed({ to: [`the period is at most ${MAX_STATEMENT_DAYS} days`] });
    }
    const code = savingsLedgerAccount(account.id);
    const start = startOfLocalDay(from, sfd.timeZone);
    const end = startOfLocalDay(addDays(to, 1), sfd.timeZone);
    const opening = await balanceBefore(m, code, start);
    const movements = await movementsBetween(m, code, start, end);
    const lang = client.language;
    const labelled = await this.label(m, account, movements, lang);
    let balance = opening;
    let totalIn = 0;
    let totalOut = 0;
    const lines = labelled.map((l) => {
      balance += l.amount;
      if (l.amount > 0) totalIn += l.amount;
      else totalOut -= l.amount;
      return { ...l, date: localDateOf(l.at, sfd.timeZone), balance };
    });
    return {
      account,
      accountNumber: formatAccountNumber(account.id),
      sfd,
      client,
      lang,
      from,
      to,
      opening,
      closing: balance,
      totalIn,
      totalOut,
      lines,
      at,
    };
  }

  /** A staff member's download of a statement (CSV or PDF): audited `savings.statement`. */
  async auditDownload(actor: Principal, statement: Statement, format: 'csv' | 'pdf'): Promise<void> {
    if (actor.role === 'client') return;
    await recordAudit(
      this.deps.db.manager,
      {
        actor,
        sfdId: statement.account.sfdId,
        action: 'savings.statement',
        targetType: 'savings_account',
        targetId: statement.account.id,
        after: { format, from: statement.from, to: statement.to },
      },
      this.deps.clock.now(),
    );
  }

  /**
   * The client's mini statement: their savings account's movements, newest first, MINI_STATEMENT_SIZE a
   * page (page 1: the latest), with the balance now; texts in `lang` (default the client's language).
   * No account: `none`; one not open (a request in progress, rejected, closed): `not_open`.
   */
  async miniStatement(
    clientId: number,
    page = 1,
    lang?: Lang,
    manager?: EntityManager,
  ): Promise<MiniStatement> {
    const m = manager ?? this.deps.db.manager;
    const account =
      (await m.findOne(SavingsAccount, { where: { openClientId: clientId } })) ??
      (await m.findOne(SavingsAccount, { where: { clientId }, order: { id: 'DESC' } }));
    if (!account) return { status: 'none' };
    if (!MINI_STATUSES.includes(account.status)) {
      return { status: 'not_open', accountId: account.id, accountStatus: account.status };
    }
    const sfd = await this.accounts.sfd(account.sfdId, m);
    const language = lang ?? (await this.accounts.contact(clientId, m))?.language ?? 'fr';
    const code = savingsLedgerAccount(account.id);
    let wanted = Math.max(1, Math.floor(page));
    const read = () => latestMovements(m, code, (wanted - 1) * MINI_STATEMENT_SIZE, MINI_STATEMENT_SIZE);
    let { movements, count } = await read();
    const pages = Math.max(1, Math.ceil(count / MINI_STATEMENT_SIZE));
    // A page past the last (movements were fewer than the screen thought): the last one.
    if (wanted > pages) {
      wanted = pages;
      ({ movements, count } = await read());
    }
    const balance = (await balancesByCode(m, [code])).get(code) ?? 0;
    const labelled = await this.label(m, account, movements, language, false);
    const short = t(language, 'statements');
    const zone = sfd?.timeZone ?? 'Africa/Porto-Novo';
    return {
      status: 'ok',
      accountId: account.id,
      accountNumber: formatAccountNumber(account.id),
      balance,
      page: wanted,
      pages,
      lines: labelled.map((l) => {
        const [, mm, dd] = localTime(l.at, zone).date.split('-');
        const day = `${dd}/${mm}`;
        const sign = l.amount > 0 ? '+' : '-';
        return {
          at: l.at,
          day,
          type: l.type,
          amount: l.amount,
          text: `${day} ${sign}${formatXof(Math.abs(l.amount))} ${short(`short.${l.type}`)}`,
        };
      }),
    };
  }

  /** Each movement's type, method, agent, transaction and label. */
  private async label(
    m: EntityManager,
    account: SavingsAccount,
    movements: AccountMovement[],
    lang: Lang,
    withAgents = true,
  ) {
    const tr = t(lang, 'statements');
    const txRefs = movements
      .filter((mv) => mv.refType === TX_REF && /^\d+$/.test(mv.refId ?? ''))
      .map((mv) => Number(mv.refId));
    // 500 keys a query: a year of movements stays within every database's bind-parameter limit.
    const keys = movements.map((mv) => mv.entryKey);
    const found: SavingsTransaction[] = [];
    for (let i = 0; i < keys.length; i += 500) {
      found.push(
        ...(await m.find(SavingsTransaction, {
          where: { accountId: account.id, journalEntryKey: In(keys.slice(i, i + 500)) },
        })),
      );
    }
    const missing = [...new Set(txRefs)].filter((id) => !found.some((tx) => tx.id === id));
    for (let i = 0; i < missing.length; i += 500) {
      found.push(
        ...(await m.find(SavingsTransaction, {
          where: { accountId: account.id, id: In(missing.slice(i, i + 500)) },
        })),
      );
    }
    const byKey = new Map(found.filter((tx) => tx.journalEntryKey).map((tx) => [tx.journalEntryKey, tx]));
    const byId = new Map(found.map((tx) => [tx.id, tx]));
    const agentIds = withAgents
      ? [...new Set(found.map((tx) => tx.collectedBy).filter((a): a is number => a !== null))]
      : [];
    const agents = new Map<number, string>();
    for (const agentId of agentIds) {
      const c = await this.accounts.contact(agentId, m);
      if (c) agents.set(agentId, `${c.firstName} ${c.lastName}`);
    }
    return movements.map((mv) => {
      const direct = byKey.get(mv.entryKey);
      const tx = direct ?? (mv.refType === TX_REF ? byId.get(Number(mv.refId)) : undefined);
      const base = {
        at: mv.at,
        amount: mv.amount,
        transactionId: tx?.id ?? null,
        method: tx?.method ?? null,
        agent: tx?.collectedBy ? (agents.get(tx.collectedBy) ?? null) : null,
      };
      if (!tx) {
        const type: MovementType = mv.amount > 0 ? 'credit' : 'debit';
        return { ...base, type, label: tr(`labels.${type}`) };
      }
      const label = this.txLabel(tr, tx.type, tx.method, base.agent);
      // A movement against its transaction's direction is the transaction given back (a failed payout).
      const natural = tx.type === 'depot' ? mv.amount > 0 : mv.amount < 0;
      if (!natural)
        return { ...base, type: 'reversal' as MovementType, label: tr('labels.reversal', { label }) };
      return { ...base, type: tx.type as MovementType, label };
    });
  }

  private txLabel(
    tr: ReturnType<typeof t>,
    type: SavingsTransaction['type'],
    method: SavingsMethod,
    agent: string | null,
  ): string {
    if (method === 'cash' && agent) return tr(`labels.${type}_cash_agent`, { agent });
    return tr(`labels.${type}_${method}`);
  }
}
