import { ManualClock } from '../../../src/infra/clock';
import { SimulatorProvider } from '../../../src/payments/providers';
import {
  capturedLogger,
  PAY,
  providerConfig as config,
  SECRET,
  sleep,
  waitFor,
} from '../../helpers/stubs/provider-kit';
import { header, StubServer } from '../../helpers/stubs/stub-server';

describe('payment simulator calling a local webhook', () => {
  let webhook: StubServer;
  let sim: SimulatorProvider;
  let logs: ReturnType<typeof capturedLogger>;

  beforeEach(async () => {
    webhook = new StubServer(() => ({ status: 200, body: { ok: true } }));
    const url = `${await webhook.start()}/api/payments/webhook/`;
    logs = capturedLogger();
    const cfg = config({ PAYMENT_PROVIDER: 'simulator', PAYMENT_SIMULATOR_DELAY_MS: '20' });
    sim = new SimulatorProvider(cfg, { clock: new ManualClock(), logger: logs.logger, webhookUrl: url });
  });
  afterEach(async () => {
    sim.close();
    await webhook.close();
  });

  it('settles after the delay and posts a KKiaPay-shaped callback with the shared secret', async () => {
    const { providerTransactionId: id } = await sim.collect(PAY);
    expect(id).toMatch(/^SIM-[0-9a-f-]{36}$/);
    expect(await sim.verify(id!, 'TF0001')).toMatchObject({ status: 'pending' });
    await waitFor(() => webhook.requests.length === 1);
    const [call] = webhook.requests;
    expect(call).toMatchObject({ method: 'POST', path: '/api/payments/webhook/' });
    expect(header(call, 'x-kkiapay-secret')).toBe(SECRET);
    expect(call.body).toEqual({
      transactionId: id,
      isPaymentSucces: true,
      event: 'transaction.success',
      amount: 5000,
      partnerId: 'TF0001',
      failureCode: null,
    });
    expect(await sim.verify(id!, 'TF0001')).toEqual({
      status: 'success',
      providerTransactionId: id,
      amount: 5000,
      reason: null,
    });
    expect(await sim.verify(id!, 'TF0002')).toMatchObject({ status: 'failed', reason: 'REFERENCE_MISMATCH' });
    await sim.refund(id!);
    expect(await sim.verify(id!, 'TF0001')).toMatchObject({ status: 'failed', reason: 'REVERTED' });
  });

  it('fails numbers ending in 9 and never answers numbers ending in 8', async () => {
    const failing = await sim.collect({ ...PAY, phone: '+2290197000009' });
    const silent = await sim.collect({ ...PAY, reference: 'TF0008', phone: '+2290197000008' });
    await waitFor(() => webhook.requests.length === 1);
    expect(webhook.requests[0].body).toMatchObject({
      transactionId: failing.providerTransactionId,
      isPaymentSucces: false,
      event: 'transaction.failed',
      failureCode: 'INSUFFICIENT_FUND',
    });
    expect(await sim.verify(failing.providerTransactionId!, 'TF0001')).toMatchObject({
      status: 'failed',
      reason: 'INSUFFICIENT_FUND',
    });
    await sleep(150);
    expect(webhook.requests).toHaveLength(1);
    expect(await sim.verify(silent.providerTransactionId!, 'TF0008')).toMatchObject({ status: 'pending' });
    await expect(sim.refund(failing.providerTransactionId!)).rejects.toThrow(/not a successful collection/);
  });

  it('pays out the same way, keeps payouts apart from collections, and stops at close()', async () => {
    const out = await sim.payout({ ...PAY, phone: '+2290197000019' });
    await waitFor(() => webhook.requests.length === 1);
    expect(await sim.verifyPayout(out.providerTransactionId!, 'TF0001')).toMatchObject({
      status: 'failed',
      reason: 'INSUFFICIENT_FUND',
    });
    expect(await sim.verify(out.providerTransactionId!, 'TF0001')).toMatchObject({
      reason: 'TRANSACTION_NOT_FOUND',
    });
    await sim.collect(PAY);
    sim.close();
    await sleep(100);
    expect(webhook.requests).toHaveLength(1);
  });

  it('logs a callback that fails instead of throwing', async () => {
    await webhook.close();
    const { providerTransactionId: id } = await sim.collect(PAY);
    await waitFor(() => logs.text().includes('simulated webhook failed'));
    expect(await sim.verify(id!, 'TF0001')).toMatchObject({ status: 'success' });
    expect(logs.text()).not.toContain('2290197000001');
  });
});
