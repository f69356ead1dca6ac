import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { KeyValueStore } from '../infra/kv';
import { tooManyRequests } from './errors';

export interface LimiterOptions {
  keyPrefix: string;
  points: number;
  durationS: number;
}

/** A counter of failures per key, in Redis when there is one (shared by every process), else in memory. */
export function createLimiter(kv: KeyValueStore, opts: LimiterOptions): RateLimiterAbstract {
  const common = { keyPrefix: opts.keyPrefix, points: opts.points, duration: opts.durationS };
  return kv.redis
    ? new RateLimiterRedis({ ...common, storeClient: kv.redis })
    : new RateLimiterMemory(common);
}

/** Throws 429 with Retry-After if any key has used up its points. */
export async function assertNotLimited(checks: [RateLimiterAbstract, string][]): Promise<void> {
  for (const [limiter, key] of checks) {
    const res = await limiter.get(key);
    if (res && res.consumedPoints >= limiter.points) throw tooManyRequests(res.msBeforeNext / 1000);
  }
}

/** Records a failure; answers whether that failure used up the last point. */
export async function recordFailure(limiter: RateLimiterAbstract, key: string): Promise<boolean> {
  try {
    const res = await limiter.penalty(key, 1);
    return res.consumedPoints >= limiter.points;
  } catch (err) {
    if (err instanceof RateLimiterRes) return true;
    throw err;
  }
}
