import type { Infra } from './infra/open';
import type { SmsOutbox } from './notifications/outbox';
import type { SmsSender } from './notifications/sms';

/** Everything the modules need from the outside, opened once (modules.ts openDeps, or a test). */
export interface Deps extends Infra {
  /** Used by the SMS delivery worker only; business code queues SMS with `outbox`. */
  sms: SmsSender;
  outbox: SmsOutbox;
}
