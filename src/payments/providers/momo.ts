import { randomUUID } from 'node:crypto';
import type { Config } from '../../config';
import { maskPhone } from '../../infra/logger';
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
  type ProviderAnswer,
  type ProviderDeps,
} from './common';

type Product = 'collection' | 'disbursement';

const PATHS: Record<Product, string> = {
  collection: '/collection/v1_0/requesttopay',
  disbursement: '/disbursement/v1_0/transfer',
};

/** Statuses seen in the Open API besides the three documented ones (CREATED, ONGOING, REJECTED, TIMEOUT). */
const PENDING = new Set(['PENDING', 'CREATED', 'ONGOING']);
const FAILED = new Set(['FAILED', 'REJECTED', 'TIMEOUT']);

/** MoMo limits payerMessage/payeeNote; 160 is the figure integrations cite (not in the wire notes). */
const NOTE_MAX = 160;

interface CachedToken {
  value: string;
  expiresAt: number;
}

/**
 * MTN MoMo Open API: collections (request to pay: the operator's prompt on the payer's phone) and
 * disbursements (transfers). Each product has its own subscription key and its own OAuth token, cached
 * in memory until a minute before it expires. MoMo has no refund in collections v1.
 */
export class MomoProvider implements PaymentProvider {
  readonly name = 'momo' as const;
  readonly capabilities = {
    requestToPay: true,
    paymentLink: false,
    payout: true,
    refund: false,
    chosenId: true,
  };
  private readonly base: string;
  private readonly tokens = new Map<Product, CachedToken>();
  /** One token request per product at a time: concurrent calls share it. */
  private readonly tokenRequests = new Map<Product, Promise<string>>();
  private readonly keys: Record<Product, string>;
  private readonly basic: string;

  constructor(
    private readonly config: Config,
    private readonly deps: ProviderDeps,
  ) {
    const { MOMO_API_USER, MOMO_API_KEY, MOMO_COLLECTION_KEY, MOMO_DISBURSEMENT_KEY } = config;
    if (!MOMO_API_USER || !MOMO_API_KEY || !MOMO_COLLECTION_KEY || !MOMO_DISBURSEMENT_KEY) {
      throw new Error(
        'MTN MoMo needs MOMO_API_USER, MOMO_API_KEY, MOMO_COLLECTION_KEY, MOMO_DISBURSEMENT_KEY',
      );
    }
    this.base = trimBase(config.MOMO_BASE_URL);
    this.keys = { collection: MOMO_COLLECTION_KEY, disbursement: MOMO_DISBURSEMENT_KEY };
    this.basic = Buffer.from(`${MOMO_API_USER}:${MOMO_API_KEY}`).toString('base64');
  }

  collect(req: CollectionRequest): Promise<CollectionStarted> {
    return this.start('collection', req);
  }

  payout(req: PayoutRequest): Promise<CollectionStarted> {
    return this.start('disbursement', req);
  }

  verify(providerTransactionId: string, reference: string): Promise<VerifyResult> {
    return this.status('collection', providerTransactionId, reference);
  }

  verifyPayout(providerTransactionId: string, reference: string): Promise<VerifyResult> {
    return this.status('disbursement', providerTransactionId, reference);
  }

  refund(_providerTransactionId: string): Promise<void> {
    return Promise.reject(
      new Error('MTN MoMo has no refund in its collections API: give the money back with a payout'),
    );
  }

  close(): void {
    this.tokens.clear();
  }

  private async start(product: Product, req: CollectionRequest | PayoutRequest): Promise<CollectionStarted> {
    // The id is ours to choose: it is how we ask MoMo about this transaction later. The payment chose
    // and stored it before this request (a lost answer can still be asked about).
    const referenceId = req.transactionId ?? randomUUID();
    const note = req.description.slice(0, NOTE_MAX);
    const party = { partyIdType: 'MSISDN', partyId: req.phone.replace(/^\+/, '') };
    const body = {
      amount: String(req.amount),
      currency: this.config.MOMO_CURRENCY,
      externalId: req.reference,
      ...(product === 'collection' ? { payer: party } : { payee: party }),
      payerMessage: note,
      payeeNote: note,
    };
    const headers: Record<string, string> = { 'X-Reference-Id': referenceId };
    // Only collections get a callback: a transfer's callback would reach the collections webhook, which
    // would verify it as a request to pay. Payouts are followed with verifyPayout instead.
    if (product === 'collection') {
      headers['X-Callback-Url'] = `${this.config.PUBLIC_BASE_URL}/api/payments/webhook/momo/`;
    }
    const answer = await this.api(product, 'POST', PATHS[product], headers, body);
    if (answer.status < 200 || answer.status >= 300) {
      // A refusal (bad number, limits, duplicate...): asking again would get the same answer.
      throw new Error(`MTN MoMo refused the ${product} ${req.reference}: ${providerMessage(answer)}`);
    }
    this.deps.logger.info(
      {
        provider: 'momo',
        product,
        reference: req.reference,
        referenceId,
        phone_masked: maskPhone(req.phone),
      },
      'MTN MoMo accepted the request',
    );
    return { providerTransactionId: referenceId };
  }

