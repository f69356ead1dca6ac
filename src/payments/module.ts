import type { AccountsDirectory } from '../accounts/directory';
import type { Module } from '../contract';
import type { Deps } from '../deps';
import type { Authenticator } from '../http/auth';
import { paymentEntities } from './entities';
import { post, sfdAccount } from '../ledger/service';
import { createProvider } from './providers';
import { PurposeRegistry, paymentEntryKey, type PurposeHandler } from './purposes';
import { paymentRoutes } from './routes';
import { PaymentsService } from './service';
import { payPageRoutes } from './pay-page';

const RECONCILE_EVERY_MS = 60_000;

export function createPayments(
  deps: Deps,
  needs: { accounts: AccountsDirectory; /** TRANSITIONAL */ authenticator: Authenticator },
) {
  const { authenticator } = needs;
  const { config } = deps;
  const provider = createProvider(config, {
    clock: deps.clock,
    logger: deps.logger,
    webhookUrl: `${config.PUBLIC_BASE_URL}/api/payments/webhook/`,
  });
  // Filled by the composition root with every module's `purposes`, this one's included.
  const purposes = new PurposeRegistry();
  const service = new PaymentsService(deps, provider, purposes);

  // Sandbox round trips: the test money is parked in the SFD's suspense account.
  const sandbox: PurposeHandler = {
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
  };

  const router = paymentRoutes(deps, service, authenticator);
  const payPage = payPageRoutes(deps);

  return {
    name: 'payments',
    entities: paymentEntities,
    routes: [],
    routers: [router, payPage],
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
