import { createAccounts } from './accounts/module';
import { accountsEntities } from './accounts/entities';
import type { Config } from './config';
import type { Module } from './contract';
import type { Deps } from './deps';
import { createDataSource as createInfraDataSource, openDatabase as openInfraDatabase } from './infra/db';
import type { Logger } from './infra/logger';
import { openInfra } from './infra/open';
import { createLedger } from './ledger/module';
import { ledgerEntities } from './ledger/entities';
import { AfricasTalkingSmsSender } from './notifications/africastalking';
import { smsEntities } from './notifications/entities';
import { inAppEntities } from './notifications/inapp-entities';
import { createNotifications } from './notifications/module';
import { SmsOutbox } from './notifications/outbox';
import { OutboxHandOff } from './notifications/outbox-handoff';
import { ConsoleSmsSender } from './notifications/sms';
import { createPayments } from './payments/module';
import { paymentEntities } from './payments/entities';
import { loansEntities } from './loans/entities';
import { createLoans } from './loans/module';
import { savingsEntities } from './savings/entities';
import { createSavings } from './savings/module';
import { tontinesEntities } from './tontines/entities';
import { createTontines } from './tontines/module';
import { createUssd } from './ussd/module';
import { ussdEntities } from './ussd/entities';

/**
 * The composition root. Adding a module: its folder (module.ts with createX), its migration, its locale
 * keys, its entities below and its line in `buildModules`; everything else loops over the list.
 */

/** Every module's entities: the DataSource must know them before it opens, before any module is built. */
export const ENTITIES = [
  ...accountsEntities,
  ...ledgerEntities,
  ...smsEntities,
  ...inAppEntities,
  ...paymentEntities,
  ...tontinesEntities,
  ...savingsEntities,
  ...loansEntities,
  ...ussdEntities,
];

export const createDataSource = (config: Pick<Config, 'MYSQL_URL' | 'SQLITE_PATH'>) =>
  createInfraDataSource(config, ENTITIES);
export const openDatabase = (config: Pick<Config, 'MYSQL_URL' | 'SQLITE_PATH'>) =>
  openInfraDatabase(config, ENTITIES);

/**
 * The infrastructure (infra/open.ts) and the SMS outbox every module queues through: the outbox is the
 * notifications module's, but accounts (built first) sends one-time codes, so it is opened with the rest.
 */
export async function openDeps(config: Config, logger: Logger): Promise<Deps> {
  const infra = await openInfra(config, logger, ENTITIES);
  // Outbox rows written in a transaction go to the queue when it commits.
  infra.db.subscribers.push(new OutboxHandOff(infra.queue, logger));
  const sms =
    config.SMS_PROVIDER === 'africastalking'
      ? new AfricasTalkingSmsSender(config, logger)
      : new ConsoleSmsSender(logger);
  const outbox = new SmsOutbox({ config, clock: infra.clock, queue: infra.queue, logger });
  return { ...infra, sms, outbox };
}

/** Every module, built in dependency order, each given the public services of those before it. */
export function buildModules(deps: Deps) {
  const accounts = createAccounts(deps, {});
  const ledger = createLedger(deps, { accounts: accounts.service });
  const notifications = createNotifications(deps, { accounts: accounts.service });
  const payments = createPayments(deps, { accounts: accounts.service });
  const tontines = createTontines(deps, {
    accounts: accounts.service,
    kyc: accounts.kyc,
    payments: payments.service,
  });
  const savings = createSavings(deps, {
    accounts: accounts.service,
    kyc: accounts.kyc,
    payments: payments.service,
  });
  const loans = createLoans(deps, {
    accounts: accounts.service,
    kyc: accounts.kyc,
    payments: payments.service,
    holds: savings.holds,
  });
  const before: Module[] = [accounts, ledger, notifications, payments, tontines, savings, loans];
  // The USSD engine runs the flows and menu services every module before it contributes.
  const ussd = createUssd(deps, { accounts: accounts.service, modules: before });
  const all: Module[] = [...before, ussd];

  for (const module of all) {
    for (const [purpose, handler] of Object.entries(module.purposes ?? {})) {
      payments.registry.register(purpose, handler);
    }
    for (const kind of module.reminders ?? []) notifications.reminderRunner.register(kind);
    for (const keyword of module.smsKeywords ?? []) notifications.inbound.register(keyword);
  }
  return { all, accounts, ledger, notifications, payments, tontines, savings, loans, ussd };
}

export type Modules = ReturnType<typeof buildModules>;
