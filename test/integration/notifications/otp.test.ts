import { createHash, createHmac } from 'node:crypto';
import { User, type Sfd } from '../../../src/accounts/entities';
import { Problem } from '../../../src/http/errors';
import { OtpService } from '../../../src/notifications/otp';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, phone } from '../../helpers/factories';

let t: TestApp;
let otp: OtpService;
let sfd: Sfd;
let seq = 0;
const subject = () => `+22901${String(40_000_000 + ++seq).padStart(8, '0')}`;
const other = (code: string) => (code === '000000' ? '111111' : '000000');
const minutes = (n: number) => t.clock.advance(n * 60_000);

beforeAll(async () => {
  t = await startTestApp();
  otp = new OtpService(t.deps);
  sfd = await makeSfd(t, 'OTP');
});
afterAll(() => t.close());

/** The 429 a send refused, with its Retry-After in seconds. */
async function refusedSend(send: Promise<unknown>): Promise<number> {
  const err = await send.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Problem);
  expect((err as Problem).status).toBe(429);
  return Number((err as Problem).headers['Retry-After']);
}

describe('the settings', () => {
  it('default to the spec: valid 5 minutes, 60 s between two sends', () => {
    expect(t.config.OTP_TTL_S).toBe(300);
    expect(t.config.OTP_RESEND_DELAY_S).toBe(60);
  });
});

describe('a one-time code', () => {
  it('is 6 digits, works once, and is valid 5 minutes by the clock', async () => {
    const who = subject();
    const code = await otp.issue('test', who);
    expect(code).toMatch(/^\d{6}$/);
    minutes(5);
    t.clock.advance(-1000);
    expect(await otp.isPending('test', who)).toBe(true);
    expect(await otp.check('test', who, code)).toBe('ok');
    expect(await otp.check('test', who, code)).toBe('expired');

    const late = subject();
    const stale = await otp.issue('test', late);
    minutes(5);
    expect(await otp.isPending('test', late)).toBe(false);
    expect(await otp.check('test', late, stale)).toBe('expired');
  });

  it('allows 3 attempts: the 3rd wrong code burns it, the right one is then refused', async () => {
    const who = subject();
    const code = await otp.issue('test', who);
    expect(await otp.check('test', who, other(code))).toBe('wrong');
    expect(await otp.check('test', who, other(code))).toBe('wrong');
    expect(await otp.isPending('test', who)).toBe(true);
    expect(await otp.check('test', who, other(code))).toBe('expired');
    expect(await otp.isPending('test', who)).toBe(false);
    expect(await otp.check('test', who, code)).toBe('expired');
  });

  it('gives parallel guesses no more than 3 tries, and the right code wins once', async () => {
    const who = subject();
    const code = await otp.issue('test', who);
    const guesses = await Promise.all(Array.from({ length: 12 }, () => otp.check('test', who, other(code))));
    expect(guesses.filter((g) => g === 'wrong')).toHaveLength(2);
    expect(guesses.filter((g) => g === 'expired')).toHaveLength(10);
    expect(await otp.check('test', who, code)).toBe('expired');

    const twice = subject();
    const right = await otp.issue('test', twice);
    const uses = await Promise.all(Array.from({ length: 5 }, () => otp.check('test', twice, right)));
    expect(uses.filter((u) => u === 'ok')).toHaveLength(1);
  });

  it('is never stored in clear: only an HMAC under the server secret', async () => {
    const who = subject();
    const code = await otp.issue('test', who);
    const raw = await t.deps.kv.get(`otp:test:${who}`);
    expect(raw).not.toBeNull();
    const stored = JSON.parse(raw as string) as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual(['expiresAt', 'hash', 'id', 'sentAt']);
    expect(Object.values(stored).map(String)).not.toContain(code);
    expect(raw).not.toContain(`"${code}"`);
    const hmac = createHmac('sha256', t.config.JWT_SECRET).update(`test:${who}:${code}`).digest('hex');
    expect(stored.hash).toBe(hmac);
    expect(stored.hash).not.toBe(createHash('sha256').update(code).digest('hex'));
  });
});

