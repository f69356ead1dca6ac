import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { systemClock, type Clock } from './clock';
import { openDatabase, type EntityList } from './db';
import { openDocumentStore, type DocumentStore } from './documents';
import { connectRedis, MemoryStore, RedisStore, type KeyValueStore } from './kv';
import type { Logger } from './logger';
import { InProcessQueue, type JobQueue } from './queue';
import { BullQueue } from './queue-bull';

/** The outside systems: what every module may use (deps.ts adds the SMS outbox). */
export interface Infra {
  config: Config;
  db: DataSource;
  kv: KeyValueStore;
  logger: Logger;
  clock: Clock;
  queue: JobQueue;
  /** Identity documents, encrypted at rest (a folder: DOCUMENTS_DIR). */
  documents: DocumentStore;
}

/** Opens every outside dependency the config names: the real ones, or the embedded stand-ins. */
export async function openInfra(config: Config, logger: Logger, entities: EntityList): Promise<Infra> {
  // The documents folder first: an unwritable volume stops the start before anything else is open.
  const documents = await openDocumentStore(config);
  const db = await openDatabase(config, entities);
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
  return { config, db, kv, logger, clock: systemClock, queue, documents };
}

export async function closeDeps(deps: Pick<Infra, 'queue' | 'kv' | 'db'>): Promise<void> {
  // The queue first: its workers finish their running jobs, which need the database.
  await deps.queue.close();
  await deps.kv.close();
  if (deps.db.isInitialized) await deps.db.destroy();
}
