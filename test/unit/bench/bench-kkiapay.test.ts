import type { Server } from 'node:http';
import { ManualClock } from '../../../src/infra/clock';
import { KkiapayProvider } from '../../../src/payments/providers';
import { quantile } from '../../../src/cli/bench-requests';
import {
  BENCH_KEYS,
  benchTransactionId,
  parseBenchTransactionId,
  startKkiapayStub,
} from '../../../src/cli/bench-kkiapay';
import { providerConfig, silentLogger } from '../../helpers/stubs/provider-kit';

/** bench:contributions' KKiaPay stub speaks what the product's adapter reads (its verify call). */
describe('the KKiaPay stub of bench:contributions', () => {
  let server: Server;
  let base: string;
  const adapter = (keys = BENCH_KEYS) =>
    new KkiapayProvider(
      providerConfig({
        PAYMENT_PROVIDER: 'kkiapay',
        KKIAPAY_BASE_URL: base,
        KKIAPAY_PUBLIC_KEY: keys.publicKey,
        KKIAPAY_PRIVATE_KEY: keys.privateKey,
        KKIAPAY_SECRET_KEY: keys.secretKey,
      }),
      { clock: new ManualClock(new Date('2026-12-01T09:00:00Z')), logger: silentLogger() },
    );

  beforeAll(async () => ({ server, base } = await startKkiapayStub()));
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('carries the reference and the amount in the transaction id', () => {
    const id = benchTransactionId('TFCTBENCH0000000042', 1500);
    expect(parseBenchTransactionId(id)).toEqual({ reference: 'TFCTBENCH0000000042', amount: 1500 });
    expect(parseBenchTransactionId('kk-123')).toBeNull();
  });

  it('answers SUCCESS for our reference and amount, which the adapter settles', async () => {
    const id = benchTransactionId('TFCTBENCH0000000042', 1500);
    expect(await adapter().verify(id, 'TFCTBENCH0000000042')).toEqual({
      status: 'success',
      providerTransactionId: id,
      amount: 1500,
      reason: null,
    });
  });

  it('is not a success for another reference, an unknown transaction or wrong keys', async () => {
    const id = benchTransactionId('TFCTBENCH0000000042', 1500);
    expect(await adapter().verify(id, 'TFCTBENCH0000000043')).toMatchObject({
      status: 'failed',
      reason: 'REFERENCE_MISMATCH',
    });
    expect(await adapter().verify('kk-123', 'TFCTBENCH0000000042')).toMatchObject({
      status: 'failed',
      reason: 'TRANSACTION_NOT_FOUND',
    });
    await expect(
      adapter({ ...BENCH_KEYS, secretKey: 'wrong' }).verify(id, 'TFCTBENCH0000000042'),
    ).rejects.toThrow(/refused our keys/);
  });
});

describe('quantile (nearest rank)', () => {
  it('reads p50, p99 and the max of sorted latencies', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(50);
    expect(quantile(sorted, 0.99)).toBe(99);
    expect(quantile(sorted, 1)).toBe(100);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
