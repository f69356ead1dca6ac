import type { Deps } from './deps';
import { createNotifications } from './notifications/module';
import { createReminders } from './notifications/reminders-kyc';
import type { Payments } from './payments/module';

/**
 * The background work: the SMS delivery worker and its sweeper, the scheduled reminders, the payments'
 * reconciliation. In the app process by default (main.ts); in `npm run worker` processes (worker.ts)
 * when the app processes run with RUN_WORKERS=false.
 */
export async function startWorkers(deps: Deps, payments: Payments) {
  payments.startJobs();
  const notifications = createNotifications(deps);
  notifications.startJobs();
  // Scheduled reminders, from REMINDER_HOUR in each SFD's time zone; they stop with the queue.
  await createReminders(deps).start();
  return {
    /** Stops the periodic jobs; the queue's workers stop with the queue (closeDeps). */
    async close() {
      await payments.close();
      await notifications.close();
    },
  };
}
