import { randomBytes, randomUUID } from 'node:crypto';
import { SmsOutboxEntry } from '../../../src/notifications/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { AfricasTalkingStub } from '../../helpers/stubs/africastalking-stub';
import { appWithLogs } from '../../helpers/logs';
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

  let logs: ReturnType<typeof appWithLogs>;

  beforeAll(async () => {
    t = await startTestApp({ AT_CALLBACK_TOKEN: TOKEN });
    logs = appWithLogs(t);
  });
  afterAll(() => t.close());

  it.each(['/sms/delivery-reports', '/sms/inbound'])(
    '%s: 403 problem+json without it or with a wrong one',
    async (path) => {
      const body = { id: 'ATXid_x', status: 'Success', from: '+2290197000001', text: 'AIDE' };
      for (const req of [
        logs.request.post(path).type('form').send(body),
        logs.request.post(`${path}?token=wrong-token-value`).type('form').send(body),
        logs.request.post(path).set('X-Callback-Token', 'wrong').type('form').send(body),
      ]) {
        const res = await req;
        expect(res.status).toBe(403);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 403, type: expect.stringMatching(/forbidden$/) });
        // One warning per refusal, saying why, without the token that was tried.
        const warnings = logs.warnings(res.headers['x-request-id']);
        expect(warnings).toEqual([
          expect.objectContaining({
            path,
            reason: 'missing or wrong AT_CALLBACK_TOKEN',
            msg: 'SMS callback refused',
          }),
        ]);
        expect(JSON.stringify(warnings)).not.toMatch(/wrong-token-value/);
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

describe('delivery reports for ids we do not know (yet)', () => {
  let t: TestApp;
  let logs: ReturnType<typeof appWithLogs>;
  const LIMIT = 3;

  beforeAll(async () => {
    t = await startTestApp({ DLR_HOLD_PER_MINUTE: String(LIMIT) });
    logs = appWithLogs(t);
  });
  afterAll(() => t.close());

  const atId = () => `ATXid_${randomBytes(16).toString('hex')}`;
  const heldFor = (id: string) => t.deps.kv.get(`sms:dlr:${id}:delivered`);
  const success = (id: string) =>
    logs.request
      .post('/sms/delivery-reports')
      .type('form')
      .send({ id, phoneNumber: '+2290197000001', status: 'Success', networkCode: '61603', retryCount: '0' });

  it("holds only Africa's Talking's ids; anything else is answered 200, logged and forgotten", async () => {
    const real = atId();
    expect((await success(real)).status).toBe(200);
    expect(JSON.parse((await heldFor(real))!)).toMatchObject({ id: real, status: 'Success' });

    for (const id of [
      `console-${randomUUID()}`, // our console sender's: never sent through AT, never matched later
      randomUUID(),
      'ATXid_', // the prefix alone
      `ATXid_${'a'.repeat(65)}`,
      'ATXid_../../etc',
      `x${atId()}`,
    ]) {
      const res = await success(id);
      expect(res.status).toBe(200);
      expect(res.text).toBe('OK');
      expect(await heldFor(id)).toBeNull();
      expect(logs.warnings(res.headers['x-request-id'])).toEqual([
        expect.objectContaining({ dlr: expect.objectContaining({ id, outcome: 'ignored' }) }),
      ]);
    }
  });

  it(`holds at most DLR_HOLD_PER_MINUTE (${LIMIT}) a minute; beyond, 200 and dropped`, async () => {
    t.clock.advance(60_000); // a fresh minute, whatever the test before held
    const ids = Array.from({ length: LIMIT + 2 }, atId);
    const answers = [];
    for (const id of ids) answers.push(await success(id));
    expect(answers.map((r) => r.status)).toEqual(ids.map(() => 200));
    const held = await Promise.all(ids.map(heldFor));
    expect(held.map((v) => v !== null)).toEqual([true, true, true, false, false]);
    for (const res of answers.slice(LIMIT)) {
      expect(logs.warnings(res.headers['x-request-id'])).toEqual([
        expect.objectContaining({
          dlr: expect.objectContaining({ outcome: 'dropped' }),
          msg: expect.stringMatching(/DLR_HOLD_PER_MINUTE/),
        }),
      ]);
    }

    // The next minute holds again.
    t.clock.advance(60_000);
    const later = atId();
    await success(later).expect(200);
    expect(await heldFor(later)).not.toBeNull();
  });
});