  private async status(product: Product, referenceId: string, reference: string): Promise<VerifyResult> {
    const answer = await this.api(product, 'GET', `${PATHS[product]}/${encodeURIComponent(referenceId)}`, {});
    // We only ever ask about ids MoMo accepted (202), so a 404 means MoMo never recorded the request
    // (e.g. our POST was lost in flight): nothing can be charged against it, the transaction failed.
    if (answer.status === 404) return failed(null, 'NOT_FOUND');
    if (answer.status !== 200) {
      throw new Error(`MTN MoMo refused the status of ${referenceId}: ${providerMessage(answer)}`);
    }
    const b = answer.body as MomoStatus | null;
    if (!b || typeof b.status !== 'string') {
      throw new ProviderUnavailable(`MTN MoMo answered a status without a status for ${referenceId}`);
    }
    const id = typeof b.financialTransactionId === 'string' ? b.financialTransactionId : null;
    if (b.externalId !== undefined && b.externalId !== reference) return failed(id, REFERENCE_MISMATCH);
    const status = b.status.toUpperCase();
    const amount = parseAmount(b.amount);
    const settled = (s: 'success' | 'pending'): VerifyResult => ({
      status: s,
      providerTransactionId: id,
      amount,
      reason: null,
    });
    if (status === 'SUCCESSFUL') return settled('success');
    if (PENDING.has(status)) return settled('pending');
    if (FAILED.has(status)) return { ...failed(id, reasonOf(b.reason) ?? status), amount };
    throw new ProviderUnavailable(`MTN MoMo answered an unknown status ${status} for ${referenceId}`);
  }

  /** A call with the product's bearer token; a 401 (token revoked early) gets one new token and retry. */
  private async api(
    product: Product,
    method: 'GET' | 'POST',
    path: string,
    extra: Record<string, string>,
    body?: unknown,
  ): Promise<ProviderAnswer> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.token(product);
      const answer = await callProvider(
        'MTN MoMo',
        `${this.base}${path}`,
        {
          method,
          headers: {
            Authorization: `Bearer ${token}`,
            'X-Target-Environment': this.config.MOMO_TARGET_ENVIRONMENT,
            'Ocp-Apim-Subscription-Key': this.keys[product],
            ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
            ...extra,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          timeoutMs: this.config.PROVIDER_TIMEOUT_MS,
        },
        this.deps,
      );
      if (answer.status !== 401 || attempt > 1) return answer;
      this.tokens.delete(product);
    }
  }

  private token(product: Product): Promise<string> {
    const cached = this.tokens.get(product);
    if (cached && cached.expiresAt > this.deps.clock.now().getTime()) return Promise.resolve(cached.value);
    let pending = this.tokenRequests.get(product);
    if (!pending) {
      pending = this.newToken(product).finally(() => this.tokenRequests.delete(product));
      this.tokenRequests.set(product, pending);
    }
    return pending;
  }

  private async newToken(product: Product): Promise<string> {
    const answer = await callProvider(
      'MTN MoMo',
      `${this.base}/${product}/token/`,
      {
        method: 'POST',
        headers: { Authorization: `Basic ${this.basic}`, 'Ocp-Apim-Subscription-Key': this.keys[product] },
        timeoutMs: this.config.PROVIDER_TIMEOUT_MS,
      },
      this.deps,
    );
    if (answer.status !== 200) {
      // Wrong API user/key or subscription key: a configuration error, not a payment outcome.
      throw new Error(`MTN MoMo refused our ${product} credentials: ${providerMessage(answer)}`);
    }
    const b = answer.body as { access_token?: unknown; expires_in?: unknown } | null;
    const expiresIn = Number(b?.expires_in);
    if (typeof b?.access_token !== 'string' || !Number.isFinite(expiresIn)) {
      throw new ProviderUnavailable(`MTN MoMo answered a ${product} token without access_token/expires_in`);
    }
    // Renew a minute early, so a token never expires between our check and MoMo's.
    const lifetimeS = Math.max(0, expiresIn - 60);
    this.tokens.set(product, {
      value: b.access_token,
      expiresAt: this.deps.clock.now().getTime() + lifetimeS * 1000,
    });
    return b.access_token;
  }
}

interface MomoStatus {
  status?: unknown;
  amount?: unknown;
  financialTransactionId?: unknown;
  externalId?: unknown;
  reason?: unknown;
}

/** `reason` is a string in the documented answers, `{code, message}` in older API versions. */
function reasonOf(reason: unknown): string | null {
  if (typeof reason === 'string' && reason) return reason;
  const code = (reason as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code ? code : null;
}