describe('sending codes', () => {
  it('waits 60 s between two sends while the first code is live; a new code gets fresh attempts', async () => {
    const who = subject();
    const first = await otp.issue('test', who);
    expect(await refusedSend(otp.issue('test', who))).toBe(60);
    t.clock.advance(45_000);
    expect(await otp.resendIn('test', who)).toBe(15);
    expect(await refusedSend(otp.issue('test', who))).toBe(15);
    expect(await otp.check('test', who, other(first))).toBe('wrong');
    expect(await otp.check('test', who, other(first))).toBe('wrong');
    t.clock.advance(15_000);
    const second = await otp.issue('test', who);
    expect(await otp.check('test', who, other(second))).toBe('wrong');
    if (first !== second) expect(await otp.check('test', who, first)).toBe('wrong'); // replaced
    expect(await otp.check('test', who, second)).toBe('ok');
  });

  it('lets a code used or burned be replaced at once', async () => {
    const who = subject();
    expect(await otp.verify('test', who, await otp.issue('test', who))).toBe(true);
    const again = await otp.issue('test', who);
    for (let i = 0; i < 3; i++) await otp.check('test', who, other(again));
    await expect(otp.issue('test', who)).resolves.toMatch(/^\d{6}$/);
  });

  it('sends at most 5 codes an hour per purpose and subject', async () => {
    const who = subject();
    for (let i = 0; i < 5; i++) {
      await otp.issue('test', who);
      minutes(1);
    }
    expect(await refusedSend(otp.issue('test', who))).toBeGreaterThan(60);
    await expect(otp.issue('other-purpose', who)).resolves.toMatch(/^\d{6}$/);
  });
});

describe('through the API and USSD', () => {
  const signup = (number: string, firstName = 'Awa') =>
    t.request
      .post('/api/accounts/signup/')
      .send({ phone: number, first_name: firstName, last_name: 'Houngbo', sfd_id: sfd.id, pin: '5820' });

  it('answers a sign-up sent again too soon with 429 problem+json and Retry-After, details untouched', async () => {
    const number = phone();
    expect((await signup(number)).status).toBe(202);
    const again = await signup(number, 'Changed');
    expect(again.status).toBe(429);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.headers['retry-after']).toBe('60');
    expect(again.body).toMatchObject({ status: 429, type: expect.stringMatching(/too-many-requests$/) });
    expect((await t.inbox.to(number)).length).toBe(1);
    // No account exists before the code is verified.
    expect(await t.deps.db.manager.findOneBy(User, { phone: number })).toBeNull();

    minutes(1);
    const later = await signup(number, 'Changed');
    expect(later.status).toBe(202);
    const code = await t.inbox.lastCode(number);
    expect((await t.inbox.to(number)).length).toBe(2);
    const ok = await t.request.post('/api/accounts/signup/verify/').send({ phone: number, code });
    expect(ok.status).toBe(200);
    expect(ok.body.user.first_name).toBe('Changed');
  });

  it('answers the 6th sign-up code of the hour with 429 and a Retry-After of up to an hour', async () => {
    const number = phone();
    for (let i = 0; i < 5; i++) {
      expect((await signup(number)).status).toBe(202);
      minutes(1);
    }
    const capped = await signup(number);
    expect(capped.status).toBe(429);
    expect(Number(capped.headers['retry-after'])).toBeGreaterThan(60);
    expect(Number(capped.headers['retry-after'])).toBeLessThanOrEqual(3600);
  });

  it('keeps the live PIN-reset code when a client asks again within the delay: one SMS, first code valid', async () => {
    const client = await makeUser(t, 'client', sfd);
    const clients = t.accounts.clients;
    await clients.sendResetCode(client.id);
    const code = await t.inbox.lastCode(client.phone);
    await clients.sendResetCode(client.id);
    expect((await t.inbox.to(client.phone)).filter((m) => m.kind === 'otp')).toHaveLength(1);
    expect(await clients.verifyResetCode(client.id, code)).toBe('ok');
  });
});
