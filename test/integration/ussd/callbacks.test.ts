import { maskPhone } from '../../../src/infra/logger';
import { UssdSessionLog } from '../../../src/ussd/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { phone } from '../../helpers/factories';
import { appWithLogs } from '../../helpers/logs';

/**
 * Africa's Talking needs HTTP 200, text/plain, `CON …` or `END …` whatever it posts to /ussd (an HTTP
 * error ends the session with an error on the phone). Whatever is wrong with a callback, it is answered
 * END and leaves exactly one warning saying why.
 */
const FAILED = 'END Une erreur est survenue. Reessayez plus tard.';
const TOKEN = 'at-callback-secret';

let t: TestApp;
let logged: ReturnType<typeof appWithLogs>;

beforeAll(async () => {
  t = await startTestApp({ USSD_CALLBACK_TOKEN: TOKEN, BODY_LIMIT: '4kb' });
  logged = appWithLogs(t);
});
afterAll(() => t.close());

const form = (fields: Record<string, string> = {}) =>
  new URLSearchParams({
    sessionId: 'ATUid_cb',
    serviceCode: '*123#',
    phoneNumber: '+2290197000001',
    networkCode: '61603',
    text: '',
    ...fields,
  }).toString();

type Req = ReturnType<typeof logged.request.post>;

/** Posts to /ussd and checks the answer is the END Africa's Talking can relay, and its one warning. */
async function refused(send: (req: Req) => Req, reason: string, phoneNumber?: string) {
  logged.warnings();
  const res = await send(logged.request.post('/ussd'));
  expect({ status: res.status, type: res.headers['content-type'], text: res.text }).toEqual({
    status: 200,
    type: expect.stringMatching(/^text\/plain/),
    text: FAILED,
  });
  const warnings = logged.warnings();
  expect(warnings).toEqual([expect.objectContaining({ reason })]);
  expect(warnings[0].phone).toBe(phoneNumber === undefined ? undefined : maskPhone(phoneNumber));
  expect(JSON.stringify(warnings)).not.toContain('0197000001');
}

const withToken = (req: Req) => req.query({ token: TOKEN });
/** Sends bytes as they are (superagent would serialize a Buffer of a form type as a form). */
const bytes = (req: Req, body: Buffer) =>
  req.serialize(((b: Buffer) => b) as unknown as (o: unknown) => string).send(body);

