import { randomBytes } from 'node:crypto';
import { maskPhone } from '../../../src/infra/logger';
import { SmsOptOut, SmsOutboxEntry } from '../../../src/notifications/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { phone } from '../../helpers/factories';
import { appWithLogs } from '../../helpers/logs';

/**
 * Africa's Talking's SMS callbacks answer 200 `OK` to a body they cannot use, whatever is wrong with
 * it (AT retries anything else, for nothing), and log one warning saying why. The API's own parser
 * would have answered 400 or 413 problem+json before the route.
 */
let t: TestApp;
let logs: ReturnType<typeof appWithLogs>;

beforeAll(async () => {
  t = await startTestApp({ BODY_LIMIT: '1kb' });
  logs = appWithLogs(t);
});
afterAll(() => t.close());

const PATHS = ['/sms/delivery-reports', '/sms/inbound'] as const;
const counts = async () => ({
  outbox: await t.deps.db.manager.count(SmsOutboxEntry),
  optOuts: await t.deps.db.manager.count(SmsOptOut),
});

type Req = ReturnType<TestApp['request']['post']>;
const from = phone();
const MALFORMED: [string, (r: Req) => Req, RegExp][] = [
  [
    'invalid JSON',
    (r) => r.set('Content-Type', 'application/json').send(`{"from": "${from}", "text": "ARRET", `),
    /^invalid JSON$/,
  ],
  ['a JSON array', (r) => r.send([{ from, text: 'ARRET' }]), /^not a JSON object$/],
  [
    'a form over BODY_LIMIT',
    (r) =>
      r.type('form').send({ from, text: `ARRET ${'x'.repeat(2048)}`, id: 'ATXid_big', status: 'Success' }),
    /^body unreadable \(entity\.too\.large\)$/,
  ],
  [
    'JSON over BODY_LIMIT',
    (r) => r.send({ from, text: `ARRET ${'x'.repeat(2048)}`, id: 'ATXid_big', status: 'Success' }),
    /^body unreadable \(entity\.too\.large\)$/,
  ],
  [
    'another content type',
    (r) => r.set('Content-Type', 'text/plain').send(`from=${encodeURIComponent(from)}&text=ARRET`),
    /^unsupported content type$/,
  ],
  ['binary (application/octet-stream)', (r) => r.send(randomBytes(256)), /^unsupported content type$/],
  [
    'binary posted as a form',
    // As the bytes they are (superagent would otherwise encode the Buffer as a form of its own).
    (r) =>
      r
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .serialize((bytes: Buffer) => bytes as unknown as string) // node sends a Buffer as is
        .send(Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xc3]), randomBytes(256)])),
    /^missing or invalid fields$/,
  ],
  [
    'missing fields',
    (r) => r.type('form').send({ text: 'ARRET', networkCode: '61603' }),
    /^missing or invalid fields$/,
  ],
  ['an empty body', (r) => r.type('form').send(''), /^missing or invalid fields$/],
];

describe.each(PATHS)('POST %s with a body it cannot use', (path) => {
  it.each(MALFORMED)('%s: 200 OK text/plain, nothing changes, one warning', async (_, send, reason) => {
    const before = await counts();
    const res = await send(logs.request.post(path));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('OK');
    expect(await counts()).toEqual(before);
    expect(logs.warnings(res.headers['x-request-id'])).toEqual([
      expect.objectContaining({
        reason: expect.stringMatching(reason),
        msg: expect.stringMatching(/malformed$/),
      }),
    ]);
  });
});

describe('the warning of a malformed callback', () => {
  it('names the missing fields, and the phone masked', async () => {
    const res = await logs.request
      .post('/sms/inbound')
      .type('form')
      .send({ from, text: ['a', 'b'] });
    expect(res.status).toBe(200);
    const [warning, ...more] = logs.warnings(res.headers['x-request-id']);
    expect(more).toEqual([]);
    expect(warning).toMatchObject({ fields: ['text'], phone: maskPhone(from) });
    expect(JSON.stringify(warning)).not.toContain(from);

    const dlr = await logs.request
      .post('/sms/delivery-reports')
      .type('form')
      .send({ phoneNumber: from, status: 'Success' });
    expect(logs.warnings(dlr.headers['x-request-id'])).toEqual([
      expect.objectContaining({ fields: ['id'], phone: maskPhone(from) }),
    ]);
  });

  it('the API keeps its own parser: malformed JSON elsewhere is still 400 problem+json', async () => {
    const res = await t.request
      .post('/api/accounts/login')
      .set('Content-Type', 'application/json')
      .send('{"email": ');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
