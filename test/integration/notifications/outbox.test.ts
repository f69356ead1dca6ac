import { encrypt } from '../../../src/infra/crypto';
import { SmsOptOut, SmsOutboxEntry } from '../../../src/notifications/entities';
import type { OutboxMessage } from '../../../src/notifications/outbox';
import { startTestApp, type TestApp } from '../../helpers/app';
import { AfricasTalkingStub } from '../../helpers/stubs/africastalking-stub';
import { sleep } from '../../helpers/stubs/provider-kit';

/**
 * The outbox end to end: business transactions write rows, the delivery worker (BullMQ on Redis, or
 * the in-process queue with TEST_EMBEDDED=1) sends them through the real Africa's Talking adapter and
 * SDK to a local stub of the SMS API.
 */
const AT = { username: 'tontiflex', apiKey: 'at-api-key-very-secret' };
const BACKOFF_MS = 40;

function atEnv(base: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SMS_PROVIDER: 'africastalking',
    AT_USERNAME: AT.username,
    AT_API_KEY: AT.apiKey,
    AT_SENDER_ID: 'TONTIFLEX',
    AT_BASE_URL: base,
    PROVIDER_TIMEOUT_MS: '300',
    SMS_BACKOFF_MS: String(BACKOFF_MS),
    SMS_MAX_ATTEMPTS: '5',
    ...extra,
  };
}

let phoneSeq = 0;
/** A number of its own per test, so the stub's records can be read per test. */
const newPhone = () => `+22901970${String(++phoneSeq).padStart(5, '0')}`;

function otp(to: string, extra: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    to,
    kind: 'otp',
    lang: 'fr',
    template: 'signup_code',
    params: { minutes: 5 },
    secret: { code: '482913' },
    ...extra,
  } as OutboxMessage;
}

