import type { AccountsDirectory } from '../accounts/directory';
import type { Module } from '../contract';
import type { Deps } from '../deps';
import { deliveryOptions, SmsDelivery } from './delivery';
import { smsEntities } from './entities';
import { inAppEntities } from './inapp-entities';
import { InAppNotifications } from './inapp';
import { InboundSms } from './inbound';
import { inAppRoutes } from './inapp-routes';
import { SMS_JOB, type SmsJob } from './outbox-handoff';
import { Reminders, REMINDERS_JOB } from './reminders';
import { smsCallbackRoutes } from './sms-routes';

const SWEEP_EVERY_MS = 30_000;

/** The in-app types this module creates itself (staff may write others through POST /api/notifications). */
const IN_APP_KINDS = ['info'] as const;

/**
 * SMS (the outbox's delivery worker and sweeper, Africa's Talking's callbacks), scheduled reminders and
 * in-app notifications. Other modules add reminder kinds and SMS keywords through their own `reminders`
 * and `smsKeywords` (modules.ts).
 */
export function createNotifications(deps: Deps, needs: { accounts: AccountsDirectory }) {
  const delivery = new SmsDelivery(deps);
  // Every module's kinds, registered by modules.ts.
  const reminders = new Reminders(deps, needs.accounts);
  const inApp = new InAppNotifications(deps, needs.accounts);
  // Answers inbound SMS; every module's keywords are registered by modules.ts.
  const inbound = new InboundSms(deps, needs.accounts);

  return {
    name: 'notifications',
    entities: [...smsEntities, ...inAppEntities],
    routes: [...smsCallbackRoutes(deps, inbound), ...inAppRoutes(inApp)],
    jobs: {
      queued: [
        {
          name: SMS_JOB,
          handler: (job: SmsJob) => delivery.deliver(job),
          options: deliveryOptions(deps.config),
        },
      ],
      // Tests call `delivery.sweep()` and `reminders.tick()` themselves.
      periodic: [
        { name: 'sms-sweep', everyMs: SWEEP_EVERY_MS, run: () => delivery.sweep() },
        { name: REMINDERS_JOB, everyMs: deps.config.REMINDER_EVERY_MS, run: () => reminders.tick() },
      ],
    },
    delivery,
    reminderRunner: reminders,
    inbound,
    inAppKinds: IN_APP_KINDS,
    inApp,
  } satisfies Module & Record<string, unknown>;
}

export type Notifications = ReturnType<typeof createNotifications>;
