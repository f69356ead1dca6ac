import { loadConfig } from '../config';
import { openDatabase } from '../modules';
import { checkLedger } from '../ledger/check';

/** `npm run ledger:check`: exits 1 and lists the violations if any ledger invariant is broken. */
async function run() {
  const db = await openDatabase(loadConfig());
  try {
    const violations = await checkLedger(db);
    if (violations.length === 0) {
      console.log('ledger: every entry balances, every balance matches its postings, none negative');
      return 0;
    }
    for (const v of violations) console.error(`${v.rule} #${v.id}: ${v.detail}`);
    console.error(`ledger: ${violations.length} violation(s)`);
    return 1;
  } finally {
    await db.destroy();
  }
}

run()
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  });
