import { createConnection } from 'mysql2/promise';

/** Drops the databases this run created (one per jest worker), so runs never pile them up. */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env.TEST_RUN_ID;
  if (!runId || process.env.TEST_EMBEDDED === '1') return;
  const conn = await createConnection(`${process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306'}/`);
  try {
    const [rows] = await conn.query('SHOW DATABASES LIKE ?', [`tontiflex_test_${runId}_%`]);
    for (const row of rows as Record<string, string>[]) {
      await conn.query(`DROP DATABASE \`${Object.values(row)[0]}\``);
    }
  } finally {
    await conn.end();
  }
}
