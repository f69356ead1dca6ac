import { randomUUID } from 'node:crypto';
import type { Sfd, User } from '../../../src/accounts/entities';
import { SmsOptOut, SmsOutboxEntry } from '../../../src/notifications/entities';
import { INBOUND_REPLIES_PER_HOUR } from '../../../src/notifications/inbound';
import { maskPhone } from '../../../src/infra/logger';
import { ensureAccount, post, sfdAccount } from '../../../src/ledger/service';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, phone } from '../../helpers/factories';
import { appWithLogs } from '../../helpers/logs';

/**
 * POST /sms/inbound end to end: Africa's Talking's form, the keyword, the answer queued in the outbox
 * and sent by the worker to the test inbox, the opt-out table.
 */
let t: TestApp;
let sfd: Sfd;
let seq = 0;
let logs: ReturnType<typeof appWithLogs>;

beforeAll(async () => {
  t = await startTestApp();
  logs = appWithLogs(t);
  sfd = await makeSfd(t, 'INB');
});
afterAll(() => t.close());

const atId = () => `ATXid_${randomUUID().replace(/-/g, '')}`;

/** One incoming SMS, as AT posts it (form-encoded). */
function inbound(from: string, text: string, id = atId()) {
  return logs.request.post('/sms/inbound').type('form').send({
    from,
    to: '12345',
    text,
    date: '2025-12-05 10:15:42',
    id,
    linkId: randomUUID(),
    networkCode: '61603',
  });
}

/** A client account in the ledger with money on it, posted like a real deposit. */
async function account(owner: User, kind: string, amount: number): Promise<string> {
  const code = `${kind}:${owner.id}${++seq}`;
  const at = t.clock.now();
  await ensureAccount(t.deps.db.manager, {
    code,
    kind,
    sfdId: sfd.id,
    ownerId: owner.id,
    mayGoNegative: false,
    at,
  });
  await t.deps.db.transaction((m) =>
    post(m, {
      key: `test:inbound:${code}`,
      kind: 'deposit',
      lines: [
        { account: sfdAccount(sfd.id, 'mobile-money'), amount: -amount },
        { account: code, amount },
      ],
      sfdId: sfd.id,
      at,
    }),
  );
  return code;
}

const optedOut = async (p: string) => (await t.deps.db.manager.countBy(SmsOptOut, { phone: p })) === 1;

