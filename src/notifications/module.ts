import type { Deps } from '../deps';
import { Scheduler } from '../infra/scheduler';
import { deliveryOptions, SmsDelivery } from './delivery';
import { SMS_JOB, type SmsJob } from './outbox-handoff';

const SWEEP_EVERY_MS = 30_000;

/**
 * The SMS delivery worker and its sweeper. They run in the app process (main.ts) and need only the
 * opened dependencies, so a separate worker process can start them the same way.
 */
export function createNotifications(deps: Deps) {
  const delivery = new SmsDelivery(deps);
  const scheduler = new Scheduler(deps.kv, deps.logger);
  let working = false;

  const startWorker = () => {
    if (working) return;
    working = true;
    deps.queue.process<SmsJob>(SMS_JOB, (job) => delivery.deliver(job), deliveryOptions(deps.config));
  };

  return {
    delivery,
    /** Sends what the outbox queues (tests start only this and call `delivery.sweep()` themselves). */
    startWorker,
    /** The worker and the sweeper (main.ts). */
    startJobs() {
      startWorker();
      scheduler.every('sms:sweep', SWEEP_EVERY_MS, () => delivery.sweep());
    },
    /** Stops the sweeper; the worker stops with the queue (closeDeps). */
    close: () => scheduler.stop(),
  };
}

export type Notifications = ReturnType<typeof createNotifications>;
