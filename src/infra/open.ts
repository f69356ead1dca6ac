import type { Config } from '../config';
import type { Deps } from '../deps';
import { AfricasTalkingSmsSender } from '../notifications/africastalking';
import { SmsOutbox } from '../notifications/outbox';
import { OutboxHandOff } from '../notifications/outbox-handoff';
import { ConsoleSmsSender } from '../notifications/sms';
import { systemClock } from './clock';
import { openDatabase } from './db';
import { connectRedis, MemoryStore, RedisStore, type KeyValueStore } from './kv';
import type { Logger } from './logger';
import { InProcessQueue, type JobQueue } from './queue';
import { BullQueue } from './queue-bull';

/** Opens every outside dependency the config names: the real ones, or the embedded stand-ins. */
export async function openDeps(config: Config, logger: Logger): Promise<Deps> {
  const db = await openDatabase(config);
  let kv: KeyValueStore;
  let queue: JobQueue;
  if (config.REDIS_URL) {
    const redis = await connectRedis(config.REDIS_URL);
    redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
    kv = new RedisStore(redis);
    queue = await BullQueue.open(config.REDIS_URL, logger);
  } else {
    kv = new MemoryStore();
    queue = new InProcessQueue(logger);
  }
  // Outbox rows written in a transaction go to the queue when it commits.
  db.subscribers.push(new OutboxHandOff(queue, logger));
  const sms =
    config.SMS_PROVIDER === 'africastalking'
      ? new AfricasTalkingSmsSender(config, logger)
      : new ConsoleSmsSender(logger);
  const outbox = new SmsOutbox({ config, clock: systemClock, queue, logger });
  return { config, db, kv, logger, clock: systemClock, sms, queue, outbox };
}

export async function closeDeps(deps: Deps): Promise<void> {
  // The queue first: its workers finish their running jobs, which need the database.
  await deps.queue.close();
  await deps.kv.close();
  if (deps.db.isInitialized) await deps.db.destroy();
}
