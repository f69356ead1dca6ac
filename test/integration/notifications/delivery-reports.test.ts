import { SmsOutboxEntry } from '../../../src/notifications/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { AfricasTalkingStub } from '../../helpers/stubs/africastalking-stub';
import { sleep } from '../../helpers/stubs/provider-kit';

/**
 * POST /sms/delivery-reports end to end: an SMS queued in the outbox, sent by the worker through the real
 * Africa's Talking adapter to the AT stub (which gives the messageId), then AT's reports about it.
 */
const AT = { username: 'tontiflex', apiKey: 'at-api-key-very-secret' };

let phoneSeq = 0;
const newPhone = () => `+22901971${String(++phoneSeq).padStart(5, '0')}`;

describe('POST /sms/delivery-reports', () => {
  let stub: AfricasTalkingStub;
  let t: TestApp;

  beforeAll(async () => {
    stub = new AfricasTalkingStub(AT);
    const base = await stub.start();
    t = await startTestApp(
      {
        SMS_PROVIDER: 'africastalking',
        AT_USERNAME: AT.username,
        AT_API_KEY: AT.apiKey,
        AT_BASE_URL: base,
        PROVIDER_TIMEOUT_MS: '500',
      },
      { sms: 'provider' },
    );
  });
  afterAll(async () => {
    await t.close();
    await stub.close();
  });

  const row = (id: number) => t.deps.db.manager.findOneByOrFail(SmsOutboxEntry, { id });

  /** Queues an SMS and waits until the worker sent it to the stub: the row, now `sent`, with AT's id. */
  async function sentSms(): Promise<SmsOutboxEntry> {
    const to = newPhone();
    await t.deps.db.transaction((m) =>
      t.deps.outbox.queue(m, { to, kind: 'receipt', lang: 'fr', body: 'TontiFlex: test de rapport' }),
    );
    const until = Date.now() + 10_000;
    for (;;) {
      const found = await t.deps.db.manager.findOneBy(SmsOutboxEntry, { toPhone: to });
      if (found && found.status !== 'queued') {
        expect(found.status).toBe('sent');
        expect(found.providerMessageId).toBe(stub.sentTo(to)[0].messageId);
        return found;
      }
      if (Date.now() > until) throw new Error(`SMS to ${to} not sent`);
      await sleep(10);
    }
  }

  /** A report as AT posts it (form-encoded). */
  const report = (sms: SmsOutboxEntry, status: string, extra: Record<string, string> = {}) =>
    t.request
      .post('/sms/delivery-reports')
      .type('form')
      .send({
        id: sms.providerMessageId!,
        phoneNumber: sms.toPhone,
        status,
        networkCode: '61603',
        retryCount: '0',
        ...extra,
      });

  it('Success: the row is delivered, with the time', async () => {
    const sms = await sentSms();
    t.clock.advance(4_000);
    const res = await report(sms, 'Success');
    expect(res.status).toBe(200);
    expect(res.text).toBe('OK');
    const after = await row(sms.id);
    expect(after).toMatchObject({ status: 'delivered', failureReason: null });
    expect(after.deliveredAt?.getTime()).toBe(t.clock.now().getTime());
    expect(after.sentAt).toEqual(sms.sentAt);
  });

  it('Failed with a reason: the row is failed with it', async () => {
    const sms = await sentSms();
    await report(sms, 'Buffered').expect(200); // on its way: nothing to change
    expect((await row(sms.id)).status).toBe('sent');
    await report(sms, 'Failed', { failureReason: 'UserInBlackList', retryCount: '3' }).expect(200);
    expect(await row(sms.id)).toMatchObject({
      status: 'failed',
      failureReason: 'UserInBlackList',
      deliveredAt: null,
    });
  });

  it('Rejected → rejected; AbsentSubscriber and Expired are failures that name themselves', async () => {
    const rejected = await sentSms();
    await report(rejected, 'Rejected', { failureReason: 'DoNotDisturbRejection' }).expect(200);
    expect(await row(rejected.id)).toMatchObject({
      status: 'rejected',
      failureReason: 'DoNotDisturbRejection',
    });
    const absent = await sentSms();
    await report(absent, 'AbsentSubscriber').expect(200);
    expect(await row(absent.id)).toMatchObject({ status: 'failed', failureReason: 'AbsentSubscriber' });
  });

  it('never moves a row backwards: a late Sent, or a Failed, after Success changes nothing', async () => {
    const sms = await sentSms();
    await report(sms, 'Success').expect(200);
    const delivered = await row(sms.id);
    t.clock.advance(60_000);
    await report(sms, 'Sent').expect(200);
    await report(sms, 'Submitted').expect(200);
    await report(sms, 'Failed', { failureReason: 'DeliveryFailure' }).expect(200);
    await report(sms, 'Success').expect(200); // a repeat keeps the first delivery time
    expect(await row(sms.id)).toEqual(delivered);
  });

  it('an unknown id, an unknown status or a malformed report: 200, and no row changes', async () => {
    const sms = await sentSms();
    const before = await t.deps.db.manager.find(SmsOutboxEntry, { order: { id: 'ASC' } });
    await t.request
      .post('/sms/delivery-reports')
      .type('form')
      .send({ id: 'ATXid_unknown', phoneNumber: sms.toPhone, status: 'Success' })
      .expect(200);
    await report(sms, 'Teleported').expect(200);
    await t.request.post('/sms/delivery-reports').type('form').send({ status: 'Success' }).expect(200);
    await t.request.post('/sms/delivery-reports').type('form').send('').expect(200);
    expect(await t.deps.db.manager.find(SmsOutboxEntry, { order: { id: 'ASC' } })).toEqual(before);
  });

  it('reports that outrun the answer to the send are applied once the worker stored the id', async () => {
    const to = newPhone();
    stub.beforeAnswer = async (accepted) => {
      const message = accepted.find((m) => m.to === to);
      if (!message) return;
      stub.beforeAnswer = null;
      // AT posts its reports (out of order) before the worker has the message id to match them.
      for (const status of ['Success', 'Sent']) {
        await t.request
          .post('/sms/delivery-reports')
          .type('form')
          .send({ id: message.messageId!, phoneNumber: to, status, networkCode: '61603', retryCount: '0' })
          .expect(200);
      }
      const [queued] = await t.deps.db.manager.findBy(SmsOutboxEntry, { toPhone: to });
      expect(queued).toMatchObject({ status: 'queued', providerMessageId: null });
    };
    await t.deps.db.transaction((m) =>
      t.deps.outbox.queue(m, { to, kind: 'receipt', lang: 'fr', body: 'TontiFlex: rapport en avance' }),
    );
    const until = Date.now() + 10_000;
    let sms = await t.deps.db.manager.findOneByOrFail(SmsOutboxEntry, { toPhone: to });
    while (sms.status !== 'delivered' && Date.now() < until) {
      await sleep(10);
      sms = await t.deps.db.manager.findOneByOrFail(SmsOutboxEntry, { toPhone: to });
    }
    expect(stub.beforeAnswer).toBeNull(); // the reports did go first
    expect(sms).toMatchObject({ status: 'delivered', providerMessageId: stub.sentTo(to)[0].messageId });
    expect(sms.deliveredAt).not.toBeNull();
  });

  it('accepts a JSON report too', async () => {
    const sms = await sentSms();
    const res = await t.request
      .post('/sms/delivery-reports')
      .send({ id: sms.providerMessageId, status: 'Success', networkCode: 61603, retryCount: 0 });
    expect(res.status).toBe(200);
    expect((await row(sms.id)).status).toBe('delivered');
  });
});

