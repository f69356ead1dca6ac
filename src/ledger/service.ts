import { createHash } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import { uniqueViolationField } from '../infra/db-errors';
import { JournalEntry, LedgerAccount, Posting } from './entities';

/**
 * Double-entry, append-only, idempotent. Sign convention: an account's balance is the sum of its
 * postings; money owed to a client is a positive balance on the client's account, and the SFD's
 * counter-accounts (mobile-money clearing, cash…) go negative by what came in through them.
 */
export interface Line {
  account: string;
  amount: number;
}

export interface PostRequest {
  /** Idempotency key: the same key with the same lines returns the first entry and changes nothing. */
  key: string;
  kind: string;
  lines: Line[];
  ref?: { type: string; id: string | number };
  sfdId?: number | null;
  actorId?: number | null;
  at: Date;
}

/**
 * A refused post. The HTTP layer answers it as a problem by its `name` and `code` (http/errors.ts):
 * insufficient_funds, key_reused and unknown_account are 409s a caller can meet; unbalanced and
 * invalid_amount are programming errors (422, logged as errors). The message names accounts: it stays
 * in the logs, never in an answer.
 */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';

  constructor(
    readonly code: 'unbalanced' | 'invalid_amount' | 'unknown_account' | 'insufficient_funds' | 'key_reused',
    message: string,
  ) {
    super(message);
  }
}

/** The accounts every SFD gets when it is created. */
export const SFD_ACCOUNTS = [
  'mobile-money',
  'cash',
  'commission-income',
  'fee-income',
  'interest-income',
  'penalty-income',
  'loans-receivable',
  // Money received whose destination is not known yet (and sandbox test payments).
  'suspense',
] as const;
export type SfdAccount = (typeof SFD_ACCOUNTS)[number];

export const sfdAccount = (sfdId: number, name: SfdAccount) => `sfd:${sfdId}:${name}`;
/**
 * Cash in a field collector's hands (may go negative: a cash collection takes it down by what came in;
 * the remittance to the branch brings it back). Tontine contributions and savings deposits share it.
 */
export const agentCashAccount = (agentId: number) => `agent:${agentId}:cash`;

function linesHash(lines: Line[]): string {
  const normalized = [...lines].sort((a, b) => a.account.localeCompare(b.account) || a.amount - b.amount);
  return createHash('sha256').update(JSON.stringify(normalized)).digest('hex');
}

function validate(lines: Line[]) {
  if (lines.length < 2) throw new LedgerError('unbalanced', 'an entry needs at least two lines');
  let sum = 0;
  for (const line of lines) {
    if (!Number.isSafeInteger(line.amount) || line.amount === 0) {
      throw new LedgerError('invalid_amount', `amount must be a non-zero integer of XOF: ${line.amount}`);
    }
    sum += line.amount;
  }
  if (sum !== 0) throw new LedgerError('unbalanced', `lines sum to ${sum}, not 0`);
}

/**
 * Writes an entry, its postings and the balance updates with the caller's transaction manager, so they
 * commit or roll back with the business change they belong to.
 */
export async function post(manager: EntityManager, req: PostRequest): Promise<JournalEntry> {
  validate(req.lines);
  const hash = linesHash(req.lines);

  const codes = [...new Set(req.lines.map((l) => l.account))];
  const accounts = await manager.find(LedgerAccount, { where: { code: In(codes) } });
  const byCode = new Map(accounts.map((a) => [a.code, a]));
  const missing = codes.filter((c) => !byCode.has(c));
  if (missing.length > 0)
    throw new LedgerError('unknown_account', `unknown ledger account: ${missing.join(', ')}`);

  let entry: JournalEntry;
  try {
    entry = await manager.save(
      manager.create(JournalEntry, {
        key: req.key,
        kind: req.kind,
        refType: req.ref?.type ?? null,
        refId: req.ref ? String(req.ref.id) : null,
        sfdId: req.sfdId ?? null,
        actorId: req.actorId ?? null,
        linesHash: hash,
        createdAt: req.at,
      }),
    );
  } catch (err) {
    if (!uniqueViolationField(err)) throw err;
    // The key is taken (a replay, or a concurrent post of the same key that committed first): no read
    // before the insert, since nearly every post is a first one. The failed insert leaves the
    // transaction usable on MySQL and SQLite alike.
    const winner = await manager.findOneOrFail(JournalEntry, { where: { key: req.key } });
    return sameOrRefuse(winner, hash);
  }

  // Net per account, applied in id order so concurrent transactions lock rows in the same order.
  const net = new Map<number, number>();
  for (const line of req.lines) {
    const id = (byCode.get(line.account) as LedgerAccount).id;
    net.set(id, (net.get(id) ?? 0) + line.amount);
  }
  const deltas = [...net].filter(([, delta]) => delta !== 0).sort(([a], [b]) => a - b);
  if (deltas.length > BULK_BALANCE_UPDATE_FROM) await applyDeltasInBulk(manager, deltas, req.at, accounts);
  else {
    for (const [accountId, delta] of deltas) {
      // One conditional update: an account that must not go negative never does, whoever runs alongside.
      // (`delta` is a validated safe integer, so writing it into the SET expression is safe.)
      const result = await manager
        .createQueryBuilder()
        .update(LedgerAccount)
        .set({ balance: () => `balance + (${delta})`, updatedAt: req.at })
        .where('id = :accountId', { accountId })
        .andWhere('(may_go_negative = 1 OR balance + :delta >= 0)', { delta })
        .execute();
      if (!result.affected) {
        const code = accounts.find((a) => a.id === accountId)?.code;
        throw new LedgerError('insufficient_funds', `insufficient funds on ${code}`);
      }
    }
  }
  await manager.insert(
    Posting,
    req.lines.map((line) => ({
      entryId: entry.id,
      accountId: (byCode.get(line.account) as LedgerAccount).id,
      amount: line.amount,
      createdAt: req.at,
    })),
  );
  return entry;
}

