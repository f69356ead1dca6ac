import { randomUUID } from 'node:crypto';
import type { Config } from '../../config';
import { maskPhone } from '../../infra/logger';
import type {
  CollectionRequest,
  CollectionStarted,
  PaymentProvider,
  PayoutRequest,
  VerifyResult,
} from '../provider';
import { failed, REFERENCE_MISMATCH, type ProviderDeps } from './common';

type Kind = 'collection' | 'payout';
type SimStatus = 'PENDING' | 'SUCCESS' | 'FAILED' | 'REVERTED';

interface SimTransaction {
  kind: Kind;
  reference: string;
  phone: string;
  amount: number;
  status: SimStatus;
  reason: string | null;
}

export interface SimulatorDeps extends ProviderDeps {
  /** Where to send the callback; by default our own webhook at PUBLIC_BASE_URL. */
  webhookUrl?: string;
}

/** A demo runs for hours at most; past this many transactions the oldest are forgotten. */
const MAX_REMEMBERED = 10_000;

/**
 * The embedded provider: it answers like a real one without leaving the machine. After
 * PAYMENT_SIMULATOR_DELAY_MS it settles the transaction and calls our webhook over HTTP, as KKiaPay
 * would (same header, same body), so the whole webhook → verify path runs in a demo. Phones ending
 * in 9 fail (INSUFFICIENT_FUND); phones ending in 8 never answer, to show a payment that expires.
 */
export class SimulatorProvider implements PaymentProvider {
  readonly name = 'simulator' as const;
  readonly capabilities = {
    requestToPay: true,
    paymentLink: false,
    payout: true,
    refund: true,
    chosenId: false,
  };
  private readonly transactions = new Map<string, SimTransaction>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Aborts callbacks still in flight when the process shuts down. */
  private readonly closing = new AbortController();
  private readonly webhookUrl: string;

  constructor(
    private readonly config: Config,
    private readonly deps: SimulatorDeps,
  ) {
    this.webhookUrl = deps.webhookUrl ?? `${config.PUBLIC_BASE_URL}/api/payments/webhook/`;
  }

  collect(req: CollectionRequest): Promise<CollectionStarted> {
    return Promise.resolve(this.start('collection', req));
  }

  payout(req: PayoutRequest): Promise<CollectionStarted> {
    return Promise.resolve(this.start('payout', req));
  }

  verify(providerTransactionId: string, reference: string): Promise<VerifyResult> {
    return Promise.resolve(this.read('collection', providerTransactionId, reference));
  }

  verifyPayout(providerTransactionId: string, reference: string): Promise<VerifyResult> {
    return Promise.resolve(this.read('payout', providerTransactionId, reference));
  }

  refund(providerTransactionId: string): Promise<void> {
    const tx = this.transactions.get(providerTransactionId);
    if (!tx || tx.kind !== 'collection' || tx.status !== 'SUCCESS') {
      return Promise.reject(new Error(`simulator: ${providerTransactionId} is not a successful collection`));
    }
    tx.status = 'REVERTED';
    tx.reason = 'REVERTED';
    return Promise.resolve();
  }

  /** Forgets pending timers and aborts callbacks in flight: nothing runs after close(). */
  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.closing.abort();
  }

  private start(kind: Kind, req: CollectionRequest | PayoutRequest): CollectionStarted {
    const id = `SIM-${randomUUID()}`;
    if (this.transactions.size >= MAX_REMEMBERED) {
      this.transactions.delete(this.transactions.keys().next().value as string);
    }
    const { reference, phone, amount } = req;
    const tx: SimTransaction = { kind, reference, phone, amount, status: 'PENDING', reason: null };
    this.transactions.set(id, tx);
    const silent = req.phone.endsWith('8');
    this.deps.logger.info(
      { provider: 'simulator', kind, reference: req.reference, id, phone_masked: maskPhone(req.phone) },
      silent ? 'simulated payment will never be answered' : 'simulated payment started',
    );
    if (!silent && !this.closing.signal.aborted) {
      const timer = setTimeout(() => this.settle(id), this.config.PAYMENT_SIMULATOR_DELAY_MS);
      // A demo's pending payment must not keep the process alive at shutdown.
      timer.unref();
      this.timers.set(id, timer);
    }
    return { providerTransactionId: id };
  }

  private read(kind: Kind, id: string, reference: string): VerifyResult {
    const tx = this.transactions.get(id);
    // Also what a restarted demo answers for the transactions it forgot.
    if (!tx || tx.kind !== kind) return failed(null, 'TRANSACTION_NOT_FOUND');
    if (tx.reference !== reference) return failed(id, REFERENCE_MISMATCH);
    const status = tx.status === 'PENDING' ? 'pending' : tx.status === 'SUCCESS' ? 'success' : 'failed';
    return { status, providerTransactionId: id, amount: tx.amount, reason: tx.reason };
  }

  private settle(id: string): void {
    this.timers.delete(id);
    const tx = this.transactions.get(id);
    if (!tx || tx.status !== 'PENDING') return;
    const fails = tx.phone.endsWith('9');
    // The state changes before the callback: the webhook handler will verify() and must see it.
    tx.status = fails ? 'FAILED' : 'SUCCESS';
    tx.reason = fails ? 'INSUFFICIENT_FUND' : null;
    void this.notify(id, tx);
  }

  private async notify(id: string, tx: SimTransaction): Promise<void> {
    const body = {
      transactionId: id,
      isPaymentSucces: tx.status === 'SUCCESS', // sic: KKiaPay's spelling
      event: tx.status === 'SUCCESS' ? 'transaction.success' : 'transaction.failed',
      amount: tx.amount,
      partnerId: tx.reference,
      failureCode: tx.reason,
    };
    try {
      const res = await (this.deps.fetch ?? fetch)(this.webhookUrl, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'x-kkiapay-secret': this.config.PAYMENT_WEBHOOK_SECRET,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.config.PROVIDER_TIMEOUT_MS)]),
      });
      await res.arrayBuffer(); // frees the connection
      if (!res.ok) {
        this.deps.logger.warn({ provider: 'simulator', id, status: res.status }, 'simulated webhook refused');
      }
    } catch (err) {
      // Like a real provider, the simulator does not care: the payment is still there to verify.
      if (!this.closing.signal.aborted) {
        this.deps.logger.warn(
          { provider: 'simulator', id, err: (err as Error).message },
          'simulated webhook failed',
        );
      }
    }
  }
}