describe('AT_CALLBACK_TOKEN on the SMS callbacks', () => {
  let t: TestApp;
  const TOKEN = 'at-sms-callback-secret';

  beforeAll(async () => {
    t = await startTestApp({ AT_CALLBACK_TOKEN: TOKEN });
  });
  afterAll(() => t.close());

  it.each(['/sms/delivery-reports', '/sms/inbound'])(
    '%s: 403 problem+json without it or with a wrong one',
    async (path) => {
      const body = { id: 'ATXid_x', status: 'Success', from: '+2290197000001', text: 'AIDE' };
      for (const req of [
        t.request.post(path).type('form').send(body),
        t.request.post(`${path}?token=wrong-token-value`).type('form').send(body),
        t.request.post(path).set('X-Callback-Token', 'wrong').type('form').send(body),
      ]) {
        const res = await req;
        expect(res.status).toBe(403);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 403, type: expect.stringMatching(/forbidden$/) });
      }
      expect(await t.deps.db.manager.count(SmsOutboxEntry)).toBe(0);
    },
  );

  it('answers with the token in the query or in X-Callback-Token', async () => {
    const from = '+2290197000002';
    await t.request
      .post(`/sms/inbound?token=${TOKEN}`)
      .type('form')
      .send({ from, text: 'AIDE', id: 'ATXid_tok1' })
      .expect(200);
    await t.request
      .post('/sms/inbound')
      .set('X-Callback-Token', TOKEN)
      .type('form')
      .send({ from, text: 'HELP', id: 'ATXid_tok2' })
      .expect(200);
    await t.request
      .post(`/sms/delivery-reports?token=${TOKEN}`)
      .type('form')
      .send({ id: 'ATXid_nobody', status: 'Success' })
      .expect(200);
    expect(await t.inbox.to(from)).toHaveLength(2);
  });
});
