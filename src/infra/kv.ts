import Redis from 'ioredis';

/**
 * Short-lived shared state: USSD sessions, token blacklist, counters, one-time codes.
 * Redis in production; an in-process map in embedded mode (one process only).
 */
export interface KeyValueStore {
  readonly redis: Redis | null;
  get(key: string): Promise<string | null>;
  mget(keys: string[]): Promise<(string | null)[]>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(key: string): Promise<void>;
  /** Several writes in one round trip (a Redis pipeline): the USSD hot path's single write. */
  batch(sets: [key: string, value: string, ttlSeconds: number][], dels?: string[]): Promise<void>;
  /** Increments a counter; the TTL is set when the counter is created. */
  incr(key: string, ttlSeconds: number): Promise<number>;
  ttl(key: string): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class RedisStore implements KeyValueStore {
  constructor(readonly redis: Redis) {}

  get(key: string) {
    return this.redis.get(key);
  }
  mget(keys: string[]) {
    return keys.length === 0 ? Promise.resolve([]) : this.redis.mget(keys);
  }
  async set(key: string, value: string, ttlSeconds: number) {
    await this.redis.set(key, value, 'EX', ttlSeconds);
  }
  async del(key: string) {
    await this.redis.del(key);
  }
  async batch(sets: [string, string, number][], dels: string[] = []) {
    // Plain commands, not a pipeline object: auto-pipelining already sends every command issued in
    // this tick, by every request in flight, in one write (a pipeline object would be a write of its own).
    const writes: Promise<unknown>[] = sets.map(([key, value, ttl]) => this.redis.set(key, value, 'EX', ttl));
    if (dels.length > 0) writes.push(this.redis.del(...dels));
    await Promise.all(writes);
  }
  async incr(key: string, ttlSeconds: number) {
    const [[, count]] = (await this.redis.multi().incr(key).expire(key, ttlSeconds, 'NX').exec()) as [
      [Error | null, number],
    ];
    return count;
  }
  ttl(key: string) {
    return this.redis.ttl(key);
  }
  async ping() {
    await this.redis.ping();
  }
  async close() {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * Connects and waits until Redis is ready. Afterwards commands fail fast instead of queueing while
 * Redis is away, so callers can answer "try again" within their budget. Auto-pipelining: the commands
 * of all requests in flight that are issued in one event-loop tick leave in one socket write (a
 * syscall per command was the largest single cost of a USSD hop under load).
 */
export async function connectRedis(url: string, timeoutMs = 10_000): Promise<Redis> {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
    enableAutoPipelining: true,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    redis.disconnect();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return redis;
}

interface Entry {
  value: string;
  expiresAt: number;
}

export class MemoryStore implements KeyValueStore {
  readonly redis = null;
  private readonly map = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  private live(key: string): Entry | undefined {
    const entry = this.map.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep() {
    for (const key of this.map.keys()) this.live(key);
  }

  get(key: string) {
    return Promise.resolve(this.live(key)?.value ?? null);
  }
  mget(keys: string[]) {
    return Promise.resolve(keys.map((k) => this.live(k)?.value ?? null));
  }
  set(key: string, value: string, ttlSeconds: number) {
    this.map.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    return Promise.resolve();
  }
  del(key: string) {
    this.map.delete(key);
    return Promise.resolve();
  }
  batch(sets: [string, string, number][], dels: string[] = []) {
    for (const [key, value, ttl] of sets) this.map.set(key, { value, expiresAt: this.now() + ttl * 1000 });
    for (const key of dels) this.map.delete(key);
    return Promise.resolve();
  }
  incr(key: string, ttlSeconds: number) {
    const entry = this.live(key);
    const count = (entry ? Number(entry.value) : 0) + 1;
    this.map.set(key, {
      value: String(count),
      expiresAt: entry?.expiresAt ?? this.now() + ttlSeconds * 1000,
    });
    return Promise.resolve(count);
  }
  ttl(key: string) {
    const entry = this.live(key);
    return Promise.resolve(entry ? Math.ceil((entry.expiresAt - this.now()) / 1000) : -2);
  }
  ping() {
    return Promise.resolve();
  }
  close() {
    clearInterval(this.sweeper);
    this.map.clear();
    return Promise.resolve();
  }
}
