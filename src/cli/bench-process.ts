/** The processes of `npm run bench:ussd`: a free port, a server started and stopped, one form POST. */
import { spawn, type ChildProcess } from 'node:child_process';
import { request, type Agent } from 'node:http';
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface UssdAnswer {
  status: number;
  /** The Content-Type header. */
  type: string;
  body: string;
}

/**
 * One form POST to `/ussd` on 127.0.0.1, as Africa's Talking sends it. A fresh connection unless an
 * agent is given (keep-alive); no answer within `timeoutMs` rejects. `headers` replace the form's
 * content type (the fuzz test posts bodies of other kinds, or none); `path` another route (the
 * contributions bench posts payment webhooks).
 */
export function post(
  port: number,
  body: string | Buffer,
  {
    agent = false,
    timeoutMs = 2_000,
    headers = { 'content-type': 'application/x-www-form-urlencoded' },
    path = '/ussd',
  }: { agent?: Agent | false; timeoutMs?: number; headers?: Record<string, string>; path?: string } = {},
): Promise<UssdAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        timeout: timeoutMs,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (data += chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: data }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Child {
  proc: ChildProcess;
  output(): string;
  exited: Promise<void>;
}

/** A server process: `node <BENCH_NODE_ARGS> <args>` in `cwd`, listening on `port`. */
export function startChild(
  target: { args: string[]; env: Record<string, string> },
  port: number,
  cwd: string,
): Child {
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ');
  const proc = spawn(process.execPath, [...nodeArgs.filter(Boolean), ...target.args], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...target.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: string) => (out = (out + chunk).slice(-20_000));
  proc.stdout?.setEncoding('utf8').on('data', keep);
  proc.stderr?.setEncoding('utf8').on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('close', () => resolve()));
  return { proc, output: () => out, exited };
}

export async function stopChild(child: Child): Promise<void> {
  child.proc.kill('SIGTERM');
  const force = setTimeout(() => child.proc.kill('SIGKILL'), 10_000);
  await child.exited;
  clearTimeout(force);
}

/** `firstHop` (a form body) answers 200: the server is up (and warm enough to start). */
export async function waitReady(port: number, child: Child, firstHop: () => string): Promise<void> {
  const until = Date.now() + 30_000;
  let gone = false;
  void child.exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`server exited before answering:\n${child.output()}`);
    const res = await post(port, firstHop()).catch(() => null);
    if (res?.status === 200) return;
    if (Date.now() > until) throw new Error(`server not ready after 30 s:\n${child.output()}`);
    await sleep(100);
  }
}
