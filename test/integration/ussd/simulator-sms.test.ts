import { SmsOutboxEntry } from '../../../src/notifications/entities';
import type { OutboxMessage } from '../../../src/notifications/outbox';
import { ConsoleSmsSender } from '../../../src/notifications/sms';
import { createLogger } from '../../../src/infra/logger';
import { startTestApp, type TestApp } from '../../helpers/app';
import { phone } from '../../helpers/factories';

/**
 * GET /simulator/sms: the SMS a number received, for the web phone. Demo mode with the console sender
 * only; it shows the text as the console sender delivered it (the outbox row may keep it masked).
 */
interface Listed {
  id: number;
  kind: string;
  status: string;
  created_at: string;
  text: string;
}

const info = (to: string, body: string): OutboxMessage => ({ to, kind: 'info', lang: 'fr', body });

async function queue(t: TestApp, ...messages: OutboxMessage[]): Promise<void> {
  for (const msg of messages) await t.deps.outbox.queue(t.deps.db.manager, msg);
  await t.inbox.drain(); // the worker sent them (through the console sender here)
}

describe('GET /simulator/sms outside demo mode', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ DEMO_MODE: 'false' }, { sms: 'provider' });
  });
  afterAll(() => t.close());

  it('is not mounted (404), while the web phone itself is served', async () => {
    const to = phone();
    await queue(t, info(to, 'Bonjour'));
    const res = await t.request.get('/simulator/sms').query({ phone: to });
    expect(res.status).toBe(404);
    expect(res.type).toBe('application/problem+json');
    expect((await t.request.get('/simulator')).status).toBe(200);
  });
});

describe('GET /simulator/sms in demo mode with the Africa’s Talking sender', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      DEMO_MODE: 'true',
      SMS_PROVIDER: 'africastalking',
      AT_USERNAME: 'sandbox',
      AT_API_KEY: 'at-api-key-not-used',
    });
  });
  afterAll(() => t.close());

  it('is not mounted (404): real phones get the SMS', async () => {
    expect((await t.request.get('/simulator/sms').query({ phone: phone() })).status).toBe(404);
  });
});

describe('GET /simulator/sms in demo mode with the console sender', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ DEMO_MODE: 'true' }, { sms: 'provider' });
  });
  afterAll(() => t.close());

  const list = async (number: string): Promise<Listed[]> => {
    const res = await t.request.get('/simulator/sms').query({ phone: number });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    return res.body as Listed[];
  };

  it('lists that phone’s SMS only, newest first, as delivered', async () => {
    expect(t.deps.sms).toBeInstanceOf(ConsoleSmsSender);
    const mine = phone();
    const other = phone();
    await queue(
      t,
      info(mine, 'Premier message'),
      info(other, 'Pas pour vous'),
      info(mine, 'Deuxieme message'),
    );

    const listed = await list(mine);
    expect(listed).toEqual([
      {
        id: expect.any(Number),
        kind: 'info',
        status: 'sent',
        created_at: expect.any(String),
        text: 'Deuxieme message',
      },
      {
        id: expect.any(Number),
        kind: 'info',
        status: 'sent',
        created_at: expect.any(String),
        text: 'Premier message',
      },
    ]);
    expect(listed[0].id).toBeGreaterThan(listed[1].id);
    expect(new Date(listed[0].created_at).toISOString()).toBe(listed[0].created_at);
    expect((await list(other)).map((m) => m.text)).toEqual(['Pas pour vous']);
    expect(await list(phone())).toEqual([]);
  });

  it('shows the text the console sender delivered, not the stored body (one-time codes are masked there)', async () => {
    const to = phone();
    await queue(t, {
      to,
      kind: 'otp',
      lang: 'fr',
      template: 'signup_code',
      params: { code: '482913', minutes: 5 },
    });
    const [row] = await t.deps.db.manager.find(SmsOutboxEntry, { where: { toPhone: to } });
    expect(row.providerMessageId).toMatch(/^console-/);
    // What the outbox keeps of a one-time code: the code masked.
    await t.deps.db.manager.update(
      SmsOutboxEntry,
      { id: row.id },
      { body: 'TontiFlex: votre code est ******' },
    );

    const [listed] = await list(to);
    expect(listed).toMatchObject({ id: row.id, kind: 'otp', status: 'sent' });
    expect(listed.text).toContain('482913');
    expect(listed.text).toMatch(/^TontiFlex: votre code de verification est 482913\./);
  });

  it('shows the stored body of a row the sender does not know (sent by another process, or not yet)', async () => {
    const to = phone();
    const now = t.clock.now();
    const base = {
      toPhone: to,
      kind: 'info' as const,
      segments: 1,
      encoding: 'GSM-7' as const,
      cost: null,
      attempts: 1,
      failureReason: null,
      lang: 'fr',
      createdAt: now,
      updatedAt: now,
      deliveredAt: null,
    };
    await t.deps.db.manager.insert(SmsOutboxEntry, [
      {
        ...base,
        body: 'Envoye ailleurs',
        status: 'sent',
        providerMessageId: 'console-elsewhere',
        dedupeKey: `sim:${to}:1`,
        sentAt: now,
      },
      {
        ...base,
        body: 'Pas encore parti',
        status: 'failed',
        providerMessageId: null,
        dedupeKey: `sim:${to}:2`,
        sentAt: null,
      },
    ]);
    expect((await list(to)).map((m) => [m.status, m.text])).toEqual([
      ['failed', 'Pas encore parti'],
      ['sent', 'Envoye ailleurs'],
    ]);
  });

  it('keeps to the last 20, and reads the number in any format', async () => {
    const to = phone();
    await queue(t, ...Array.from({ length: 23 }, (_, i) => info(to, `Message ${i + 1}`)));
    const listed = await list(to.replace('+229', ''));
    expect(listed).toHaveLength(20);
    expect(listed[0].text).toBe('Message 23');
    expect(listed[19].text).toBe('Message 4');
  });

  it('answers 400 for a missing or invalid number', async () => {
    expect((await t.request.get('/simulator/sms')).status).toBe(400);
    const res = await t.request.get('/simulator/sms').query({ phone: '12' });
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/problem+json');
  });
});

describe('ConsoleSmsSender memory', () => {
  it('is bounded per phone and in phones, the oldest dropped first', async () => {
    const sender = new ConsoleSmsSender(createLogger('silent'), { perPhone: 2, phones: 2 });
    const send = (to: string, body: string) => sender.send({ to, body, kind: 'info' });
    const a1 = await send('+22901970000a', 'a1');
    const a2 = await send('+22901970000a', 'a2');
    const a3 = await send('+22901970000a', 'a3');
    expect(sender.deliveredText('+22901970000a', a1.messageId)).toBeUndefined();
    expect(sender.deliveredText('+22901970000a', a2.messageId)).toBe('a2');
    expect(sender.deliveredText('+22901970000a', a3.messageId)).toBe('a3');
    expect(sender.deliveredText('+22901970000b', a3.messageId)).toBeUndefined();

    const b1 = await send('+22901970000b', 'b1');
    await send('+22901970000a', 'a4'); // a is the most recent phone again
    const c1 = await send('+22901970000c', 'c1'); // b, the least recent, is dropped
    expect(sender.deliveredText('+22901970000b', b1.messageId)).toBeUndefined();
    expect(sender.deliveredText('+22901970000a', a3.messageId)).toBe('a3');
    expect(sender.deliveredText('+22901970000c', c1.messageId)).toBe('c1');
  });
});
