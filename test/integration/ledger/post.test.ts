import { JournalEntry, LedgerAccount, Posting } from '../../../src/ledger/entities';
import { ensureAccount, LedgerError, post, sfdAccount, SFD_ACCOUNTS } from '../../../src/ledger/service';
import { checkLedger } from '../../../src/ledger/check';
import type { Sfd } from '../../../src/accounts/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser } from '../../helpers/factories';

let t: TestApp;
let sfd: Sfd;
let seq = 0;

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'LED');
});
afterAll(() => t.close());

const clearing = () => sfdAccount(sfd.id, 'mobile-money');
const balance = async (code: string) =>
  (await t.deps.db.manager.findOneByOrFail(LedgerAccount, { code })).balance;

async function clientAccount(): Promise<string> {
  const user = await makeUser(t, 'client', sfd);
  const code = `savings:test:${user.id}`;
  await ensureAccount(t.deps.db.manager, {
    code,
    kind: 'savings',
    sfdId: sfd.id,
    ownerId: user.id,
    mayGoNegative: false,
    at: t.clock.now(),
  });
  return code;
}

const deposit = (account: string, amount: number, key = `test:${++seq}`) =>
  t.deps.db.transaction((m) =>
    post(m, {
      key,
      kind: 'deposit',
      lines: [
        { account: clearing(), amount: -amount },
        { account, amount },
      ],
      sfdId: sfd.id,
      at: t.clock.now(),
    }),
  );

const withdraw = (account: string, amount: number, key = `test:${++seq}`) =>
  t.deps.db.transaction((m) =>
    post(m, {
      key,
      kind: 'withdrawal',
      lines: [
        { account, amount: -amount },
        { account: clearing(), amount },
      ],
      at: t.clock.now(),
    }),
  );

