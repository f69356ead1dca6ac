import type { AccountsDirectory } from '../accounts/directory';
import type { Module } from '../contract';
import type { Deps } from '../deps';
import { paymentEntities } from './entities';
import { createProvider } from './providers';
import { parkInSuspense, PurposeRegistry, type PurposeHandler } from './purposes';
import { payPageRoutes } from './pay-page';
import { PaymentReads } from './reads';
import { paymentRoutes } from './routes';
import { PaymentsService } from './service';

const RECONCILE_EVERY_MS = 60_000;

export function createPayments(deps: Deps, needs: { accounts: AccountsDirectory }) {
  const { config } = deps;
  const provider = createProvider(config, {
    clock: deps.clock,
    logger: deps.logger,
    webhookUrl: `${config.PUBLIC_BASE_URL}/api/payments/webhook/`,
  });
  // Filled by the composition root with every module's `purposes`, this one's included.
  const purposes = new PurposeRegistry();
  const service = new PaymentsService(deps, provider, purposes, needs.accounts);

  // Sandbox round trips: the test money is parked in the SFD's suspense account.
  const sandbox: PurposeHandler = {
    applyCollection: async (manager, payment, at) => {
      await parkInSuspense(manager, payment, at, { kind: 'sandbox_test' });
    },
  };

  return {
    name: 'payments',
    entities: paymentEntities,
    routes: [...paymentRoutes(deps, service, new PaymentReads(deps)), ...payPageRoutes(deps)],
    purposes: { sandbox },
    // Tests call `service.reconcile()` themselves.
    jobs: {
      periodic: [{ name: 'payments-reconcile', everyMs: RECONCILE_EVERY_MS, run: () => service.reconcile() }],
    },
    service,
    provider,
    registry: purposes,
    async close() {
      provider.close();
    },
  } satisfies Module & Record<string, unknown>;
}

export type Payments = ReturnType<typeof createPayments>;
