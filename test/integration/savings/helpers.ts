import type { Sfd, User } from '../../../src/accounts/entities';
import { ensureAccount, post, sfdAccount } from '../../../src/ledger/service';
import { savingsLedgerAccount } from '../../../src/savings/balance';
import { SavingsAccount } from '../../../src/savings/entities';
import type { TestApp } from '../../helpers/app';

/**
 * An active savings account of `client` at `sfd` (opened `openedDaysAgo` days before the test clock)
 * whose ledger account holds `balance`, paid in through the SFD's mobile-money clearing. For tests of
 * what comes after the opening; the opening itself is tested through the API.
 */
export async function activeSavingsAccount(
  t: TestApp,
  sfd: Sfd,
  client: User,
  balance = 0,
  openedDaysAgo = 0,
): Promise<SavingsAccount> {
  const m = t.deps.db.manager;
  const now = t.clock.now();
  const opened = new Date(now.getTime() - openedDaysAgo * 86_400_000);
  const account = await m.save(
    m.create(SavingsAccount, {
      sfdId: sfd.id,
      clientId: client.id,
      openClientId: client.id,
      status: 'actif',
      openingFee: 1000,
      reason: null,
      requestedBy: null,
      decidedBy: null,
      decidedAt: opened,
      feePaymentReference: null,
      openedAt: opened,
      createdAt: opened,
      updatedAt: opened,
    }),
  );
  await m.transaction(async (tx) => {
    await ensureAccount(tx, {
      code: savingsLedgerAccount(account.id),
      kind: 'savings',
      sfdId: sfd.id,
      ownerId: client.id,
      mayGoNegative: false,
      at: now,
    });
    if (balance > 0) {
      await post(tx, {
        key: `test:savings:${account.id}:funding`,
        kind: 'test_funding',
        lines: [
          { account: sfdAccount(sfd.id, 'mobile-money'), amount: -balance },
          { account: savingsLedgerAccount(account.id), amount: balance },
        ],
        sfdId: sfd.id,
        at: now,
      });
    }
  });
  return account;
}
