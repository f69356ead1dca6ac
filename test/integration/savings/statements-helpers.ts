import type { Response } from 'superagent';
import type { Sfd, User } from '../../../src/accounts/entities';
import { LedgerAccount, Posting } from '../../../src/ledger/entities';
import { post, reverse, sfdAccount } from '../../../src/ledger/service';
import { savingsLedgerAccount } from '../../../src/savings/balance';
import {
  SavingsTransaction,
  type SavingsAccount,
  type SavingsMethod,
  type SavingsTransactionType,
} from '../../../src/savings/entities';
import type { TestApp } from '../../helpers/app';

/** supertest: the body as a Buffer whatever its type (a PDF). */
export function binary(res: Response, done: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

/**
 * A confirmed deposit or withdrawal of `amount` at `at`, written as the money engineer's code does: the
 * ledger entry (the SFD's clearing or cash against the savings account) and its savings transaction
 * carrying the entry's key. The statement logic only reads them.
 */
export async function movement(
  t: TestApp,
  sfd: Sfd,
  account: SavingsAccount,
  type: SavingsTransactionType,
  method: SavingsMethod,
  amount: number,
  at: Date,
  agent: User | null = null,
): Promise<SavingsTransaction> {
  return t.deps.db.transaction(async (m) => {
    const tx = await m.save(
      m.create(SavingsTransaction, {
        sfdId: sfd.id,
        accountId: account.id,
        clientId: account.clientId,
        type,
        status: 'confirmee',
        method,
        amount,
        collectedBy: agent?.id ?? null,
        idempotencyKey: null,
        paymentReference: null,
        journalEntryKey: null,
        requestedBy: null,
        decidedBy: null,
        decidedAt: null,
        reason: null,
        createdAt: at,
        updatedAt: at,
        confirmedAt: at,
      }),
    );
    const key = `test:savings-tx:${tx.id}`;
    const signed = type === 'depot' ? amount : -amount;
    await post(m, {
      key,
      kind: type === 'depot' ? 'savings_deposit' : 'savings_withdrawal',
      lines: [
        { account: sfdAccount(sfd.id, method === 'cash' ? 'cash' : 'mobile-money'), amount: -signed },
        { account: savingsLedgerAccount(account.id), amount: signed },
      ],
      ref: { type: 'savings_transaction', id: tx.id },
      sfdId: sfd.id,
      at,
    });
    await m.update(SavingsTransaction, { id: tx.id }, { journalEntryKey: key });
    return { ...tx, journalEntryKey: key };
  });
}

/** The transaction's entry given back (a failed payout), referencing the transaction. */
export async function reversal(t: TestApp, tx: SavingsTransaction, at: Date): Promise<void> {
  await t.deps.db.transaction((m) =>
    reverse(m, tx.journalEntryKey as string, {
      key: `test:savings-tx:${tx.id}:reversal`,
      kind: 'savings_withdrawal_reversal',
      ref: { type: 'savings_transaction', id: tx.id },
      sfdId: tx.sfdId,
      at,
    }),
  );
}

/** Another movement of the account with no savings transaction (interest, say). */
export async function otherCredit(t: TestApp, sfd: Sfd, account: SavingsAccount, amount: number, at: Date) {
  await t.deps.db.transaction((m) =>
    post(m, {
      key: `test:savings:${account.id}:other:${at.getTime()}`,
      kind: 'savings_interest',
      lines: [
        { account: sfdAccount(sfd.id, 'interest-income'), amount: -amount },
        { account: savingsLedgerAccount(account.id), amount },
      ],
      sfdId: sfd.id,
      at,
    }),
  );
}

/**
 * The account's postings read straight from the table, in the ledger's order, each with the balance the
 * ledger had right after it: what a statement line must show, computed without the statement's code.
 */
export async function ledgerLines(t: TestApp, account: SavingsAccount) {
  const m = t.deps.db.manager;
  const ledger = await m.findOneByOrFail(LedgerAccount, { code: savingsLedgerAccount(account.id) });
  const postings = (await m.findBy(Posting, { accountId: ledger.id })).sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id,
  );
  let balance = 0;
  const lines = postings.map((p) => {
    balance += p.amount;
    return { at: p.createdAt.toISOString(), amount: p.amount, balance };
  });
  return { lines, balance: ledger.balance };
}
