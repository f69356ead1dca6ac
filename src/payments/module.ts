import type { Deps } from '../deps';
import type { Authenticator } from '../http/auth';
import { Scheduler } from '../infra/scheduler';
import { post, sfdAccount } from '../ledger/service';
import { createProvider } from './providers';
import { PurposeRegistry, paymentEntryKey } from './purposes';
import { paymentRoutes } from './routes';
import { PaymentsService } from './service';
import { payPageRoutes } from './pay-page';

const RECONCILE_EVERY_MS = 60_000;

export function createPayments(deps: Deps, authenticator: Authenticator) {
  const { config } = deps;
  const provider = createProvider(config, {
    clock: deps.clock,
    logger: deps.logger,
    webhookUrl: `${config.PUBLIC_BASE_URL}/api/payments/webhook/`,
  });
  const purposes = new PurposeRegistry();
  const service = new PaymentsService(deps, provider, purposes);

  // Sandbox round trips: the test money is parked in the SFD's suspense account.
  purposes.register('sandbox', {
    applyCollection: async (manager, payment, at) => {
      await post(manager, {
        key: paymentEntryKey(payment.reference),
        kind: 'sandbox_test',
        lines: [
          { account: sfdAccount(payment.sfdId, 'mobile-money'), amount: -payment.amount },
          { account: sfdAccount(payment.sfdId, 'suspense'), amount: payment.amount },
        ],
        ref: { type: 'payment', id: payment.reference },
        sfdId: payment.sfdId,
        at,
      });
    },
  });

  const router = paymentRoutes(deps, service, authenticator);
  const payPage = payPageRoutes(deps);
  const scheduler = new Scheduler(deps.kv, deps.logger);

  return {
    router,
    payPage,
    service,
    provider,
    purposes,
    /** Starts the reconciliation job (main.ts; tests call `service.reconcile()` themselves). */
    startJobs: () => scheduler.every('payments:reconcile', RECONCILE_EVERY_MS, () => service.reconcile()),
    async close() {
      await scheduler.stop();
      provider.close();
    },
  };
}

export type Payments = ReturnType<typeof createPayments>;