/**
 * An entry touching more accounts than this (a batch of a day's loan penalties: one account per loan)
 * updates their balances in one statement per chunk instead of one per account: the per-account round
 * trips were most of the daily penalty run's time.
 */
const BULK_BALANCE_UPDATE_FROM = 8;
const BULK_CHUNK = 500;

/**
 * The balance updates of a large entry: `balance + CASE id WHEN … END` on the chunk's ids, with the same
 * condition as the one-row update (an account that must not go negative never does). A chunk whose
 * update changed fewer rows than it names was refused somewhere: the entry fails (the caller's
 * transaction rolls back the chunks already applied). Ids in ascending order, so rows lock in the same
 * order as the one-row path. Deltas are validated safe integers, ids come from the database.
 */
async function applyDeltasInBulk(
  manager: EntityManager,
  deltas: [number, number][],
  at: Date,
  accounts: LedgerAccount[],
): Promise<void> {
  const table = manager.connection.getMetadata(LedgerAccount).tableName;
  for (let i = 0; i < deltas.length; i += BULK_CHUNK) {
    const chunk = deltas.slice(i, i + BULK_CHUNK);
    const change = `CASE id ${chunk.map(([id, delta]) => `WHEN ${id} THEN ${delta}`).join(' ')} END`;
    const ids = chunk.map(([id]) => id).join(', ');
    const result = await manager
      .createQueryBuilder()
      .update(LedgerAccount)
      .set({ balance: () => `balance + (${change})`, updatedAt: at })
      .where(`id IN (${ids})`)
      .andWhere(`(may_go_negative = 1 OR balance + (${change}) >= 0)`)
      .execute();
    if ((result.affected ?? 0) < chunk.length) {
      const refused = await manager.query(
        `SELECT code FROM ${table} WHERE id IN (${ids}) AND may_go_negative = 0 AND balance + (${change}) < 0`,
      );
      const code =
        (refused as { code: string }[])[0]?.code ?? accounts.find((a) => a.id === chunk[0][0])?.code;
      throw new LedgerError('insufficient_funds', `insufficient funds on ${code}`);
    }
  }
}

function sameOrRefuse(entry: JournalEntry, hash: string): JournalEntry {
  if (entry.linesHash !== hash) {
    throw new LedgerError('key_reused', `ledger key ${entry.key} was already used for different lines`);
  }
  return entry;
}

export interface AccountSpec {
  code: string;
  kind: string;
  sfdId: number | null;
  ownerId?: number | null;
  mayGoNegative: boolean;
  at: Date;
}

/** Creates the account if it does not exist yet; answers it either way. */
export async function ensureAccount(manager: EntityManager, spec: AccountSpec): Promise<LedgerAccount> {
  const existing = await manager.findOne(LedgerAccount, { where: { code: spec.code } });
  if (existing) return existing;
  return manager.save(
    manager.create(LedgerAccount, {
      code: spec.code,
      kind: spec.kind,
      sfdId: spec.sfdId,
      ownerId: spec.ownerId ?? null,
      balance: 0,
      mayGoNegative: spec.mayGoNegative,
      createdAt: spec.at,
      updatedAt: spec.at,
    }),
  );
}

/** The SFD's own accounts (clearing, cash, incomes, receivables): they may go negative. */
export async function openSfdAccounts(manager: EntityManager, sfdId: number, at: Date): Promise<void> {
  for (const name of SFD_ACCOUNTS) {
    await ensureAccount(manager, {
      code: sfdAccount(sfdId, name),
      kind: name,
      sfdId,
      mayGoNegative: true,
      at,
    });
  }
}

/** A correction: the same lines with opposite signs, under a new key. Entries are never edited. */
export async function reverse(
  manager: EntityManager,
  originalKey: string,
  req: Omit<PostRequest, 'lines'>,
): Promise<JournalEntry> {
  const original = await manager.findOne(JournalEntry, { where: { key: originalKey } });
  if (!original) throw new LedgerError('unknown_account', `no ledger entry ${originalKey} to reverse`);
  const postings = await manager.find(Posting, { where: { entryId: original.id } });
  const accounts = await manager.find(LedgerAccount, { where: { id: In(postings.map((p) => p.accountId)) } });
  const codeOf = new Map(accounts.map((a) => [a.id, a.code]));
  return post(manager, {
    ...req,
    lines: postings.map((p) => ({ account: codeOf.get(p.accountId) as string, amount: -p.amount })),
  });
}

/**
 * The accounts a user owns (savings, tontine shares, loans), oldest first, with their balances: what a
 * client is told their balances are (the ledger is the only source of balances shown to users).
 */
export function accountsOwnedBy(manager: EntityManager, ownerId: number): Promise<LedgerAccount[]> {
  return manager.find(LedgerAccount, { where: { ownerId }, order: { id: 'ASC' } });
}
