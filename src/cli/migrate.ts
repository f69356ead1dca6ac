import { loadConfig } from '../config';
import { openDatabase } from '../modules';

/** `npm run migrate`: applies pending migrations to the configured database. */
async function run() {
  const db = await openDatabase(loadConfig());
  const pending = await db.showMigrations();
  console.log(pending ? 'migrations pending after run?' : 'database schema is up to date');
  await db.destroy();
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
