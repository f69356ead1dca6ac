import { randomBytes } from 'node:crypto';
import { header, StubServer, type Fault, type RecordedRequest, type StubReply } from './stub-server';

type Product = 'collection' | 'disbursement';

/** The test's MoMo credentials: what the stub expects and the adapter is configured with. */
export const MOMO = {
  apiUser: '3f1c9a52-6a3e-4b8e-9d0f-1c2b3a4d5e6f',
  apiKey: 'momo-api-key-very-secret',
  collectionKey: 'collection-subscription-key',
  disbursementKey: 'disbursement-subscription-key',
  targetEnvironment: 'mtnbenin',
};

/** The settings that point the real MoMo adapter at a stub listening on `base`. */
export function momoEnv(base: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PAYMENT_PROVIDER: 'momo',
    MOMO_BASE_URL: base,
    MOMO_API_USER: MOMO.apiUser,
    MOMO_API_KEY: MOMO.apiKey,
    MOMO_COLLECTION_KEY: MOMO.collectionKey,
    MOMO_DISBURSEMENT_KEY: MOMO.disbursementKey,
    MOMO_TARGET_ENVIRONMENT: MOMO.targetEnvironment,
    ...extra,
  };
}

export interface MomoStubOptions {
  apiUser: string;
  apiKey: string;
  collectionKey: string;
  disbursementKey: string;
  targetEnvironment: string;
  /** expires_in of the tokens it issues (MoMo: 3600). */
  tokenTtlS?: number;
}

export type MomoOutcome = 'PENDING' | 'SUCCESSFUL' | { status: 'FAILED'; reason: string };

export interface MomoStubTransaction {
  product: Product;
  referenceId: string;
  /** The request body as received. */
  request: Record<string, unknown>;
  callbackUrl: string | undefined;
  status: 'PENDING' | 'SUCCESSFUL' | 'FAILED';
  reason: string | null;
  financialTransactionId: string | null;
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const BASE: Record<Product, string> = {
  collection: '/collection/v1_0/requesttopay',
  disbursement: '/disbursement/v1_0/transfer',
};

const error = (status: number, code: string, message: string): StubReply => ({
  status,
  body: { code, message },
});

/** MTN MoMo Open API stand-in: tokens, request to pay, transfers and their statuses. */
export class MomoStub {
  readonly transactions = new Map<string, MomoStubTransaction>();
  private readonly tokens = new Map<string, Product>();
  private readonly issued: Record<Product, number> = { collection: 0, disbursement: 0 };
  private readonly server = new StubServer((req) => this.route(req));
  private answersToLose = 0;

  constructor(private readonly options: MomoStubOptions) {}

  start(): Promise<string> {
    return this.server.start();
  }
  close(): Promise<void> {
    return this.server.close();
  }
  get requests(): RecordedRequest[] {
    return this.server.requests;
  }
  received(pattern: RegExp | string): RecordedRequest[] {
    return this.server.received(pattern);
  }
  failNext(count: number, fault: Fault = 'error'): void {
    this.server.failNext(count, fault);
  }
  /** Token requests that got a token, per product. */
  tokenCalls(product: Product): number {
    return this.issued[product];
  }
  /** Forgets every issued token, as if MoMo revoked them: the next call gets a 401. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  /** The next `count` requests to pay or transfers are recorded as accepted, and their answers lost. */
  loseAnswersNext(count: number): void {
    this.answersToLose += count;
  }

  setOutcome(referenceId: string, outcome: MomoOutcome): void {
    const tx = this.transactions.get(referenceId);
    if (!tx) throw new Error(`momo stub: no transaction ${referenceId}`);
    tx.status = typeof outcome === 'string' ? outcome : outcome.status;
    tx.reason = typeof outcome === 'string' ? null : outcome.reason;
    tx.financialTransactionId = tx.status === 'SUCCESSFUL' ? String(Date.now()).slice(-9) : null;
  }

  private key(product: Product): string {
    return product === 'collection' ? this.options.collectionKey : this.options.disbursementKey;
  }

  private route(req: RecordedRequest): StubReply {
    const token = /^\/(collection|disbursement)\/token\/$/.exec(req.path);
    if (token && req.method === 'POST') return this.issueToken(req, token[1] as Product);
    for (const product of ['collection', 'disbursement'] as const) {
      if (req.path === BASE[product] && req.method === 'POST') return this.create(req, product);
      if (req.path.startsWith(`${BASE[product]}/`) && req.method === 'GET') {
        return this.status(req, product, decodeURIComponent(req.path.slice(BASE[product].length + 1)));
      }
    }
    return error(404, 'RESOURCE_NOT_FOUND', 'no such endpoint');
  }

