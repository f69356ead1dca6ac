import { loadConfig } from '../config';
import { openDatabase } from '../modules';
import { systemClock } from '../infra/clock';
import { seedDemo } from '../accounts/seed';

/** `npm run seed`: demo SFDs and staff (idempotent). */
async function run() {
  const config = loadConfig();
  const db = await openDatabase(config);
  const created = await seedDemo({ db, clock: systemClock, config });
  console.log(`demo data: ${created} user(s) created; staff password from DEMO_PASSWORD`);
  await db.destroy();
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
