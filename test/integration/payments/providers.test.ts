import { ManualClock } from '../../../src/infra/clock';
import { ProviderUnavailable } from '../../../src/payments/provider';
import { createProvider, MomoProvider } from '../../../src/payments/providers';
import { MomoStub, MOMO, momoEnv } from '../../helpers/stubs/momo-stub';
import {
  capturedLogger,
  PAY,
  providerConfig as config,
  PUBLIC,
  silentLogger,
} from '../../helpers/stubs/provider-kit';
import { header } from '../../helpers/stubs/stub-server';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('MTN MoMo adapter against the MoMo stub', () => {
  let stub: MomoStub;
  let momo: MomoProvider;
  let clock: ManualClock;
  let logs: ReturnType<typeof capturedLogger>;

  beforeEach(async () => {
    stub = new MomoStub(MOMO);
    const base = await stub.start();
    clock = new ManualClock(new Date('2025-01-06T09:00:00Z'));
    logs = capturedLogger();
    const cfg = config(
      momoEnv(base, {
        PROVIDER_TIMEOUT_MS: '150',
      }),
    );
    momo = new MomoProvider(cfg, { clock, logger: logs.logger });
  });
  afterEach(() => stub.close());

  it('requests to pay with the documented headers and body, on one token for several calls', async () => {
    const [a, b] = await Promise.all([momo.collect(PAY), momo.collect({ ...PAY, reference: 'TF0002' })]);
    await momo.verify(a.providerTransactionId!, 'TF0001');
    expect(stub.tokenCalls('collection')).toBe(1);
    const [tokenReq] = stub.received('/collection/token/');
    const basic = Buffer.from(`${MOMO.apiUser}:${MOMO.apiKey}`).toString('base64');
    expect(tokenReq.headers).toMatchObject({
      authorization: `Basic ${basic}`,
      'ocp-apim-subscription-key': MOMO.collectionKey,
    });
    expect(a.providerTransactionId).toMatch(UUID_V4);
    expect(b.providerTransactionId).not.toBe(a.providerTransactionId);
    const sent = stub
      .received('/collection/v1_0/requesttopay')
      .find((r) => r.body && (r.body as any).externalId === 'TF0001')!;
    expect(sent.headers).toMatchObject({
      authorization: expect.stringMatching(/^Bearer .+/),
      'x-reference-id': a.providerTransactionId,
      'x-target-environment': 'mtnbenin',
      'ocp-apim-subscription-key': MOMO.collectionKey,
      'x-callback-url': `${PUBLIC}/api/payments/webhook/momo/`,
      'content-type': 'application/json',
    });
    expect(sent.body).toEqual({
      amount: '5000',
      currency: 'XOF',
      externalId: 'TF0001',
      payer: { partyIdType: 'MSISDN', partyId: '2290197000001' },
      payerMessage: 'Cotisation tontine',
      payeeNote: 'Cotisation tontine',
    });
  });

  it('renews the token a minute before it expires, and once more when MoMo revokes it', async () => {
    const { providerTransactionId: id } = await momo.collect(PAY);
    clock.advance(3539_000);
    await momo.verify(id!, PAY.reference);
    expect(stub.tokenCalls('collection')).toBe(1);
    clock.advance(2000);
    await momo.verify(id!, PAY.reference);
    expect(stub.tokenCalls('collection')).toBe(2);
    stub.revokeTokens();
    await expect(momo.verify(id!, PAY.reference)).resolves.toMatchObject({ status: 'pending' });
    expect(stub.tokenCalls('collection')).toBe(3);
  });

  it('maps the status: PENDING, SUCCESSFUL, FAILED with its reason, unknown id, other reference', async () => {
    const { providerTransactionId: id } = await momo.collect(PAY);
    expect(await momo.verify(id!, 'TF0001')).toEqual({
      status: 'pending',
      providerTransactionId: null,
      amount: 5000,
      reason: null,
    });
    stub.setOutcome(id!, 'SUCCESSFUL');
    const ok = await momo.verify(id!, 'TF0001');
    expect(ok).toMatchObject({ status: 'success', amount: 5000, reason: null });
    expect(ok.providerTransactionId).toBe(stub.transactions.get(id!)!.financialTransactionId);
    stub.setOutcome(id!, { status: 'FAILED', reason: 'APPROVAL_REJECTED' });
    expect(await momo.verify(id!, 'TF0001')).toMatchObject({ status: 'failed', reason: 'APPROVAL_REJECTED' });
    expect(await momo.verify(id!, 'TF9999')).toMatchObject({
      status: 'failed',
      reason: 'REFERENCE_MISMATCH',
    });
    const unknown = '0b9d2c4e-8f1a-4c3b-9e7d-6a5b4c3d2e1f';
    expect(await momo.verify(unknown, 'TF0001')).toMatchObject({ status: 'failed', reason: 'NOT_FOUND' });
  });

  it('pays out through disbursements (own token and key, payee, no callback) and reads the transfer', async () => {
    const { providerTransactionId: id } = await momo.payout({ ...PAY, reference: 'TF0100', amount: 12500 });
    expect(stub.tokenCalls('disbursement')).toBe(1);
    expect(stub.tokenCalls('collection')).toBe(0);
    const [sent] = stub.received('/disbursement/v1_0/transfer');
    expect(sent.headers['ocp-apim-subscription-key']).toBe(MOMO.disbursementKey);
    expect(sent.headers['x-reference-id']).toBe(id);
    expect(sent.headers['x-callback-url']).toBeUndefined();
    expect(sent.body).toMatchObject({
      amount: '12500',
      payee: { partyIdType: 'MSISDN', partyId: '2290197000001' },
    });
    expect(await momo.verifyPayout(id!, 'TF0100')).toMatchObject({ status: 'pending', amount: 12500 });
    stub.setOutcome(id!, { status: 'FAILED', reason: 'NOT_ENOUGH_FUNDS' });
    expect(await momo.verifyPayout(id!, 'TF0100')).toMatchObject({
      status: 'failed',
      reason: 'NOT_ENOUGH_FUNDS',
    });
    expect(await momo.verify(id!, 'TF0100')).toMatchObject({ reason: 'NOT_FOUND' }); // not a collection
  });

  it('reports a refusal (4xx) as a plain error, and 5xx, hangs and no server as ProviderUnavailable', async () => {
    const refused = momo.collect({ ...PAY, phone: '+229ABC' });
    await expect(refused).rejects.toThrow(/refused.*INVALID_BODY/);
    await expect(refused).rejects.not.toBeInstanceOf(ProviderUnavailable);
    stub.failNext(1); // the token call
    await expect(momo.collect(PAY)).rejects.toBeInstanceOf(ProviderUnavailable);
    const { providerTransactionId: id } = await momo.collect(PAY);
    stub.failNext(1);
    await expect(momo.verify(id!, PAY.reference)).rejects.toBeInstanceOf(ProviderUnavailable);
    stub.failNext(1, 'hang');
    const started = Date.now();
    await expect(momo.verify(id!, PAY.reference)).rejects.toThrow(/no answer within 150 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
    await stub.close();
    await expect(momo.verify(id!, PAY.reference)).rejects.toBeInstanceOf(ProviderUnavailable);
  });

  it('has no refund, and never logs keys, tokens or full phone numbers', async () => {
    expect(momo.capabilities).toEqual({
      requestToPay: true,
      paymentLink: false,
      payout: true,
      refund: false,
      chosenId: true,
    });
    await expect(momo.refund('x')).rejects.toThrow(/no refund/);
    const { providerTransactionId: id } = await momo.collect(PAY);
    await momo.payout(PAY);
    stub.setOutcome(id!, 'SUCCESSFUL');
    await momo.verify(id!, PAY.reference);
    const text = logs.text();
    expect(text).toContain('requesttopay');
    const basic = Buffer.from(`${MOMO.apiUser}:${MOMO.apiKey}`).toString('base64');
    for (const secret of [MOMO.apiKey, MOMO.collectionKey, MOMO.disbursementKey, basic, '2290197000001']) {
      expect(text).not.toContain(secret);
    }
    for (const r of stub.requests) expect(text).not.toContain(header(r, 'authorization')!.split(' ')[1]);
  });
});

describe('createProvider', () => {
  it('builds the adapter PAYMENT_PROVIDER names, the simulator by default in demo mode', () => {
    const deps = { clock: new ManualClock(), logger: silentLogger() };
    const momoEnv = {
      MOMO_API_USER: 'u',
      MOMO_API_KEY: 'k',
      MOMO_COLLECTION_KEY: 'c',
      MOMO_DISBURSEMENT_KEY: 'd',
    };
    const kkiaEnv = { KKIAPAY_PUBLIC_KEY: 'p', KKIAPAY_PRIVATE_KEY: 'r', KKIAPAY_SECRET_KEY: 's' };
    const providers = [
      createProvider(config({}), deps),
      createProvider(config({ PAYMENT_PROVIDER: 'momo', ...momoEnv }), deps),
      createProvider(config({ PAYMENT_PROVIDER: 'kkiapay', ...kkiaEnv }), deps),
    ];
    expect(providers.map((p) => p.name)).toEqual(['simulator', 'momo', 'kkiapay']);
    for (const p of providers) p.close();
  });
});