  private issueToken(req: RecordedRequest, product: Product): StubReply {
    const basic = Buffer.from(`${this.options.apiUser}:${this.options.apiKey}`).toString('base64');
    if (
      header(req, 'authorization') !== `Basic ${basic}` ||
      header(req, 'ocp-apim-subscription-key') !== this.key(product)
    ) {
      return { status: 401, body: { error: 'login_failed' } };
    }
    const accessToken = randomBytes(24).toString('base64url');
    this.tokens.set(accessToken, product);
    this.issued[product] += 1;
    return {
      status: 200,
      body: {
        access_token: accessToken,
        token_type: 'access_token',
        expires_in: this.options.tokenTtlS ?? 3600,
      },
    };
  }

  /** Bearer token of this product, subscription key, target environment: what every API call checks. */
  private refuse(req: RecordedRequest, product: Product): StubReply | null {
    const bearer = /^Bearer (.+)$/.exec(header(req, 'authorization') ?? '')?.[1];
    if (!bearer || this.tokens.get(bearer) !== product) return error(401, 'UNAUTHORIZED', 'invalid token');
    if (header(req, 'ocp-apim-subscription-key') !== this.key(product)) {
      return error(401, 'UNAUTHORIZED', 'invalid subscription key');
    }
    if (header(req, 'x-target-environment') !== this.options.targetEnvironment) {
      return error(400, 'INVALID_TARGET_ENVIRONMENT', 'wrong X-Target-Environment');
    }
    return null;
  }

  private create(req: RecordedRequest, product: Product): StubReply {
    const refused = this.refuse(req, product);
    if (refused) return refused;
    const referenceId = header(req, 'x-reference-id') ?? '';
    if (!UUID_V4.test(referenceId)) {
      return error(400, 'INVALID_REFERENCE_ID', 'X-Reference-Id must be a UUID v4');
    }
    if (this.transactions.has(referenceId)) {
      return error(409, 'RESOURCE_ALREADY_EXIST', 'duplicated reference id');
    }
    const problem = invalidBody(req.body, product === 'collection' ? 'payer' : 'payee');
    if (problem) return error(400, 'INVALID_BODY', problem);
    this.transactions.set(referenceId, {
      product,
      referenceId,
      request: req.body as Record<string, unknown>,
      callbackUrl: header(req, 'x-callback-url'),
      status: 'PENDING',
      reason: null,
      financialTransactionId: null,
    });
    if (this.answersToLose > 0) {
      this.answersToLose -= 1;
      return { status: 202, lost: true };
    }
    return { status: 202 };
  }

  private status(req: RecordedRequest, product: Product, referenceId: string): StubReply {
    const refused = this.refuse(req, product);
    if (refused) return refused;
    const tx = this.transactions.get(referenceId);
    if (!tx || tx.product !== product) {
      return error(404, 'RESOURCE_NOT_FOUND', 'Requested resource was not found.');
    }
    return {
      status: 200,
      body: {
        ...tx.request,
        financialTransactionId: tx.financialTransactionId ?? undefined,
        status: tx.status,
        reason: tx.reason ?? undefined,
      },
    };
  }
}

/** What MoMo's validation rejects: a message, or null when the body has the documented shape. */
function invalidBody(body: unknown, partyField: 'payer' | 'payee'): string | null {
  const b = body as Record<string, unknown> | null;
  if (!b || typeof b !== 'object') return 'body must be a JSON object';
  if (typeof b.amount !== 'string' || !/^\d+(\.\d+)?$/.test(b.amount)) {
    return 'amount must be a numeric string';
  }
  if (typeof b.currency !== 'string' || !/^[A-Z]{3}$/.test(b.currency)) return 'currency must be ISO 4217';
  if (typeof b.externalId !== 'string' || !b.externalId) return 'externalId is required';
  const party = b[partyField] as Record<string, unknown> | undefined;
  if (
    party?.partyIdType !== 'MSISDN' ||
    typeof party.partyId !== 'string' ||
    !/^\d{8,15}$/.test(party.partyId)
  ) {
    return `${partyField} must be {partyIdType: MSISDN, partyId: digits}`;
  }
  for (const field of ['payerMessage', 'payeeNote']) {
    if (typeof b[field] !== 'string' || (b[field] as string).length > 160) {
      return `${field} must be a short string`;
    }
  }
  return null;
}
