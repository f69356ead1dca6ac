import type { Clock } from '../../infra/clock';
import type { Logger } from '../../infra/logger';
import { ProviderUnavailable, type VerifyResult } from '../provider';

/** The part of `fetch` the adapters use, so tests (and the simulator) can swap it. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** What every adapter needs besides the config. */
export interface ProviderDeps {
  clock: Clock;
  logger: Logger;
  fetch?: FetchLike;
}

export interface ProviderAnswer {
  status: number;
  /** The parsed JSON body, or null when the body is empty or not JSON. */
  body: unknown;
}

/**
 * One HTTP call to a provider. Whatever means "ask again later" (no connection, no answer within the
 * timeout, 408, 429, 5xx) becomes ProviderUnavailable; any other answer goes back to the adapter,
 * which knows what a 4xx means for that call. Only method, path and status are logged: headers carry
 * keys and tokens, bodies carry phone numbers.
 */
export async function callProvider(
  provider: string,
  url: string,
  init: RequestInit & { timeoutMs: number },
  deps: Pick<ProviderDeps, 'fetch' | 'logger'>,
): Promise<ProviderAnswer> {
  const { timeoutMs, ...rest } = init;
  const method = rest.method ?? 'GET';
  const path = new URL(url).pathname;
  const started = Date.now();
  let res: Response;
  let text: string;
  try {
    res = await (deps.fetch ?? fetch)(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
    // The timeout also covers reading the body: a provider that sends headers then stalls is down too.
    text = await res.text();
  } catch (err) {
    const e = err as Error;
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : e.message;
    deps.logger.warn({ provider, method, path, err: why }, 'payment provider unreachable');
    throw new ProviderUnavailable(`${provider} unreachable (${method} ${path}): ${why}`);
  }
  deps.logger.debug(
    { provider, method, path, status: res.status, ms: Date.now() - started },
    'payment provider call',
  );
  if (res.status >= 500 || res.status === 408 || res.status === 429) {
    throw new ProviderUnavailable(`${provider} answered HTTP ${res.status} to ${method} ${path}`);
  }
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  return { status: res.status, body };
}

/** The provider's own words about a refusal, whichever field it put them in. */
export function providerMessage(answer: ProviderAnswer): string {
  const b = answer.body as Record<string, unknown> | null;
  const words = [b?.code, b?.message ?? b?.description ?? b?.reason ?? b?.error]
    .filter((v) => typeof v === 'string' && v !== '')
    .join(': ');
  return words ? `HTTP ${answer.status} ${words}` : `HTTP ${answer.status}`;
}

/** An integer amount from a provider's number or numeric string ("5000", "5000.00"); null otherwise. */
export function parseAmount(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) && value !== '' ? Math.round(n) : null;
}

export function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Our verdict when a provider's transaction belongs to another reference than the one we asked about. */
export const REFERENCE_MISMATCH = 'REFERENCE_MISMATCH';

export function failed(providerTransactionId: string | null, reason: string): VerifyResult {
  return { status: 'failed', providerTransactionId, amount: null, reason };
}
