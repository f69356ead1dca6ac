import type { Config } from '../config';
import type { Deps } from '../deps';
import { AfricasTalkingSmsSender } from '../notifications/africastalking';
import { BestEffortSms, ConsoleSmsSender } from '../notifications/sms';
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
  const sms =
    config.SMS_PROVIDER === 'africastalking'
      ? new BestEffortSms(new AfricasTalkingSmsSender(config, logger), logger)
      : new ConsoleSmsSender(logger);
  return { config, db, kv, logger, clock: systemClock, sms };
}

export async function closeDeps(deps: Deps): Promise<void> {
  await deps.kv.close();
  if (deps.db.isInitialized) await deps.db.destroy();
}
