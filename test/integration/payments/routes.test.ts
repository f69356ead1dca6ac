/**
 * The payments' HTTP surface itself: the pay page a KKiaPay link opens, the callbacks' refusals, and
 * what GET /api/schema says about the payment routes (the answers' schemas are checked against every
 * answer in tests by route.ts; here, that the document carries them).
 */
import { paymentLinkKey, signPaymentLink } from '../../../src/payments/payment-link';
import { startTestApp, type TestApp } from '../../helpers/app';
import { expectProblem } from '../../helpers/problem';

const MINUTE = 60_000;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PAYMENT_PROVIDER: 'simulator', KKIAPAY_PUBLIC_KEY: 'pk_public_1234' });
});
afterAll(() => t.close());

const link = (reference: string, amount: number, ttlMs?: number) =>
  signPaymentLink({ reference, amount, phone: '+2290197000001' }, paymentLinkKey(t.config), t.clock, ttlMs);

describe('GET /pay/:token', () => {
  it("shows the amount and the reference, and opens KKiaPay's widget for exactly that payment", async () => {
    const res = await t.request.get(`/pay/${link('TFDE250106090000A1B2C3D4E5', 1_250_000)}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain(
      "script-src 'self' 'unsafe-inline' https://cdn.kkiapay.me",
    );
    expect(res.text).toContain('Paiement de <strong>1 250 000 FCFA</strong>');
    expect(res.text).toContain('Reference TFDE250106090000A1B2C3D4E5');
    expect(res.text).toContain('openKkiapayWidget({ amount: 1250000, key: "pk_public_1234"');
    expect(res.text).toContain('phone: "2290197000001"');
    expect(res.text).toContain('partnerId: "TFDE250106090000A1B2C3D4E5"');
  });

  it('answers an expired link 410 with a page saying so, and a forged or mangled one 404', async () => {
    const expiring = link('TFDE250106090000A1B2C3D4E6', 5000, MINUTE);
    t.clock.advance(MINUTE + 1000);
    const expired = await t.request.get(`/pay/${expiring}`);
    expect(expired.status).toBe(410);
    expect(expired.headers['content-type']).toMatch(/^text\/html/);
    expect(expired.text).toContain('Ce lien de paiement a expire.');

    const good = link('TFDE250106090000A1B2C3D4E7', 5000);
    const [payload, mac] = good.split('.');
    const other = link('TFDE250106090000A1B2C3D4E7', 50, MINUTE).split('.')[0];
    for (const token of [`${other}.${mac}`, `${payload}.${mac}x`, payload, `${good}.x`]) {
      const res = await t.request.get(`/pay/${token}`);
      expectProblem(res, 404, 'not-found');
    }
    expect((await t.request.get(`/pay/${good}`)).status).toBe(200);
  });
});

describe('payment callbacks refuse what they cannot use', () => {
  it('checks the KKiaPay secret before reading the body, then answers a bad body 400', async () => {
    const secret = t.config.PAYMENT_WEBHOOK_SECRET;
    const unsigned = await t.request
      .post('/api/payments/webhook/')
      .set('Content-Type', 'application/json')
      .send('{"transactionId": ');
    expectProblem(unsigned, 401, 'unauthorized');
    const malformed = await t.request
      .post('/api/payments/webhook/')
      .set('x-kkiapay-secret', secret)
      .set('Content-Type', 'application/json')
      .send('{"transactionId": ');
    expectProblem(malformed, 400, 'bad-request');
    const missing = await t.request
      .post('/api/payments/webhook/')
      .set('x-kkiapay-secret', secret)
      .send({ partnerId: 'TFDE250106090000A1B2C3D4E5' });
    expectProblem(missing, 400, 'validation');
    expect(Object.keys(missing.body.errors as object)).toEqual(['transactionId']);
  });

  it('answers a MoMo callback without externalId 400, by POST or PUT, and other methods 405', async () => {
    for (const method of ['post', 'put'] as const) {
      const res = await t.request[method]('/api/payments/webhook/momo/').send({ status: 'SUCCESSFUL' });
      expectProblem(res, 400, 'validation');
      expect(Object.keys(res.body.errors as object)).toEqual(['externalId']);
    }
    expectProblem(await t.request.get('/api/payments/webhook/momo/'), 405, 'method-not-allowed');
  });
});

describe('GET /api/schema', () => {
  interface Operation {
    security?: Record<string, string[]>[];
    responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
  }
  let doc: {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> };
  };
  beforeAll(async () => {
    const res = await t.request.get('/api/schema/');
    expect(res.status).toBe(200);
    doc = res.body as typeof doc;
  });

  it('documents every payment route with its security and its answer', () => {
    const op = (path: string, method: string) => doc.paths[path]?.[method];
    const bearer = [{ bearerAuth: [] }];
    expect(op('/api/payments/transactions/', 'get')?.security).toEqual(bearer);
    expect(op('/api/payments/initiate/', 'post')?.security).toEqual(bearer);
    expect(op('/api/payments/check-status/', 'post')?.security).toEqual(bearer);
    expect(op('/api/payments/sandbox-test/', 'post')?.security).toEqual(bearer);
    expect(op('/api/payments/webhook/', 'post')?.security).toEqual([{ kkiapaySecret: [] }]);
    expect(op('/api/payments/webhook/momo/', 'post')?.security).toEqual([]);
    expect(op('/api/payments/webhook/momo/', 'put')?.security).toEqual([]);
    expect(op('/pay/{token}', 'get')?.security).toEqual([]);
    expect(op('/pay/{token}', 'get')?.responses['200'].content).toHaveProperty('text/html');
    expect(Object.keys(op('/pay/{token}', 'get')?.responses ?? {}).sort()).toEqual(['200', '404', '410']);
    for (const path of ['/api/payments/initiate/', '/api/payments/check-status/']) {
      const answer = Object.values(op(path, 'post')?.responses ?? {})[0];
      expect(answer.content?.['application/json']?.schema?.$ref).toBe('#/components/schemas/Payment');
    }
    expect(Object.keys(op('/api/payments/initiate/', 'post')?.responses ?? {}).sort()).toEqual([
      '201',
      '400',
      '401',
      '404',
      '502',
      '503',
    ]);
  });

  it('has one Payment schema, every field required', () => {
    const payment = doc.components.schemas.Payment;
    const fields = [
      'id',
      'reference',
      'provider',
      'provider_transaction_id',
      'type',
      'direction',
      'amount',
      'phone',
      'status',
      'purpose',
      'purpose_ref',
      'sfd_id',
      'client_id',
      'initiated_by',
      'payment_url',
      'failure_reason',
      'created_at',
      'completed_at',
    ];
    expect(Object.keys(payment.properties ?? {}).sort()).toEqual([...fields].sort());
    expect([...(payment.required ?? [])].sort()).toEqual([...fields].sort());
  });
});