describe('POST /sms/inbound', () => {
  it('SOLDE: the client gets their balances from the ledger, in French, on their own number', async () => {
    const client = await makeUser(t, 'client', sfd);
    const savings = await account(client, 'savings', 12_500);
    const tontine = await account(client, 'participant', 3_000);
    const other = await makeUser(t, 'client', sfd);
    await account(other, 'savings', 777_777);

    const res = await inbound(client.phone, 'SOLDE');
    expect(res.status).toBe(200);
    const [sms, ...more] = await t.inbox.to(client.phone);
    expect(more).toEqual([]);
    expect(sms.kind).toBe('info');
    expect(sms.body).toBe(
      `TontiFlex: vos soldes: Epargne ${savings.split(':')[1]}: 12 500 FCFA; ` +
        `Tontine ${tontine.split(':')[1]}: 3 000 FCFA. Detail: composez *123#.`,
    );
    expect(sms.body).not.toContain('777 777');
    expect(await t.inbox.to(other.phone)).toEqual([]);
  });

  it('BALANCE: an English-speaking client is answered in English', async () => {
    const client = await makeUser(t, 'client', sfd, { language: 'en' });
    await account(client, 'savings', 1_250_000);
    await inbound(client.phone, 'balance please');
    const [sms] = await t.inbox.to(client.phone);
    expect(sms.body).toMatch(
      /^TontiFlex: your balances: Savings \d+: 1 250 000 FCFA\. Details: dial \*123#\.$/,
    );
  });

  it("the client's language wins over the keyword's", async () => {
    const client = await makeUser(t, 'client', sfd, { language: 'fr' });
    await account(client, 'savings', 500);
    await inbound(client.phone, 'BALANCE');
    expect((await t.inbox.to(client.phone))[0].body).toMatch(/^TontiFlex: vos soldes: Epargne \d+: 500 FCFA/);
  });

  it('a client without any account yet is told so', async () => {
    const client = await makeUser(t, 'client', sfd);
    await inbound(client.phone, 'Solde');
    const [sms] = await t.inbox.to(client.phone);
    expect(sms.body).toMatch(/^TontiFlex: vous n'avez encore aucun compte/);
    expect(sms.body).toContain('*123#');
  });

  it('SOLDE from an unknown number or a staff member: "not registered, dial the code", no balances', async () => {
    const stranger = phone();
    await inbound(stranger, 'SOLDE');
    const agent = await makeUser(t, 'agent_sfd', sfd);
    await account(agent, 'savings', 9_000); // even an account of theirs is not a client's
    await inbound(agent.phone, 'SOLDE');
    const english = phone();
    await inbound(english, 'BALANCE');

    const [toStranger] = await t.inbox.to(stranger);
    expect(toStranger.body).toBe(
      "TontiFlex: ce numero n'est pas enregistre. Composez *123# pour vous inscrire.",
    );
    const [toAgent] = await t.inbox.to(agent.phone);
    expect(toAgent.body).toBe(toStranger.body);
    expect(toAgent.body).not.toMatch(/FCFA|9 000/);
    // An unknown number gets the keyword's language.
    expect((await t.inbox.to(english))[0].body).toBe(
      'TontiFlex: this number is not registered. Dial *123# to sign up.',
    );
  });

  it('a suspended client is not given balances', async () => {
    const client = await makeUser(t, 'client', sfd, { status: 'suspended' });
    await account(client, 'savings', 4_000);
    await inbound(client.phone, 'SOLDE');
    const [sms] = await t.inbox.to(client.phone);
    expect(sms.body).toBe('TontiFlex: votre compte est suspendu. Contactez votre agence.');
  });

  it('STOP then START: the opt-out row comes and goes; both answers are sent (kind info)', async () => {
    const client = await makeUser(t, 'client', sfd, { language: 'en' });
    await inbound(client.phone, 'STOP');
    expect(await optedOut(client.phone)).toBe(true);
    await inbound(client.phone, 'STOP'); // again: still one row, another confirmation
    expect(await optedOut(client.phone)).toBe(true);
    await inbound(client.phone, 'START');
    expect(await optedOut(client.phone)).toBe(false);

    const sms = await t.inbox.to(client.phone);
    expect(sms.map((m) => m.kind)).toEqual(['info', 'info', 'info']);
    expect(sms[0].body).toMatch(/^TontiFlex: you will no longer receive SMS reminders\./);
    expect(sms[2].body).toBe('TontiFlex: SMS reminders are back on. Send STOP to stop them.');
  });

  it.each([' arrêt ', 'Arret', 'ARRÊT svp', 'stop', 'Stop!', '  STOP  '])(
    'reads %j as STOP (case, accents, spaces, punctuation)',
    async (text) => {
      const p = phone();
      await inbound(p, text);
      expect(await optedOut(p)).toBe(true);
      const [sms] = await t.inbox.to(p);
      // An unknown number: ARRET speaks French, STOP English.
      expect(sms.body).toMatch(
        /arr/i.test(text) ? /^TontiFlex: vous ne recevrez plus/ : /^TontiFlex: you will/,
      );
    },
  );

  it.each(['reprise', ' Réprise ', 'START'])('reads %j as START', async (text) => {
    const p = phone();
    await inbound(p, 'ARRET');
    await inbound(p, text);
    expect(await optedOut(p)).toBe(false);
  });

  it('the same AT message id twice (a retried callback) gives one answer and one change', async () => {
    const client = await makeUser(t, 'client', sfd);
    await account(client, 'savings', 2_000);
    const id = atId();
    const answers = await Promise.all([
      inbound(client.phone, 'SOLDE', id),
      inbound(client.phone, 'SOLDE', id),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    await inbound(client.phone, 'SOLDE', id);
    expect(await t.inbox.to(client.phone)).toHaveLength(1);
    expect(await t.deps.db.manager.countBy(SmsOutboxEntry, { dedupeKey: `inbound:${id}:reply` })).toBe(1);

    // A late retry of an old STOP must not undo the START sent after it.
    const stop = atId();
    await inbound(client.phone, 'STOP', stop);
    await inbound(client.phone, 'REPRISE');
    await inbound(client.phone, 'STOP', stop);
    expect(await optedOut(client.phone)).toBe(false);
    expect(await t.inbox.to(client.phone)).toHaveLength(3);
  });

  it('anything else gets the help with the USSD code, in French for an unknown number', async () => {
    const stranger = phone();
    await inbound(stranger, 'Bonjour, je veux un pret');
    await inbound(stranger, '');
    const client = await makeUser(t, 'client', sfd, { language: 'en' });
    await inbound(client.phone, 'hello');
    await inbound(client.phone, 'HELP');

    const [first, second] = await t.inbox.to(stranger);
    expect(first.body).toMatch(/^TontiFlex: composez \*123# pour vos comptes\. Par SMS: SOLDE/);
    expect(second.body).toBe(first.body);
    const [hello, help] = await t.inbox.to(client.phone);
    expect(hello.body).toMatch(/^TontiFlex: dial \*123# for your accounts\. By SMS: BALANCE/);
    expect(help.body).toBe(hello.body);
  });

  it('accepts JSON and E.164 without spaces; a sender that is not a phone number is not answered', async () => {
    const p = phone();
    const res = await t.request
      .post('/sms/inbound')
      .send({ from: p, to: 12345, text: 'AIDE', id: atId(), networkCode: 61603 });
    expect(res.status).toBe(200);
    expect(await t.inbox.to(p)).toHaveLength(1);

    const before = await t.deps.db.manager.count(SmsOutboxEntry);
    expect((await inbound('TONTIFLEX', 'STOP')).status).toBe(200);
    expect((await t.request.post('/sms/inbound').type('form').send({ text: 'STOP' })).status).toBe(200);
    expect(await t.deps.db.manager.count(SmsOutboxEntry)).toBe(before);
  });

  it(`stops answering a number after ${INBOUND_REPLIES_PER_HOUR} messages an hour, but still honours STOP`, async () => {
    const p = phone();
    for (let i = 0; i < INBOUND_REPLIES_PER_HOUR; i++) await inbound(p, 'AIDE');
    await inbound(p, 'AIDE');
    await inbound(p, 'ARRET');
    expect(await t.inbox.to(p)).toHaveLength(INBOUND_REPLIES_PER_HOUR);
    expect(await optedOut(p)).toBe(true);
  });

  it.each([
    ['a word', 'hello'],
    ['too short a number', '+22912'],
    ['SQL', "' OR 1=1--"],
    ['a fixed line', '+2290121300000'],
    ['a toll-free number', '+18005550100'],
    ['a premium-rate number', '+19005550100'],
  ])('a sender that is no mobile number (%s): 200 OK, nothing created, one warning', async (_, from) => {
    const outbox = await t.deps.db.manager.count(SmsOutboxEntry);
    const optOuts = await t.deps.db.manager.count(SmsOptOut);
    const id = atId();
    const res = await inbound(from, 'ARRET', id);
    expect(res.status).toBe(200);
    expect(res.text).toBe('OK');

    expect(await t.deps.db.manager.count(SmsOutboxEntry)).toBe(outbox);
    expect(await t.deps.db.manager.countBy(SmsOutboxEntry, { dedupeKey: `inbound:${id}:reply` })).toBe(0);
    expect(await t.deps.db.manager.count(SmsOptOut)).toBe(optOuts);
    // Not even the reply throttle's counter.
    expect(await t.deps.kv.get(`sms:inbound:${from}`)).toBeNull();
    expect(await t.inbox.to(from)).toEqual([]);

    const warnings = logs.warnings(res.headers['x-request-id']);
    expect(warnings).toEqual([
      expect.objectContaining({
        reason: 'invalid sender',
        sms_inbound: expect.objectContaining({ from: maskPhone(from), result: 'invalid_sender' }),
      }),
    ]);
    if (from.length > 6) expect(JSON.stringify(warnings)).not.toContain(from);
  });
});
