import { header, StubServer, type Fault, type RecordedRequest, type StubReply } from './stub-server';

export interface KkiapayStubOptions {
  publicKey: string;
  privateKey: string;
  secretKey: string;
}

export interface KkiapayStubTransaction {
  transactionId: string;
  /** SUCCESS, PENDING, FAILED, INSUFFICIENT_FUND, REVERTED, ... */
  status: string;
  amount: number;
  /** The merchant's reference given to the widget (ours). */
  partnerId: string | null;
  fees?: number;
  reason?: string | null;
}

/** KKiaPay server API stand-in: transaction status and revert, both behind the three key headers. */
export class KkiapayStub {
  readonly transactions = new Map<string, KkiapayStubTransaction>();
  private readonly server = new StubServer((req) => this.route(req));

  constructor(private readonly options: KkiapayStubOptions) {}

  start(): Promise<string> {
    return this.server.start();
  }
  close(): Promise<void> {
    return this.server.close();
  }
  get requests(): RecordedRequest[] {
    return this.server.requests;
  }
  failNext(count: number, fault: Fault = 'error'): void {
    this.server.failNext(count, fault);
  }

  /** A transaction as if a client had gone through the widget. */
  register(tx: KkiapayStubTransaction): void {
    this.transactions.set(tx.transactionId, tx);
  }

  private route(req: RecordedRequest): StubReply {
    if (
      header(req, 'x-api-key') !== this.options.publicKey ||
      header(req, 'x-private-key') !== this.options.privateKey ||
      header(req, 'x-secret-key') !== this.options.secretKey
    ) {
      return { status: 401, body: { status: 'UNAUTHORIZED', reason: 'invalid api keys' } };
    }
    if (req.method !== 'POST') return { status: 405, body: { reason: 'method not allowed' } };
    const id = (req.body as { transactionId?: unknown } | null)?.transactionId;
    if (typeof id !== 'string' || !id) return { status: 400, body: { reason: 'transactionId is required' } };
    const tx = this.transactions.get(id);
    if (req.path === '/api/v1/transactions/status') {
      // Unknown ids: the real API's answer is not documented (the SDK only sees a 4xx); a 404 with a status.
      if (!tx) return { status: 404, body: { status: 'TRANSACTION_NOT_FOUND', transactionId: id } };
      return {
        status: 200,
        body: {
          transactionId: tx.transactionId,
          status: tx.status,
          amount: tx.amount,
          fees: tx.fees ?? Math.round(tx.amount * 0.019),
          source: 'MOBILE_MONEY',
          type: 'DEBIT',
          performedAt: new Date().toISOString(),
          reason: tx.reason ?? null,
          partnerId: tx.partnerId,
          client: { fullname: 'Client Test', phone: '22997000001' },
        },
      };
    }
    if (req.path === '/api/v1/transactions/revert') {
      if (!tx || tx.status !== 'SUCCESS') {
        return {
          status: 400,
          body: { code: 'INVALID_TRANSACTION', description: 'cannot revert', transactionId: id },
        };
      }
      tx.status = 'REVERTED';
      return {
        status: 200,
        body: { code: 'SUCCESS', description: 'transaction reverted', transactionId: id },
      };
    }
    return { status: 404, body: { reason: 'no such endpoint' } };
  }
}
