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
  /** Several writes in one command (a Lua script on Redis): the USSD hot path's single write. */
  batch(sets: [key: string, value: string, ttlSeconds: number][], dels?: string[]): Promise<void>;
  /** Increments a counter; the TTL is set when the counter is created. */
  incr(key: string, ttlSeconds: number): Promise<number>;
  ttl(key: string): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `batch` as one Redis command: SET ... EX for each of the first ARGV[1] keys (value, TTL pairs in
 * ARGV), then DEL of the remaining keys. One command, one reply, and no pipeline object to build.
 */
const BATCH_SCRIPT = `
local sets = tonumber(ARGV[1])
for i = 1, sets do
  redis.call('SET', KEYS[i], ARGV[2 * i], 'EX', ARGV[2 * i + 1])
end
for i = sets + 1, #KEYS do
  redis.call('DEL', KEYS[i])
end
return sets`;

type BatchCommand = (...args: (string | number)[]) => Promise<number>;

export class RedisStore implements KeyValueStore {
  private readonly batchCommand: BatchCommand;
  private corked: NodeJS.Immediate | null = null;

  constructor(readonly redis: Redis) {
    // defineCommand sends EVALSHA, and the script itself once if Redis does not know it yet.
    redis.defineCommand('tfBatch', { lua: BATCH_SCRIPT });
    this.batchCommand = (redis as unknown as { tfBatch: BatchCommand }).tfBatch.bind(redis);
  }

  /**
   * The commands every request issues in one turn of the event loop leave in one socket write: the
   * socket is corked at the first and uncorked once the turn's I/O callbacks have run (setImmediate).
   * A syscall per command was the largest single cost of a USSD hop under load. ioredis's own
   * auto-pipelining does the same with a Pipeline object per batch, which at a few commands a batch
   * survived into the old generation (1-2 MB promoted per scavenge, pauses of 5-10 ms at 1000 hops/s).
   */
  private coalesce(): void {
    const stream = (this.redis as unknown as { stream?: { cork(): void; uncork(): void } }).stream;
    if (this.corked || !stream || this.redis.status !== 'ready') return;
    stream.cork();
    this.corked = setImmediate(() => {
      this.corked = null;
      stream.uncork();
    });
  }

  get(key: string) {
    this.coalesce();
    return this.redis.get(key);
  }
  mget(keys: string[]) {
    if (keys.length === 0) return Promise.resolve([]);
    this.coalesce();
    return this.redis.mget(keys);
  }
  async set(key: string, value: string, ttlSeconds: number) {
    await this.redis.set(key, value, 'EX', ttlSeconds);
  }
  async del(key: string) {
    await this.redis.del(key);
  }
  async batch(sets: [string, string, number][], dels: string[] = []) {
    if (sets.length + dels.length === 0) return;
    // The script's arguments: the number of keys, the keys (sets, then dels), the number of sets, then
    // a value and a TTL per set; built in one array on a path taken by every hop.
    const args: (string | number)[] = [sets.length + dels.length];
    for (const [key] of sets) args.push(key);
    for (const key of dels) args.push(key);
    args.push(sets.length);
    for (const [, value, ttl] of sets) args.push(value, ttl);
    this.coalesce();
    await this.batchCommand(...args);
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
 * Redis is away, so callers can answer "try again" within their budget.
 */
export async function connectRedis(url: string, timeoutMs = 10_000): Promise<Redis> {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
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
  /** Every live key and its value: what a `SCAN` of Redis would find (tests check nothing rests readable). */
  entries(): [string, string][] {
    this.sweep();
    return [...this.map].map(([key, entry]) => [key, entry.value]);
  }
  close() {
    clearInterval(this.sweeper);
    this.map.clear();
    return Promise.resolve();
  }
}
