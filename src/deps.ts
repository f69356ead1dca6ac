import type { DataSource } from 'typeorm';
import type { Config } from './config';
import type { Clock } from './infra/clock';
import type { KeyValueStore } from './infra/kv';
import type { Logger } from './infra/logger';
import type { JobQueue } from './infra/queue';
import type { SmsOutbox } from './notifications/outbox';
import type { SmsSender } from './notifications/sms';

/** Everything the app needs from the outside, opened once by main.ts (or by a test). */
export interface Deps {
  config: Config;
  db: DataSource;
  kv: KeyValueStore;
  logger: Logger;
  clock: Clock;
  /** Used by the SMS delivery worker only; business code queues SMS with `outbox`. */
  sms: SmsSender;
  queue: JobQueue;
  outbox: SmsOutbox;
}
