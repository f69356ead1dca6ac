/** The bench's data: its MySQL database with seeded clients, and its Redis database emptied. */
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { Like } from 'typeorm';
import { Sfd, User } from '../accounts/entities';
import { seedDemo } from '../accounts/seed';
import { loadConfig } from '../config';
import { systemClock } from '../infra/clock';
import { hashSecret } from '../infra/crypto';
import { openDatabase } from '../modules';

const PIN = '4827';

export interface BenchData {
  mysqlUrl: string;
  clients: number;
  phonePrefix: string;
  phoneDigits: number;
}

/** Database, migrations, demo SFDs, and `clients` clients with PIN 4827 (phones prefix + n). */
export async function prepareData({ mysqlUrl, clients, phonePrefix, phoneDigits }: BenchData): Promise<void> {
  const url = new URL(mysqlUrl);
  const database = url.pathname.slice(1);
  const conn = await createConnection(`${url.protocol}//${url.username || 'root'}@${url.host}/`);
  await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4`);
  await conn.end();
  const config = loadConfig({ MYSQL_URL: mysqlUrl, DEMO_MODE: 'true', LOG_LEVEL: 'warn' });
  const db = await openDatabase(config);
  try {
    await seedDemo({ db, clock: systemClock, config });
    const sfd = await db.manager.findOneOrFail(Sfd, { where: { code: 'CSC' } });
    const existing = new Set(
      (
        await db.manager.find(User, { where: { phone: Like(`${phonePrefix}%`) }, select: { phone: true } })
      ).map((u) => u.phone),
    );
    const pinHash = await hashSecret(PIN);
    const now = new Date();
    const rows: Partial<User>[] = [];
    for (let i = 0; i < clients; i++) {
      const phone = phonePrefix + String(i).padStart(phoneDigits, '0');
      if (existing.has(phone)) continue;
      rows.push({
        phone,
        email: null,
        firstName: `Bench${i}`,
        lastName: 'Client',
        role: 'client',
        sfdId: sfd.id,
        status: 'active',
        language: 'fr',
        passwordHash: null,
        pinHash,
        kycStatus: 'pending',
        idNumberEnc: null,
        phoneVerifiedAt: now,
        createdAt: now,
        updatedAt: now,
      });
    }
    for (let i = 0; i < rows.length; i += 200) await db.manager.insert(User, rows.slice(i, i + 200));
    console.log(`data: ${database} ready, ${existing.size} client(s) existed, ${rows.length} created`);
  } finally {
    await db.destroy();
  }
}

/** Each measured server starts on an empty Redis database. */
export async function flushRedis(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  await redis.flushdb();
  await redis.quit();
}
