import type { Config } from '../config';
import type { Deps } from '../deps';
import { ConsoleSmsSender } from '../notifications/sms';
import { systemClock } from './clock';
import { openDatabase } from './db';
import { connectRedis, MemoryStore, RedisStore, type KeyValueStore } from './kv';
import type { Logger } from './logger';

/** Opens every outside dependency the config names: the real ones, or the embedded stand-ins. */
export async function openDeps(config: Config, logger: Logger): Promise<Deps> {
  const db = await openDatabase(config);
  let kv: KeyValueStore;
  if (config.REDIS_URL) {
    const redis = await connectRedis(config.REDIS_URL);
    redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
    kv = new RedisStore(redis);
  } else {
    kv = new MemoryStore();
  }
  if (config.SMS_PROVIDER === 'africastalking') {
    // The Africa's Talking adapter and the durable outbox arrive with the SMS issue.
    logger.warn('SMS_PROVIDER=africastalking is not wired yet: SMS go to the console');
  }
  return { config, db, kv, logger, clock: systemClock, sms: new ConsoleSmsSender(logger) };
}

export async function closeDeps(deps: Deps): Promise<void> {
  await deps.kv.close();
  if (deps.db.isInitialized) await deps.db.destroy();
}
