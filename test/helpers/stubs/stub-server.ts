import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or the raw text when it is not JSON (null when empty). */
  body: unknown;
  /** When the whole request had arrived (Date.now()). */
  at: number;
}

export interface StubReply {
  status: number;
  body?: unknown;
  /** Handled, and the answer never sent: the client's timeout fires though the work was done. */
  lost?: boolean;
}

/** 'error': answer 500; 'hang': never answer (the client's timeout must fire). */
export type Fault = 'error' | 'hang';

/**
 * A provider stand-in on 127.0.0.1 (ephemeral port): records every request, lets the test inject
 * faults for the next calls, and hands the rest to the stub's router.
 */
export class StubServer {
  readonly requests: RecordedRequest[] = [];
  private readonly faults: Fault[] = [];
  private server: Server | null = null;

  constructor(private readonly route: (req: RecordedRequest) => StubReply | Promise<StubReply>) {}

  /** The next `count` requests (any endpoint) get `fault` instead of an answer. */
  failNext(count: number, fault: Fault = 'error'): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  /** Requests received on paths matching `pattern`. */
  received(pattern: RegExp | string): RecordedRequest[] {
    return this.requests.filter((r) =>
      typeof pattern === 'string' ? r.path === pattern : pattern.test(r.path),
    );
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          body = text;
        }
        const recorded = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body,
          at: Date.now(),
        };
        this.requests.push(recorded);
        void this.answer(recorded, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private async answer(recorded: RecordedRequest, res: ServerResponse): Promise<void> {
    const fault = this.faults.shift();
    if (fault === 'hang') return; // the socket stays open until the client gives up or close()
    let reply: StubReply;
    try {
      reply =
        fault === 'error'
          ? { status: 500, body: { message: 'injected failure' } }
          : await this.route(recorded);
    } catch (err) {
      reply = { status: 500, body: { message: `stub route failed: ${(err as Error).message}` } };
    }
    if (reply.lost) return;
    res.writeHead(reply.status, reply.body === undefined ? {} : { 'content-type': 'application/json' });
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections(); // hung requests included
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The value of one header (node lower-cases names). */
export function header(req: RecordedRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}
