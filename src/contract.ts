import type { FlowDefinition, FlowName, MenuServices } from '../menus';
import type { RouteSpec } from './http/route';
import type { JobHandler, ProcessOptions } from './infra/queue';
import type { SmsKeyword } from './notifications/inbound';
import type { ReminderKind } from './notifications/reminders';
import type { PurposeHandler } from './payments/purposes';

/**
 * The module contract. A module is a folder whose `module.ts` exports `createX(deps, needs)`: `deps` are
 * the opened outside dependencies, `needs` the public services of the modules built before it. It
 * returns a `Module`: what it brings, which the composition root (modules.ts) hands to the HTTP app,
 * the workers, the DataSource, the USSD engine and the payment purpose registry. Nothing else of a
 * module is wired by hand anywhere.
 */
export interface Module {
  name: string;
  /** Its TypeORM entities (also listed, before anything opens, in modules.ts's ENTITIES). */
  entities: readonly EntityClass[];
  /** Its typed routes (http/route.ts): registered on the app and documented at /api/schema. */
  routes: RouteSpec[];
  /** Handlers of the payment purposes it owns, by purpose (payments/purposes.ts). */
  purposes?: Record<string, PurposeHandler>;
  /** Its scheduled SMS reminders (notifications/reminders.ts). */
  reminders?: ReminderKind[];
  /** The words clients may text it (notifications/inbound.ts), answered before the built-in ones. */
  smsKeywords?: SmsKeyword[];
  /** Its background work: queued jobs and periodic ones (BullMQ, or in-process in embedded mode). */
  jobs?: { queued?: QueuedJob[]; periodic?: PeriodicJob[] };
  /** Its USSD flows and the menu services they invoke. */
  ussd?: { flows?: Partial<Record<FlowName, FlowDefinition>>; services?: Partial<MenuServices> };
  /** The in-app notification types it creates (for the document and the list filter). */
  inAppKinds?: readonly string[];
  /** Releases what it holds (provider connections); the queue and the database close after. */
  close?(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's entity classes
export type EntityClass = Function;

export interface QueuedJob {
  name: string;
  handler: JobHandler<never>;
  options: ProcessOptions;
}

/** Runs about every `everyMs` in one process of all those sharing the queue (JobQueue.every). */
export interface PeriodicJob {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}
