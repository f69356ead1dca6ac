import { connectRedis, RedisStore } from '../../../src/infra/kv';
import { embedded, testEnv } from '../../helpers/app';

/** The Redis adapter of the key-value port, on a real Redis (not in the embedded run). */
const maybe = embedded ? describe.skip : describe;

maybe('RedisStore', () => {
  let kv: RedisStore;

  beforeAll(async () => {
    const url = (await testEnv()).REDIS_URL;
    if (!url) throw new Error('REDIS_URL is not set');
    kv = new RedisStore(await connectRedis(url));
    await kv.redis.flushdb();
  });
  afterAll(() => kv.close());

  it('writes a batch of sets with their TTLs and deletes, as one command', async () => {
    await kv.set('b:gone', 'x', 60);
    await kv.batch(
      [
        ['b:one', 'first "quoted" value', 30],
        ['b:two', 'second', 120],
      ],
      ['b:gone', 'b:never'],
    );
    expect(await kv.mget(['b:one', 'b:two', 'b:gone'])).toEqual(['first "quoted" value', 'second', null]);
    expect(await kv.ttl('b:one')).toBeGreaterThan(25);
    expect(await kv.ttl('b:one')).toBeLessThanOrEqual(30);
    expect(await kv.ttl('b:two')).toBeGreaterThan(115);
    await kv.batch([], ['b:one']);
    await kv.batch([], []);
    expect(await kv.get('b:one')).toBeNull();
  });

  it('sends the commands of one event-loop turn in one write, and answers each', async () => {
    const writes: number[] = [];
    const socket = (kv.redis as unknown as { stream: { _writeGeneric: unknown } }).stream;
    const spy = jest.spyOn(socket as never, '_writeGeneric' as never);
    const keys = Array.from({ length: 20 }, (_, i) => `w:${i}`);
    await Promise.all(keys.map((k, i) => kv.batch([[k, String(i), 60]])));
    writes.push(spy.mock.calls.length);
    spy.mockRestore();
    expect(await kv.mget(keys)).toEqual(keys.map((_, i) => String(i)));
    expect(writes[0]).toBe(1);
  });

  it('keeps working after Redis forgot the batch script', async () => {
    await kv.redis.script('FLUSH');
    await kv.batch([['s:after-flush', 'ok', 60]]);
    expect(await kv.get('s:after-flush')).toBe('ok');
  });
});