describe('ledger.post', () => {
  it('gives every new SFD its standard accounts', async () => {
    const codes = (await t.deps.db.manager.findBy(LedgerAccount, { sfdId: sfd.id })).map((a) => a.code);
    for (const name of SFD_ACCOUNTS) expect(codes).toContain(sfdAccount(sfd.id, name));
  });

  it('writes a balanced entry, its postings and both balances', async () => {
    const account = await clientAccount();
    const before = await balance(clearing());
    const entry = await deposit(account, 5000);
    expect(await balance(account)).toBe(5000);
    expect(await balance(clearing())).toBe(before - 5000);
    const postings = await t.deps.db.manager.findBy(Posting, { entryId: entry.id });
    expect(postings.map((p) => p.amount).sort((a, b) => a - b)).toEqual([-5000, 5000]);
  });

  it('is idempotent: the same key and lines return the first entry and change nothing', async () => {
    const account = await clientAccount();
    const first = await deposit(account, 700, 'idem:1');
    const again = await deposit(account, 700, 'idem:1');
    expect(again.id).toBe(first.id);
    expect(await balance(account)).toBe(700);
    expect(await t.deps.db.manager.countBy(JournalEntry, { key: 'idem:1' })).toBe(1);
  });

  it('refuses the same key with different lines', async () => {
    const account = await clientAccount();
    await deposit(account, 700, 'idem:2');
    await expect(deposit(account, 800, 'idem:2')).rejects.toMatchObject({ code: 'key_reused' });
    expect(await balance(account)).toBe(700);
  });

  it('refuses unbalanced entries, zero and fractional amounts, and unknown accounts, writing nothing', async () => {
    const account = await clientAccount();
    const entries = await t.deps.db.manager.count(JournalEntry);
    const attempt = (lines: { account: string; amount: number }[]) =>
      t.deps.db.transaction((m) => post(m, { key: `bad:${++seq}`, kind: 'x', lines, at: t.clock.now() }));
    await expect(
      attempt([
        { account, amount: 10 },
        { account: clearing(), amount: -9 },
      ]),
    ).rejects.toMatchObject({
      code: 'unbalanced',
    });
    await expect(attempt([{ account, amount: 10 }])).rejects.toBeInstanceOf(LedgerError);
    await expect(
      attempt([
        { account, amount: 0 },
        { account: clearing(), amount: 0 },
      ]),
    ).rejects.toMatchObject({
      code: 'invalid_amount',
    });
    await expect(
      attempt([
        { account, amount: 1.5 },
        { account: clearing(), amount: -1.5 },
      ]),
    ).rejects.toMatchObject({
      code: 'invalid_amount',
    });
    await expect(
      attempt([
        { account: 'nope', amount: 1 },
        { account: clearing(), amount: -1 },
      ]),
    ).rejects.toMatchObject({ code: 'unknown_account' });
    expect(await t.deps.db.manager.count(JournalEntry)).toBe(entries);
  });

  it('never lets a client balance go negative, and rolls the whole transaction back', async () => {
    const account = await clientAccount();
    await deposit(account, 1000);
    await expect(withdraw(account, 1001)).rejects.toMatchObject({ code: 'insufficient_funds' });
    expect(await balance(account)).toBe(1000);
    // A business change in the same transaction is rolled back with it.
    await expect(
      t.deps.db.transaction(async (m) => {
        await post(m, {
          key: `rb:${++seq}`,
          kind: 'withdrawal',
          lines: [
            { account, amount: -400 },
            { account: clearing(), amount: 400 },
          ],
          at: t.clock.now(),
        });
        throw new Error('the business change failed after the posting');
      }),
    ).rejects.toThrow('business change failed');
    expect(await balance(account)).toBe(1000);
  });

  it('lets exactly as many concurrent debits through as the balance allows', async () => {
    const account = await clientAccount();
    await deposit(account, 1000);
    const results = await Promise.allSettled(Array.from({ length: 25 }, () => withdraw(account, 100)));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const failed = results.filter((r) => r.status === 'rejected');
    expect(ok).toBe(10);
    for (const f of failed) {
      const reason = (f as PromiseRejectedResult).reason as { code?: string; message?: string };
      // On MySQL a losing transaction may also be a deadlock victim; never a wrong balance.
      expect(reason.code === 'insufficient_funds' || /deadlock|lock/i.test(String(reason.message))).toBe(
        true,
      );
    }
    expect(await balance(account)).toBe(0);
    expect(await checkLedger(t.deps.db)).toEqual([]);
  });
});

describe('an entry on many accounts (their balances updated in bulk)', () => {
  const spread = (accounts: string[], amounts: number[], key: string) =>
    t.deps.db.transaction((m) =>
      post(m, {
        key,
        kind: 'spread',
        lines: [
          ...accounts.map((account, i) => ({ account, amount: amounts[i] })),
          { account: clearing(), amount: -amounts.reduce((s, a) => s + a, 0) },
        ],
        sfdId: sfd.id,
        at: t.clock.now(),
      }),
    );

  it('moves every balance by its own amount, and refuses the whole entry if one would go negative', async () => {
    const accounts: string[] = [];
    for (let i = 0; i < 12; i++) accounts.push(await clientAccount());
    await spread(
      accounts,
      accounts.map((_, i) => 100 + i),
      `bulk:${++seq}`,
    );
    expect(await Promise.all(accounts.map(balance))).toEqual(accounts.map((_, i) => 100 + i));

    // The seventh would end at 106 − 107 = −1: nothing of the entry stays.
    const taking = accounts.map((_, i) => (i === 6 ? -107 : -1));
    await expect(spread(accounts, taking, `bulk:${++seq}`)).rejects.toMatchObject({
      code: 'insufficient_funds',
      message: `insufficient funds on ${accounts[6]}`,
    });
    expect(await Promise.all(accounts.map(balance))).toEqual(accounts.map((_, i) => 100 + i));
    expect(await checkLedger(t.deps.db)).toEqual([]);
  });
});
