/**
 * KKiaPay's server API as `npm run bench:contributions` needs it, on 127.0.0.1: the status call
 * (`POST /api/v1/transactions/status`, the three key headers) answering SUCCESS for every bench
 * transaction. It keeps no state: a bench transaction's id carries our reference and the amount
 * (`kk-bench-<reference>-<amount>`), which the answer gives back as `partnerId` and `amount`, in the
 * wire format of WIRE-FORMATS.md (and of test/helpers/stubs/kkiapay-stub.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const BENCH_KEYS = {
  publicKey: 'bench-public-key',
  privateKey: 'bench-private-key',
  secretKey: 'bench-secret-key',
};

/** The id KKiaPay would give the bench's payment of `reference` (the widget's transactionId). */
export const benchTransactionId = (reference: string, amount: number) => `kk-bench-${reference}-${amount}`;

/** The reference and amount a bench transaction id carries, or null when it is not one. */
export function parseBenchTransactionId(id: string): { reference: string; amount: number } | null {
  const m = /^kk-bench-(.+)-(\d{1,12})$/.exec(id);
  return m ? { reference: m[1], amount: Number(m[2]) } : null;
}

/** The status call's answer: HTTP status and body, as KKiaPay's API sends them. */
export function statusAnswer(headers: IncomingMessage['headers'], body: unknown): [number, object] {
  if (
    headers['x-api-key'] !== BENCH_KEYS.publicKey ||
    headers['x-private-key'] !== BENCH_KEYS.privateKey ||
    headers['x-secret-key'] !== BENCH_KEYS.secretKey
  ) {
    return [401, { status: 'UNAUTHORIZED', reason: 'invalid api keys' }];
  }
  const id = (body as { transactionId?: unknown } | null)?.transactionId;
  if (typeof id !== 'string' || !id) return [400, { reason: 'transactionId is required' }];
  const tx = parseBenchTransactionId(id);
  if (!tx) return [404, { status: 'TRANSACTION_NOT_FOUND', transactionId: id }];
  return [
    200,
    {
      transactionId: id,
      status: 'SUCCESS',
      amount: tx.amount,
      fees: Math.round(tx.amount * 0.019),
      source: 'MOBILE_MONEY',
      type: 'DEBIT',
      performedAt: new Date().toISOString(),
      reason: null,
      partnerId: tx.reference,
      client: { fullname: 'Client Bench', phone: '22995000001' },
    },
  ];
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (raw += chunk));
  req.on('end', () => {
    let status: number;
    let answer: object;
    if (req.method !== 'POST' || req.url !== '/api/v1/transactions/status') {
      [status, answer] = [404, { reason: 'no such endpoint' }];
    } else {
      let body: unknown = null;
      try {
        body = JSON.parse(raw);
      } catch {
        body = null;
      }
      [status, answer] = statusAnswer(req.headers, body);
    }
    const text = JSON.stringify(answer);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
}

/** Starts the stub on a free port of 127.0.0.1; answers its base URL and the server (to close). */
export async function startKkiapayStub(): Promise<{ base: string; server: Server }> {
  const server = createServer(handle);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
