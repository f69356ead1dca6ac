import type { Config } from '../../config';
import type { PaymentProvider } from '../provider';
import { KkiapayProvider } from './kkiapay';
import { MomoProvider } from './momo';
import { SimulatorProvider, type SimulatorDeps } from './simulator';

export { REFERENCE_MISMATCH, type FetchLike, type ProviderDeps } from './common';
export { KkiapayProvider, MomoProvider, SimulatorProvider, type SimulatorDeps };

/** A provider the process closes at shutdown (the simulator's timers; token caches). */
export type ClosablePaymentProvider = PaymentProvider & { close(): void };

/**
 * The adapter PAYMENT_PROVIDER names (loadConfig already checked its settings are present).
 * `deps.webhookUrl` only matters to the simulator.
 */
export function createProvider(config: Config, deps: SimulatorDeps): ClosablePaymentProvider {
  switch (config.PAYMENT_PROVIDER) {
    case 'momo':
      return new MomoProvider(config, deps);
    case 'kkiapay':
      return new KkiapayProvider(config, deps);
    case 'simulator':
      return new SimulatorProvider(config, deps);
  }
}
