import { ManualClock } from '../../../src/infra/clock';
import { paymentLinkKey, readPaymentLink, signPaymentLink } from '../../../src/payments/payment-link';
import { ProviderUnavailable } from '../../../src/payments/provider';
import { KkiapayProvider } from '../../../src/payments/providers';
import { KkiapayStub } from '../../helpers/stubs/kkiapay-stub';
import { PAY, providerConfig as config, PUBLIC, silentLogger } from '../../helpers/stubs/provider-kit';

const KKIA = { publicKey: 'pk_public_1234', privateKey: 'tpk_private_5678', secretKey: 'tsk_secret_9abc' };

describe('KKiaPay adapter against the KKiaPay stub', () => {
  let stub: KkiapayStub;
  let kkia: KkiapayProvider;
  const clock = new ManualClock(new Date('2025-01-06T09:00:00Z'));
  let cfg: ReturnType<typeof config>;

  beforeEach(async () => {
    stub = new KkiapayStub(KKIA);
    cfg = config({
      PAYMENT_PROVIDER: 'kkiapay',
      KKIAPAY_BASE_URL: await stub.start(),
      KKIAPAY_PUBLIC_KEY: KKIA.publicKey,
      KKIAPAY_PRIVATE_KEY: KKIA.privateKey,
      KKIAPAY_SECRET_KEY: KKIA.secretKey,
      PROVIDER_TIMEOUT_MS: '150',
    });
    kkia = new KkiapayProvider(cfg, { clock, logger: silentLogger() });
  });
  afterEach(() => stub.close());

  it('verifies with the three key headers and maps every status', async () => {
    stub.register({ transactionId: 'kk-1', status: 'SUCCESS', amount: 5000, partnerId: 'TF0001' });
    expect(await kkia.verify('kk-1', 'TF0001')).toEqual({
      status: 'success',
      providerTransactionId: 'kk-1',
      amount: 5000,
      reason: null,
    });
    const [sent] = stub.requests;
    expect(sent.path).toBe('/api/v1/transactions/status');
    expect(sent.headers).toMatchObject({
      'x-api-key': KKIA.publicKey,
      'x-private-key': KKIA.privateKey,
      'x-secret-key': KKIA.secretKey,
    });
    expect(sent.body).toEqual({ transactionId: 'kk-1' });
    for (const [status, expected] of [
      ['PENDING', 'pending'],
      ['FAILED', 'failed'],
      ['INSUFFICIENT_FUND', 'failed'],
      ['INVALID_TRANSACTION', 'failed'],
      ['REVERTED', 'failed'],
    ]) {
      stub.register({ transactionId: `kk-${status}`, status, amount: 5000, partnerId: 'TF0001' });
      const result = await kkia.verify(`kk-${status}`, 'TF0001');
      expect(result).toMatchObject({ status: expected, reason: expected === 'failed' ? status : null });
    }
    expect(await kkia.verify('kk-none', 'TF0001')).toMatchObject({
      status: 'failed',
      reason: 'TRANSACTION_NOT_FOUND',
    });
  });

  it('never settles a reference with a transaction made for another one', async () => {
    stub.register({ transactionId: 'kk-2', status: 'SUCCESS', amount: 5000, partnerId: 'TF0002' });
    stub.register({ transactionId: 'kk-3', status: 'SUCCESS', amount: 5000, partnerId: null });
    for (const id of ['kk-2', 'kk-3']) {
      expect(await kkia.verify(id, 'TF0001')).toMatchObject({
        status: 'failed',
        reason: 'REFERENCE_MISMATCH',
      });
    }
  });

  it('reverts a payment, refuses to revert twice, and treats wrong keys, 5xx and hangs apart', async () => {
    stub.register({ transactionId: 'kk-4', status: 'SUCCESS', amount: 5000, partnerId: 'TF0001' });
    await kkia.refund('kk-4');
    expect(stub.requests.at(-1)).toMatchObject({
      path: '/api/v1/transactions/revert',
      body: { transactionId: 'kk-4' },
    });
    expect(await kkia.verify('kk-4', 'TF0001')).toMatchObject({ status: 'failed', reason: 'REVERTED' });
    await expect(kkia.refund('kk-4')).rejects.toThrow(/refused to revert/);
    const wrongKeys = new KkiapayProvider(
      { ...cfg, KKIAPAY_SECRET_KEY: 'nope' },
      { clock, logger: silentLogger() },
    );
    const refused = wrongKeys.verify('kk-4', 'TF0001');
    await expect(refused).rejects.toThrow(/refused our keys/);
    await expect(refused).rejects.not.toBeInstanceOf(ProviderUnavailable);
    stub.failNext(1);
    await expect(kkia.verify('kk-4', 'TF0001')).rejects.toBeInstanceOf(ProviderUnavailable);
    stub.failNext(1, 'hang');
    await expect(kkia.refund('kk-4')).rejects.toBeInstanceOf(ProviderUnavailable);
  });

  it('collects through a signed payment link valid 30 minutes, and has no payout', async () => {
    expect(kkia.capabilities).toEqual({
      requestToPay: false,
      paymentLink: true,
      payout: false,
      refund: true,
      chosenId: false,
    });
    const started = await kkia.collect(PAY);
    expect(started.providerTransactionId).toBeNull();
    expect(started.paymentUrl).toMatch(new RegExp(`^${PUBLIC}/pay/[\\w-]+\\.[\\w-]+$`));
    const token = started.paymentUrl!.split('/').at(-1)!;
    expect(token.length).toBeLessThan(80); // it travels in an SMS
    const key = paymentLinkKey(cfg);
    const read = readPaymentLink(token, key, clock);
    expect(read).toEqual({
      ok: true,
      link: {
        reference: 'TF0001',
        amount: 5000,
        phone: '+2290197000001',
        expiresAt: new Date('2025-01-06T09:30:00Z'),
      },
    });
    const later = new ManualClock(clock.now());
    later.advance(30 * 60_000 - 1000);
    expect(readPaymentLink(token, key, later).ok).toBe(true);
    later.advance(1000);
    expect(readPaymentLink(token, key, later)).toEqual({ ok: false, reason: 'expired' });
    const forged = signPaymentLink({ ...PAY, amount: 5 }, 'another-key', clock);
    expect(readPaymentLink(forged, key, clock)).toEqual({ ok: false, reason: 'invalid' });
    const [payload, mac] = token.split('.');
    const tampered = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('3uw', '3ux')).toString(
      'base64url',
    );
    expect(readPaymentLink(`${tampered}.${mac}`, key, clock)).toEqual({ ok: false, reason: 'invalid' });
    expect(readPaymentLink('garbage', key, clock)).toEqual({ ok: false, reason: 'invalid' });
    await expect(kkia.payout(PAY)).rejects.toThrow(/not supported/);
  });
});