describe("SMS outbox and delivery worker, against the Africa's Talking stub", () => {
  let stub: AfricasTalkingStub;
  let t: TestApp;

  beforeAll(async () => {
    stub = new AfricasTalkingStub(AT);
    t = await startTestApp(atEnv(await stub.start()), { sms: 'provider' });
  });
  afterAll(async () => {
    await t.close();
    await stub.close();
  });

  const requestsTo = (to: string) =>
    stub.requests.filter((r) => new URLSearchParams(String(r.body)).get('to') === to);
  const rowsTo = (to: string) =>
    t.deps.db.manager.find(SmsOutboxEntry, { where: { toPhone: to }, order: { id: 'ASC' } });
  const queueInTransaction = (msg: OutboxMessage) =>
    t.deps.db.transaction((manager) => t.deps.outbox.queue(manager, msg));

  /** A queued row written straight to the table: no job is handed to the queue for it. */
  const insertQueued = (to: string, kind: SmsOutboxEntry['kind']) =>
    t.deps.db.manager.insert(SmsOutboxEntry, {
      toPhone: to,
      body: 'TontiFlex: test',
      kind,
      status: 'queued',
      providerMessageId: null,
      segments: 1,
      encoding: 'GSM-7',
      cost: null,
      attempts: 0,
      dedupeKey: `test:${to}:${kind}`,
      failureReason: null,
      lang: 'fr',
      createdAt: t.clock.now(),
      updatedAt: t.clock.now(),
      sentAt: null,
      deliveredAt: null,
    });

  /** The row once it left `queued`. */
  async function settled(to: string, ms = 10_000): Promise<SmsOutboxEntry> {
    const until = Date.now() + ms;
    for (;;) {
      const [row] = await rowsTo(to);
      if (row && row.status !== 'queued') return row;
      if (Date.now() > until) throw new Error(`SMS to ${to} still ${row?.status ?? 'absent'} after ${ms} ms`);
      await sleep(10);
    }
  }

  it('queues in the transaction, sends after the commit and records the provider receipt', async () => {
    const to = newPhone();
    expect(await queueInTransaction(otp(to))).toBe(true);
    const row = await settled(to);
    expect(row).toMatchObject({
      status: 'sent',
      attempts: 1,
      kind: 'otp',
      lang: 'fr',
      cost: 'XOF 25.0000',
      encoding: 'GSM-7',
      segments: 1,
      failureReason: null,
    });
    expect(row.sentAt).toBeInstanceOf(Date);
    const [sent] = stub.sentTo(to);
    expect(sent).toMatchObject({ from: 'TONTIFLEX', message: row.body.replace('******', '482913') });
    expect(sent.message).toMatch(/^TontiFlex: votre code de verification est 482913\./);
    expect(row.providerMessageId).toBe(sent.messageId);
  });

  it('stores a secret param masked and sealed, sends it in clear, and blanks the seal once sent', async () => {
    const to = newPhone();
    await t.deps.db.transaction(async (manager) => {
      await t.deps.outbox.queue(manager, otp(to));
      // Before the commit: what a backup taken while the SMS waits would hold.
      const [queued] = await manager.findBy(SmsOutboxEntry, { toPhone: to });
      expect(queued).toMatchObject({
        status: 'queued',
        template: 'signup_code',
        params: JSON.stringify({ minutes: 5 }),
        secretParamsEnc: expect.stringMatching(/^v1\./),
      });
      expect(queued.body).toMatch(
        /^TontiFlex: votre code de verification est \*{6}\. Il expire dans 5 minutes/,
      );
      expect(JSON.stringify(queued)).not.toContain('482913');
    });
    const row = await settled(to);
    expect(row).toMatchObject({ status: 'sent', secretParamsEnc: null, template: 'signup_code' });
    const [sent] = stub.sentTo(to);
    // Measured on the masked text, which is exactly as long as the one sent.
    expect(sent.message).toHaveLength(row.body.length);
    expect(sent.message).toContain('est 482913.');
  });

  it('refuses a secret param that would not measure like its mask', async () => {
    const to = newPhone();
    await expect(queueInTransaction(otp(to, { secret: { code: '48 29' } }))).rejects.toThrow(
      /secret SMS param 'code' must be letters and digits/,
    );
    expect(await rowsTo(to)).toEqual([]);
  });

  it('fails a row whose secret params no longer open (another key) without sending it', async () => {
    const to = newPhone();
    await queueInTransaction(otp(to, { dedupeKey: `test:${to}:unreadable` }));
    await settled(to);
    // The same row, sealed under a key that is not the server's (DOCUMENT_KEY changed since).
    const [row] = await rowsTo(to);
    await t.deps.db.manager.update(
      SmsOutboxEntry,
      { id: row.id },
      { status: 'queued', attempts: 0, secretParamsEnc: encrypt('{"code":"482913"}', 'cd'.repeat(32)) },
    );
    await t.notifications.delivery.deliver({ id: row.id });
    expect(await rowsTo(to)).toMatchObject([
      { status: 'failed', failureReason: 'SecretUnreadable', secretParamsEnc: null, attempts: 0 },
    ]);
    expect(stub.sentTo(to)).toHaveLength(1); // the first send only
  });

  it('expires a code still queued past OTP_TTL_S: failed, seal blanked, never sent', async () => {
    const late = newPhone();
    const lost = newPhone();
    await queueInTransaction(otp(late, { dedupeKey: `test:${late}:late` }));
    await settled(late);
    // Two rows of a code whose time ran out in the queue: one whose job comes late, one whose job was lost.
    const reseal = async (to: string) => {
      const [row] = await rowsTo(to);
      await t.deps.db.manager.update(
        SmsOutboxEntry,
        { id: row.id },
        { status: 'queued', attempts: 0, secretParamsEnc: 'v1.sealed', createdAt: t.clock.now() },
      );
      return row.id;
    };
    const lateId = await reseal(late);
    await queueInTransaction(otp(lost, { dedupeKey: `test:${lost}:lost` }));
    await settled(lost);
    await reseal(lost);
    t.clock.advance(t.config.OTP_TTL_S * 1000 + 1000);
    await t.notifications.delivery.deliver({ id: lateId });
    await t.notifications.delivery.sweep();
    for (const to of [late, lost]) {
      expect(await rowsTo(to)).toMatchObject([
        { status: 'failed', failureReason: 'Expired', secretParamsEnc: null, attempts: 0 },
      ]);
      expect(stub.sentTo(to)).toHaveLength(1); // the first send only
    }
  });

  it('retries a server error with backoff, then sends: 3 attempts, one SMS', async () => {
    const to = newPhone();
    stub.failNext(2, 'error');
    await queueInTransaction(otp(to));
    const row = await settled(to);
    expect(row).toMatchObject({ status: 'sent', attempts: 3, failureReason: null });
    const tries = requestsTo(to);
    expect(tries).toHaveLength(3);
    expect(stub.sentTo(to)).toHaveLength(1);
    // Exponential: the second wait is at least twice the first backoff.
    expect(tries[1].at - tries[0].at).toBeGreaterThanOrEqual(BACKOFF_MS - 5);
    expect(tries[2].at - tries[1].at).toBeGreaterThanOrEqual(2 * BACKOFF_MS - 5);
  });

  it('retries a provider that does not answer (timeout)', async () => {
    const to = newPhone();
    stub.failNext(1, 'hang');
    await queueInTransaction(otp(to));
    expect(await settled(to)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('marks a refused number (403 InvalidPhoneNumber) failed at once, without retrying', async () => {
    const to = newPhone();
    stub.statusFor(to, 403);
    await queueInTransaction(otp(to));
    expect(await settled(to)).toMatchObject({
      status: 'failed',
      attempts: 1,
      failureReason: 'InvalidPhoneNumber',
      sentAt: null,
      secretParamsEnc: null,
    });
    await sleep(BACKOFF_MS * 8); // long enough for any retry to have happened
    expect(requestsTo(to)).toHaveLength(1);
  });

  it('marks a request refused whole (InvalidSenderId) rejected, without retrying', async () => {
    const to = newPhone();
    stub.refuseRequestNext(1, 'InvalidSenderId');
    await queueInTransaction(otp(to));
    expect(await settled(to)).toMatchObject({
      status: 'rejected',
      attempts: 1,
      failureReason: 'InvalidSenderId',
      secretParamsEnc: null,
    });
    await sleep(BACKOFF_MS * 8);
    expect(requestsTo(to)).toHaveLength(1);
  });

  it('gives up after SMS_MAX_ATTEMPTS server errors: failed, with the last reason', async () => {
    const to = newPhone();
    stub.failNext(5, 'error');
    await queueInTransaction(otp(to));
    expect(await settled(to)).toMatchObject({
      status: 'failed',
      attempts: 5,
      failureReason: 'HTTP 500',
      secretParamsEnc: null,
    });
    expect(requestsTo(to)).toHaveLength(5);
  });

  it('queues a dedupe key once: the second transaction queues nothing, one SMS leaves', async () => {
    const to = newPhone();
    const msg = otp(to, { dedupeKey: `test:${to}:once` });
    expect(await queueInTransaction(msg)).toBe(true);
    expect(await queueInTransaction(msg)).toBe(false);
    await settled(to);
    // Even once the first is sent, the key stays used.
    expect(await queueInTransaction(msg)).toBe(false);
    await sleep(100);
    expect(await rowsTo(to)).toHaveLength(1);
    expect(requestsTo(to)).toHaveLength(1);
  });

  it('queues nothing from a transaction that rolls back', async () => {
    const to = newPhone();
    await expect(
      t.deps.db.transaction(async (manager) => {
        await t.deps.outbox.queue(manager, otp(to));
        throw new Error('business rule broken');
      }),
    ).rejects.toThrow('business rule broken');
    // A later commit must not hand over what the rolled-back one had queued.
    const other = newPhone();
    await queueInTransaction(otp(other));
    await settled(other);
    await sleep(100);
    expect(await rowsTo(to)).toEqual([]);
    expect(requestsTo(to)).toEqual([]);
  });

  it('sends at once what is queued outside a transaction', async () => {
    const to = newPhone();
    expect(await t.deps.outbox.queue(t.deps.db.manager, otp(to, { lang: 'en' }))).toBe(true);
    const row = await settled(to);
    expect(row).toMatchObject({ status: 'sent', lang: 'en' });
    expect(row.body).toMatch(/^TontiFlex: your verification code is \*{6}\./);
    expect(stub.sentTo(to)[0].message).toMatch(/^TontiFlex: your verification code is 482913\./);
  });

  it('folds a raw body to GSM-7 and records its encoding and segments', async () => {
    const to = newPhone();
    const body = `Reçu : dépôt de 10 000 FCFA (≈ 15 €) – « merci » ${'x'.repeat(130)}`;
    await queueInTransaction({ to, kind: 'info', lang: 'fr', body });
    const row = await settled(to);
    expect(row).toMatchObject({ status: 'sent', encoding: 'GSM-7', segments: 2 });
    expect(row.body).toMatch(/^Recu : dépot de 10 000 FCFA \(\? 15 €\) - " merci " x+$/);
    expect(stub.sentTo(to)[0].message).toBe(row.body);
  });

  it('refuses a template that does not exist rather than sending its key', async () => {
    const to = newPhone();
    await expect(queueInTransaction(otp(to, { template: 'no_such_template' }))).rejects.toThrow(
      /no SMS template 'no_such_template'/,
    );
    expect(await rowsTo(to)).toEqual([]);
  });

  it('the sweeper hands over a row whose job was lost, and the worker never sends a row twice', async () => {
    const to = newPhone();
    // A row committed by a process that died before handing it to the queue.
    await insertQueued(to, 'info');
    expect(await t.notifications.delivery.sweep()).toBe(0); // too young: its job may still be coming
    t.clock.advance(61_000);
    expect(await t.notifications.delivery.sweep()).toBeGreaterThanOrEqual(1);
    const row = await settled(to);
    expect(row.status).toBe('sent');
    // A late duplicate job (or a sweep racing the worker) finds the row done and sends nothing.
    await t.notifications.delivery.deliver({ id: row.id });
    expect(await t.notifications.delivery.sweep()).toBe(0);
    await sleep(100);
    expect(requestsTo(to)).toHaveLength(1);
  });

  it('the sweeper hands a lost reminder over with its low priority, a lost code without one', async () => {
    const [codeTo, reminderTo] = [newPhone(), newPhone()];
    await insertQueued(reminderTo, 'reminder'); // the older: the sweep takes it first
    await insertQueued(codeTo, 'otp');
    t.clock.advance(61_000);
    const addBulk = jest.spyOn(t.deps.queue, 'addBulk');
    try {
      await t.notifications.delivery.sweep();
      const jobs = addBulk.mock.calls.flatMap(([added]) => added);
      const priorityOf = async (to: string) => {
        const [row] = await rowsTo(to);
        const job = jobs.find((j) => (j.data as { id: number }).id === row.id);
        expect(job).toBeDefined();
        return job?.opts?.priority;
      };
      // Reminders run after every other SMS waiting: a code must not queue behind 100,000 of them.
      expect(await priorityOf(reminderTo)).toBe(10);
      expect(await priorityOf(codeTo)).toBeUndefined();
    } finally {
      addBulk.mockRestore();
    }
    expect((await settled(codeTo)).status).toBe('sent');
    expect((await settled(reminderTo)).status).toBe('sent');
  });

  it('does not send a reminder queued before its phone answered STOP; a code to it still goes', async () => {
    const to = newPhone();
    // Queued and committed, its job not run yet (reminders wait behind every other SMS).
    await insertQueued(to, 'reminder');
    await t.deps.db.manager.insert(SmsOptOut, { phone: to, createdAt: t.clock.now() });
    const [reminder] = await rowsTo(to);
    await t.notifications.delivery.deliver({ id: reminder.id });
    expect(await rowsTo(to)).toMatchObject([{ status: 'failed', failureReason: 'OptedOut', attempts: 0 }]);

    await queueInTransaction(otp(to));
    for (let i = 0; i < 500 && (await rowsTo(to)).at(-1)?.status === 'queued'; i++) await sleep(10);
    expect((await rowsTo(to)).map((r) => r.status)).toEqual(['failed', 'sent']);
    expect(requestsTo(to)).toHaveLength(1); // the code only
  });
});

describe('SMS delivery rate limit', () => {
  let stub: AfricasTalkingStub;
  let t: TestApp;

  beforeAll(async () => {
    stub = new AfricasTalkingStub(AT);
    t = await startTestApp(atEnv(await stub.start(), { SMS_RATE_PER_S: '2' }), { sms: 'provider' });
  });
  afterAll(async () => {
    await t.close();
    await stub.close();
  });

  it('sends at most SMS_RATE_PER_S a second: 6 messages at 2/s span at least 2 s at the provider', async () => {
    await t.deps.db.transaction(async (manager) => {
      for (let i = 0; i < 6; i++) await t.deps.outbox.queue(manager, otp(newPhone()));
    });
    const until = Date.now() + 15_000;
    while (stub.messages.length < 6 && Date.now() < until) await sleep(20);
    expect(stub.messages).toHaveLength(6);
    const times = stub.requests.map((r) => r.at).sort((a, b) => a - b);
    // The limiter's window runs on the queue's clock (Redis for BullMQ), the stub stamps arrivals: a
    // margin of a fifth of a window (without the limit all six would arrive within milliseconds).
    for (let i = 2; i < times.length; i++) expect(times[i] - times[i - 2]).toBeGreaterThanOrEqual(800);
    expect(times[5] - times[0]).toBeGreaterThanOrEqual(1600);
  });
});
