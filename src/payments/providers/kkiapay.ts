import type { Config } from '../../config';
import { paymentLinkKey, signPaymentLink } from '../payment-link';
import {
  ProviderUnavailable,
  type CollectionRequest,
  type CollectionStarted,
  type PaymentProvider,
  type PayoutRequest,
  type VerifyResult,
} from '../provider';
import {
  callProvider,
  failed,
  parseAmount,
  providerMessage,
  REFERENCE_MISMATCH,
  trimBase,
  type ProviderDeps,
} from './common';

const LIVE_BASE = 'https://api.kkiapay.me';
const SANDBOX_BASE = 'https://api-sandbox.kkiapay.me';

/**
 * KKiaPay (Benin): no server call pushes a prompt to a phone, so a collection is a signed link to our
 * own /pay page, which opens KKiaPay's widget with partnerId = our reference. The server only verifies
 * (the one thing a webhook is trusted for) and reverts. Endpoints and headers as in KKiaPay's Node SDK
 * (lib/opts.ts, lib/http.ts): POST /api/v1/transactions/status and /revert with x-api-key (public key),
 * x-private-key, x-secret-key.
 */
export class KkiapayProvider implements PaymentProvider {
  readonly name = 'kkiapay' as const;
  readonly capabilities = {
    requestToPay: false,
    paymentLink: true,
    payout: false,
    refund: true,
    chosenId: false,
  };
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly linkKey: string;

  constructor(
    private readonly config: Config,
    private readonly deps: ProviderDeps,
  ) {
    const { KKIAPAY_PUBLIC_KEY, KKIAPAY_PRIVATE_KEY, KKIAPAY_SECRET_KEY } = config;
    if (!KKIAPAY_PUBLIC_KEY || !KKIAPAY_PRIVATE_KEY || !KKIAPAY_SECRET_KEY) {
      throw new Error('KKiaPay needs KKIAPAY_PUBLIC_KEY, KKIAPAY_PRIVATE_KEY, KKIAPAY_SECRET_KEY');
    }
    // Sandbox keys only work on the sandbox host: KKIAPAY_SANDBOX switches the default base; an explicit
    // KKIAPAY_BASE_URL (a stub, a proxy) always wins.
    const base = trimBase(config.KKIAPAY_BASE_URL);
    this.base = config.KKIAPAY_SANDBOX && base === LIVE_BASE ? SANDBOX_BASE : base;
    this.headers = {
      'Content-Type': 'application/json',
      'x-api-key': KKIAPAY_PUBLIC_KEY,
      'x-private-key': KKIAPAY_PRIVATE_KEY,
      'x-secret-key': KKIAPAY_SECRET_KEY,
    };
    this.linkKey = paymentLinkKey(config);
  }

  collect(req: CollectionRequest): Promise<CollectionStarted> {
    const token = signPaymentLink(
      { reference: req.reference, amount: req.amount, phone: req.phone },
      this.linkKey,
      this.deps.clock,
    );
    // KKiaPay's transactionId only exists once the client pays in the widget; it arrives by webhook.
    return Promise.resolve({
      providerTransactionId: null,
      paymentUrl: `${this.config.PUBLIC_BASE_URL}/pay/${token}`,
    });
  }

  async verify(providerTransactionId: string, reference: string): Promise<VerifyResult> {
    const answer = await this.post('/api/v1/transactions/status', providerTransactionId);
    if (answer.status === 401 || answer.status === 403) {
      // Our keys were refused: a configuration error, never a verdict on the payment.
      throw new Error(`KKiaPay refused our keys: ${providerMessage(answer)}`);
    }
    const b = answer.body as KkiapayStatus | null;
    // The SDK reads a 4xx body for the reason, so an unknown transaction may come as a 4xx with a status.
    const status = typeof b?.status === 'string' ? b.status.toUpperCase() : null;
    if (!status) {
      if (answer.status === 404) return failed(providerTransactionId, 'TRANSACTION_NOT_FOUND');
      if (answer.status >= 400) {
        throw new Error(`KKiaPay refused the status of ${providerTransactionId}: ${providerMessage(answer)}`);
      }
      throw new ProviderUnavailable(
        `KKiaPay answered a status without a status for ${providerTransactionId}`,
      );
    }
    const id = typeof b?.transactionId === 'string' ? b.transactionId : providerTransactionId;
    // The transactionId comes from a webhook anyone can send: a transaction not tied to this reference
    // (another one, or none) must never settle it. Unknown transactions carry no partnerId at all.
    if (status !== 'TRANSACTION_NOT_FOUND' && b?.partnerId !== reference) {
      return failed(id, REFERENCE_MISMATCH);
    }
    const amount = parseAmount(b?.amount);
    if (status === 'SUCCESS') return { status: 'success', providerTransactionId: id, amount, reason: null };
    if (status === 'PENDING') return { status: 'pending', providerTransactionId: id, amount, reason: null };
    return { ...failed(id, status), amount };
  }

  async refund(providerTransactionId: string): Promise<void> {
    const answer = await this.post('/api/v1/transactions/revert', providerTransactionId);
    if (answer.status < 200 || answer.status >= 300) {
      throw new Error(`KKiaPay refused to revert ${providerTransactionId}: ${providerMessage(answer)}`);
    }
    this.deps.logger.info({ provider: 'kkiapay', transactionId: providerTransactionId }, 'KKiaPay reverted');
  }

  payout(_req: PayoutRequest): Promise<CollectionStarted> {
    return Promise.reject(
      new Error('KKiaPay payouts are not supported: its API only schedules merchant payouts'),
    );
  }

  verifyPayout(_providerTransactionId: string, _reference: string): Promise<VerifyResult> {
    return Promise.reject(new Error('KKiaPay payouts are not supported'));
  }

  close(): void {}

  private post(path: string, transactionId: string) {
    return callProvider(
      'KKiaPay',
      `${this.base}${path}`,
      {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify({ transactionId }),
        timeoutMs: this.config.PROVIDER_TIMEOUT_MS,
      },
      this.deps,
    );
  }
}

interface KkiapayStatus {
  transactionId?: unknown;
  status?: unknown;
  amount?: unknown;
  partnerId?: unknown;
}
