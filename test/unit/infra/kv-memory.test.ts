import { MemoryStore } from '../../../src/infra/kv';

let now: number;
let kv: MemoryStore;

const advance = (ms: number) => {
  now += ms;
};

beforeEach(() => {
  now = Date.UTC(2025, 0, 1);
  kv = new MemoryStore(() => now);
});
afterEach(() => kv.close());

describe('MemoryStore', () => {
  it('sets, gets and deletes', async () => {
    expect(await kv.get('a')).toBeNull();
    await kv.set('a', 'one', 60);
    expect(await kv.get('a')).toBe('one');
    await kv.set('a', 'two', 60);
    expect(await kv.get('a')).toBe('two');
    await kv.del('a');
    expect(await kv.get('a')).toBeNull();
    await kv.del('never-set');
    expect(kv.redis).toBeNull();
  });

  it('forgets a value when its TTL runs out, not before', async () => {
    await kv.set('a', 'one', 10);
    advance(9_999);
    expect(await kv.get('a')).toBe('one');
    advance(1);
    expect(await kv.get('a')).toBeNull();
    expect(await kv.ttl('a')).toBe(-2);
  });

  it('restarts the TTL when a key is set again', async () => {
    await kv.set('a', 'one', 10);
    advance(8_000);
    await kv.set('a', 'two', 10);
    advance(8_000);
    expect(await kv.get('a')).toBe('two');
  });

  it('counts with incr, keeping the TTL of the first increment', async () => {
    expect(await kv.incr('n', 10)).toBe(1);
    advance(4_000);
    expect(await kv.incr('n', 100)).toBe(2);
    expect(await kv.ttl('n')).toBe(6);
    advance(5_000);
    expect(await kv.incr('n', 100)).toBe(3);
    expect(await kv.get('n')).toBe('3');
    advance(1_000);
    expect(await kv.get('n')).toBeNull();
    // Expired: the next increment starts a new counter with its own TTL.
    expect(await kv.incr('n', 30)).toBe(1);
    expect(await kv.ttl('n')).toBe(30);
  });

  it('increments a counter that was set as a number', async () => {
    await kv.set('n', '41', 20);
    expect(await kv.incr('n', 99)).toBe(42);
    expect(await kv.ttl('n')).toBe(20);
  });

  it('reads many keys at once with mget, null for missing or expired ones', async () => {
    expect(await kv.mget([])).toEqual([]);
    await kv.set('a', '1', 10);
    await kv.set('b', '2', 5);
    await kv.set('c', '3', 10);
    advance(5_000);
    expect(await kv.mget(['a', 'b', 'missing', 'c', 'a'])).toEqual(['1', null, null, '3', '1']);
  });

  it('reports the remaining seconds with ttl, rounded up, and -2 for a missing key', async () => {
    expect(await kv.ttl('missing')).toBe(-2);
    await kv.set('a', 'x', 10);
    expect(await kv.ttl('a')).toBe(10);
    advance(1);
    expect(await kv.ttl('a')).toBe(10);
    advance(999);
    expect(await kv.ttl('a')).toBe(9);
    advance(8_500);
    expect(await kv.ttl('a')).toBe(1);
    advance(500);
    expect(await kv.ttl('a')).toBe(-2);
    await kv.set('b', 'x', 10);
    await kv.del('b');
    expect(await kv.ttl('b')).toBe(-2);
  });

  it('answers ping and empties itself on close', async () => {
    await expect(kv.ping()).resolves.toBeUndefined();
    await kv.set('a', 'x', 10);
    await kv.close();
    expect(await kv.get('a')).toBeNull();
  });
});
