import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { loadConfig } from '../../../src/config';
import { openDatabase } from '../../../src/modules';
import { systemClock } from '../../../src/infra/clock';
import { seedDemo } from '../../../src/accounts/seed';
import { ensureAccount, post, sfdAccount } from '../../../src/ledger/service';
import { Sfd } from '../../../src/accounts/entities';

const root = resolve(__dirname, '../../..');
const run = promisify(execFile);

/** `npm run ledger:check` (dist/src/cli/ledger-check.js, built by the test run) on a database file. */
async function ledgerCheck(sqlitePath: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, ['dist/src/cli/ledger-check.js'], {
      cwd: root,
      env: { PATH: process.env.PATH, SQLITE_PATH: sqlitePath },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

describe('npm run ledger:check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tontiflex-ledger-'));
  const original = join(dir, 'original.sqlite');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    const config = loadConfig({ SQLITE_PATH: original, LOG_LEVEL: 'silent' });
    const db = await openDatabase(config);
    await seedDemo({ db, clock: systemClock, config });
    const sfd = await db.manager.findOneByOrFail(Sfd, { code: 'CSC' });
    const at = new Date();
    await db.transaction(async (m) => {
      await ensureAccount(m, {
        code: 'savings:demo',
        kind: 'savings',
        sfdId: sfd.id,
        mayGoNegative: false,
        at,
      });
      await post(m, {
        key: 'demo:deposit',
        kind: 'deposit',
        lines: [
          { account: sfdAccount(sfd.id, 'mobile-money'), amount: -2500 },
          { account: 'savings:demo', amount: 2500 },
        ],
        at,
      });
    });
    await db.destroy();
  });

  it('exits 0 on a sound ledger', async () => {
    const result = await ledgerCheck(original);
    expect(result).toMatchObject({ code: 0 });
    expect(result.out).toMatch(/every entry balances/);
  });

  it.each([
    [
      'a balance that differs from its postings',
      "UPDATE ledger_accounts SET balance = balance + 1 WHERE code = 'savings:demo'",
      /balance_mismatch/,
    ],
    [
      'an entry that does not sum to zero',
      'UPDATE postings SET amount = amount + 5 WHERE id = (SELECT MIN(id) FROM postings)',
      /entry_unbalanced/,
    ],
    [
      'a protected balance below zero',
      "UPDATE ledger_accounts SET balance = -10 WHERE code = 'savings:demo'; UPDATE postings SET amount = amount - 2510 WHERE account_id = (SELECT id FROM ledger_accounts WHERE code = 'savings:demo')",
      /negative_protected_balance/,
    ],
  ])('exits non-zero on a copy corrupted with %s', async (_what, sql, rule) => {
    const copy = join(dir, `corrupt-${Math.random().toString(36).slice(2)}.sqlite`);
    copyFileSync(original, copy);
    const raw = new Database(copy);
    raw.exec(sql);
    raw.close();
    const result = await ledgerCheck(copy);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(rule);
    // The original is untouched and still sound.
    expect((await ledgerCheck(original)).code).toBe(0);
  });
});