describe('POST /ussd answers 200 text/plain END to anything', () => {
  it('serves a good callback (the baseline)', async () => {
    const res = await withToken(logged.request.post('/ussd')).type('form').send(form());
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^CON /);
    expect(logged.warnings()).toEqual([]);
  });

  it('a missing or wrong callback token', async () => {
    await refused((r) => r.type('form').send(form()), 'token');
    await refused((r) => r.query({ token: 'wrong-secret' }).type('form').send(form()), 'token');
    await refused((r) => r.set('X-Callback-Token', 'wrong-secret').type('form').send(form()), 'token');
    // The header is as good as the query.
    const res = await logged.request.post('/ussd').set('X-Callback-Token', TOKEN).type('form').send(form());
    expect(res.text).toMatch(/^CON /);
  });

  it('a body over BODY_LIMIT, announced or streamed', async () => {
    const big = form({ text: '1'.repeat(8192) });
    await refused((r) => withToken(r).type('form').send(big), 'body_too_large');
    const chunked = (r: Req) => {
      withToken(r).type('form');
      r.write(big.slice(0, 3000));
      r.write(big.slice(3000));
      return r;
    };
    await refused(chunked, 'body_too_large');
  });

  it('another content type, or none', async () => {
    const fields = Object.fromEntries(new URLSearchParams(form()));
    await refused((r) => withToken(r).type('json').send(fields), 'content_type');
    await refused((r) => withToken(r).type('text/plain').send(form()), 'content_type');
    await refused((r) => withToken(r).type('multipart/form-data; boundary=x').send('--x--'), 'content_type');
    await refused((r) => withToken(r).send(), 'content_type');
    await refused(
      (r) =>
        withToken(r)
          .type('application/octet-stream')
          .send(Buffer.from([0, 1, 2, 255])),
      'content_type',
    );
  });

  it('a form that does not decode', async () => {
    const gzipped = (r: Req) =>
      withToken(r).type('form').set('Content-Encoding', 'gzip').send('not gzip at all');
    await refused(gzipped, 'malformed_body');
    await refused(
      (r) => withToken(r).type('form').set('Content-Encoding', 'br-x').send(form()),
      'malformed_body',
    );
    expect(logged.warnings()).toEqual([]);
  });

  it('invalid fields: missing, too long, repeated', async () => {
    const number = phone();
    await refused((r) => withToken(r).type('form').send({ text: '1' }), 'invalid_fields');
    await refused(
      (r) =>
        withToken(r)
          .type('form')
          .send(form({ phoneNumber: number, sessionId: '' })),
      'invalid_fields',
      number,
    );
    await refused(
      (r) =>
        withToken(r)
          .type('form')
          .send(form({ phoneNumber: number, text: '1'.repeat(2001) })),
      'invalid_fields',
      number,
    );
    await refused(
      (r) =>
        withToken(r)
          .type('form')
          .send(`${form({ phoneNumber: number })}&sessionId=again`),
      'invalid_fields',
      number,
    );
    // Bytes that are not UTF-8, or broken %-escapes, reach the fields as replacement characters.
    const res = await bytes(
      withToken(logged.request.post('/ussd')).type('form'),
      Buffer.concat([
        Buffer.from(`${form({ sessionId: 'ATUid_bytes' })}&x=`),
        Buffer.from([0xc3, 0x28, 0xff]),
      ]),
    );
    expect(res.text).toMatch(/^CON /);
    const escapes = await withToken(logged.request.post('/ussd'))
      .type('form')
      .send(form({ sessionId: 'ATUid_esc' }).replace('text=', 'text=%E0%A4%A'));
    // A first hop with a text is a dial string: one no menu takes is refused on the opening screen.
    expect(escapes.text).toMatch(/^CON Choix invalide\.\nBienvenue sur TontiFlex/);
  });

  it('keeps problem+json on the API', async () => {
    const api = await logged.request.post('/api/accounts/login/').send('x'.repeat(8192));
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('POST /ussd/events', () => {
  const ended = { sessionId: 'ATUid_events', phoneNumber: '+2290197000001', status: 'Success' };
  const logRows = () => t.deps.db.manager.count(UssdSessionLog, { where: { sessionId: ended.sessionId } });

  it('refuses a missing token with 403 and one warning', async () => {
    logged.warnings();
    const res = await logged.request.post('/ussd/events').type('form').send(ended);
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(logged.warnings()).toEqual([expect.objectContaining({ reason: 'token' })]);
    expect(await logRows()).toBe(0);
  });

  it.each([
    ['invalid JSON', (req: Req) => req.type('json').send('{"sessionId":'), 'invalid JSON'],
    [
      'a body over BODY_LIMIT',
      (req: Req) => req.type('form').send(form({ text: 'x'.repeat(8192) })),
      undefined,
    ],
    [
      'another content type',
      (req: Req) => req.type('text/plain').send('sessionId=x'),
      'unsupported content type',
    ],
    ['missing fields', (req: Req) => req.type('form').send({ status: 'Success' }), 'invalid_fields'],
  ])('answers 200 OK to %s, records nothing, and leaves one warning', async (_, send, reason) => {
    logged.warnings();
    const res = await send(withToken(logged.request.post('/ussd/events')));
    expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: 'OK' });
    const warnings = logged.warnings();
    expect(warnings).toEqual([expect.objectContaining({ reason: reason ?? expect.any(String) })]);
    expect(await logRows()).toBe(0);
  });

  it('records a well-formed notification', async () => {
    const res = await withToken(logged.request.post('/ussd/events')).type('form').send(ended);
    expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: 'OK' });
    expect(logged.warnings()).toEqual([]);
    expect(await logRows()).toBe(1);
  });
});
