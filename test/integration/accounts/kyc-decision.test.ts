import { User } from '../../../src/accounts/entities';
import type { Sfd } from '../../../src/accounts/entities';
import { KYC_REASON_SMS_MAX, kycAwaitsValidation } from '../../../src/accounts/kyc';
import { AuditEvent } from '../../../src/accounts/entities';
import { Notification } from '../../../src/notifications/inapp-entities';
import { auditOf, authed } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, PIN, phone, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';

/**
 * The KYC decision (POST /api/accounts/clients/{id}/valider-kyc/): who may decide, from which state,
 * what the client is told, which notices close and what the audit trail keeps; and the ID number that
 * the client's SFD staff read on the client's record, each read audited.
 */

let t: TestApp;
let a: Sfd;
let b: Sfd;
const u: Record<string, User> = {};
const tok: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  a = await makeSfd(t, 'KYCA');
  b = await makeSfd(t, 'KYCB');
  Object.assign(u, {
    agentA: await makeUser(t, 'agent_sfd', a),
    agentAen: await makeUser(t, 'agent_sfd', a, { language: 'en' }),
    superA: await makeUser(t, 'superviseur_sfd', a, { language: 'en' }),
    agentAoff: await makeUser(t, 'agent_sfd', a, { status: 'suspended' }),
    adminA: await makeUser(t, 'admin_sfd', a),
    agentB: await makeUser(t, 'agent_sfd', b),
    superB: await makeUser(t, 'superviseur_sfd', b),
    platform: await makeUser(t, 'admin_plateforme', null),
  });
  for (const key of ['agentA', 'agentAen', 'superA', 'adminA', 'agentB', 'platform']) {
    tok[key] = await tokenFor(t, u[key]);
  }
});
afterAll(() => t.close());

const { get, post } = authed(() => t);
const decideUrl = (id: number) => `/api/accounts/clients/${id}/valider-kyc/`;
const recipients = [() => u.agentA, () => u.agentAen, () => u.superA];

/** A client registered on USSD, as a phone does it: the branch's validators are told (kyc_pending). */
async function register(sfd: Sfd, fields: { lang?: 'fr' | 'en'; idNumber?: string | null } = {}) {
  const user = await t.accounts.clients.register({
    phone: phone(),
    lang: fields.lang ?? 'fr',
    lastName: 'Houngbo',
    firstName: 'Awa',
    sfdId: sfd.id,
    idNumber: fields.idNumber ?? null,
    pin: PIN,
  });
  await t.inbox.drain(); // the welcome SMS is out of the way
  return user;
}

/** The kyc_pending notices about one client, by recipient. */
async function noticesAbout(clientId: number) {
  const rows = await t.deps.db.manager.findBy(Notification, {
    type: 'kyc_pending',
    data: JSON.stringify({ client_id: clientId }),
  });
  return new Map(rows.map((r) => [r.userId, r]));
}

/** The SMS a phone received after the welcome one. */
const decisionSms = async (user: User) =>
  (await t.inbox.to(user.phone)).filter(
    (m) => !m.body.startsWith('Bienvenue') && !m.body.startsWith('Welcome'),
  );

const kycStatus = async (id: number) => (await t.deps.db.manager.findOneByOrFail(User, { id })).kycStatus;
const kycAudit = async (id: number) =>
  (await auditOf(t, 'user', id)).filter((e) => e.action.startsWith('user.kyc'));

describe('approve', () => {
  it('an agent of the SFD verifies a pending client: the updated client, an SMS in French, notices closed, audited', async () => {
    const client = await register(a);
    // The branch's active agents and supervisor were told; nobody has read it yet.
    const before = await noticesAbout(client.id);
    expect([...before.keys()].sort((x, y) => x - y)).toEqual(
      recipients.map((r) => r().id).sort((x, y) => x - y),
    );
    expect([...before.values()].every((n) => n.readAt === null)).toBe(true);
    const other = await register(a); // another client's notices stay open

    t.clock.advance(60_000);
    const res = await post(tok.agentA, decideUrl(client.id), { decision: 'approve' });
    expect(res.status).toBe(200);
    const stored = await t.deps.db.manager.findOneByOrFail(User, { id: client.id });
    expect(res.body).toEqual({
      id: client.id,
      phone: client.phone,
      email: null,
      first_name: 'Awa',
      last_name: 'Houngbo',
      role: 'client',
      sfd_id: a.id,
      status: 'active',
      language: 'fr',
      kyc_status: 'verified',
      phone_verified: true,
      has_pin: true,
      created_at: client.createdAt.toISOString(),
      updated_at: t.clock.now().toISOString(),
    });
    expect(res.body).not.toHaveProperty('id_number');
    expect(stored.kycStatus).toBe('verified');

    expect((await decisionSms(client)).map((m) => m.body)).toEqual([
      `TontiFlex: votre identite a ete verifiee par ${a.name}. Votre compte est valide.`,
    ]);

    const after = await noticesAbout(client.id);
    expect(after.size).toBe(3);
    for (const notice of after.values()) expect(notice.readAt).toEqual(t.clock.now());
    const others = await noticesAbout(other.id);
    expect(others.size).toBe(3);
    expect([...others.values()].every((n) => n.readAt === null)).toBe(true);
    // What the agent's colleague sees: nothing left unread about this client.
    const unread = await get(tok.agentAen, '/api/notifications/?type=kyc_pending&lue=false');
    expect(unread.body.results.map((r: any) => r.data.client_id)).not.toContain(client.id);
    expect(unread.body.results.map((r: any) => r.data.client_id)).toContain(other.id);

    expect(await kycAudit(client.id)).toEqual([
      expect.objectContaining({
        action: 'user.kyc.approve',
        actorId: u.agentA.id,
        actorRole: 'agent_sfd',
        sfdId: a.id,
        targetType: 'user',
        targetId: String(client.id),
        before: { kyc_status: 'pending' },
        after: { kyc_status: 'verified' },
        createdAt: t.clock.now(),
      }),
    ]);
  });

  it('the platform admin decides for any SFD’s client', async () => {
    const client = await register(b);
    const res = await post(tok.platform, decideUrl(client.id), { decision: 'approve' });
    expect(res.status).toBe(200);
    expect(res.body.kyc_status).toBe('verified');
    expect((await kycAudit(client.id)).map((e) => [e.action, e.actorId])).toEqual([
      ['user.kyc.approve', u.platform.id],
    ]);
  });
});

describe('reject', () => {
  it('with a reason: rejected, the reason in the audit row and in the client’s SMS, in English', async () => {
    const client = await register(a, { lang: 'en' });
    const reason = 'ID card photo unreadable';
    const res = await post(tok.superA, decideUrl(client.id), { decision: 'reject', reason: ` ${reason} ` });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: client.id, kyc_status: 'rejected', language: 'en' });
    expect(await kycStatus(client.id)).toBe('rejected');
    expect((await decisionSms(client)).map((m) => m.body)).toEqual([
      `TontiFlex: your file was not validated by ${a.name}: ${reason}. Please visit your branch.`,
    ]);
    expect(await kycAudit(client.id)).toEqual([
      expect.objectContaining({
        action: 'user.kyc.reject',
        actorId: u.superA.id,
        actorRole: 'superviseur_sfd',
        sfdId: a.id,
        before: { kyc_status: 'pending' },
        after: { kyc_status: 'rejected', reason },
      }),
    ]);
    for (const notice of (await noticesAbout(client.id)).values()) expect(notice.readAt).not.toBeNull();
  });

  it('in French, and a long reason is cut in the SMS but kept whole in the audit row', async () => {
    const client = await register(a);
    const reason = `Piece d'identite expiree depuis ${'longtemps, '.repeat(20)}merci de revenir`;
    expect(reason.length).toBeGreaterThan(KYC_REASON_SMS_MAX);
    const res = await post(tok.adminA, decideUrl(client.id), { decision: 'reject', reason });
    expect(res.status).toBe(200);
    const [sms, ...more] = await decisionSms(client);
    expect(more).toEqual([]);
    const shown = `${reason.slice(0, KYC_REASON_SMS_MAX - 3).trimEnd()}...`;
    expect(sms.body).toBe(
      `TontiFlex: votre dossier n'a pas ete valide par ${a.name}: ${shown}. Passez a votre agence.`,
    );
    expect((await kycAudit(client.id))[0].after).toEqual({ kyc_status: 'rejected', reason });
  });

  it('without a reason: 400 naming reason, nothing changed, no SMS, no audit, notices still open', async () => {
    const client = await register(a);
    for (const body of [{ decision: 'reject' }, { decision: 'reject', reason: '   ' }]) {
      const res = await post(tok.agentA, decideUrl(client.id), body);
      expectProblem(res, 400, 'validation');
      expect(Object.keys(res.body.errors as object)).toEqual(['reason']);
    }
    const bad = await post(tok.agentA, decideUrl(client.id), { decision: 'maybe' });
    expectProblem(bad, 400, 'validation');
    expect(Object.keys(bad.body.errors as object)).toEqual(['decision']);
    expect(await kycStatus(client.id)).toBe('pending');
    expect(await decisionSms(client)).toEqual([]);
    expect(await kycAudit(client.id)).toEqual([]);
    expect([...(await noticesAbout(client.id)).values()].every((n) => n.readAt === null)).toBe(true);
  });
});

describe('only a pending KYC is decided, once', () => {
  it('a second decision is a 409: the first stands, one SMS, one audit row', async () => {
    const client = await register(a);
    expect((await post(tok.agentA, decideUrl(client.id), { decision: 'approve' })).status).toBe(200);
    const again = await post(tok.agentAen, decideUrl(client.id), { decision: 'reject', reason: 'Doublon' });
    expectProblem(again, 409, 'conflict');
    expectProblem(await post(tok.agentA, decideUrl(client.id), { decision: 'approve' }), 409, 'conflict');
    expect(await kycStatus(client.id)).toBe('verified');
    expect(await decisionSms(client)).toHaveLength(1);
    expect((await kycAudit(client.id)).map((e) => e.action)).toEqual(['user.kyc.approve']);
  });

  it('two decisions at once: one wins, the other is a 409, never a 500', async () => {
    const client = await register(a);
    const answers = await Promise.all([
      post(tok.agentA, decideUrl(client.id), { decision: 'approve' }),
      post(tok.superA, decideUrl(client.id), { decision: 'reject', reason: 'Photo floue' }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = answers.find((r) => r.status === 200)!;
    expect(await kycStatus(client.id)).toBe(winner.body.kyc_status);
    expect(await kycAudit(client.id)).toHaveLength(1);
    expect(await decisionSms(client)).toHaveLength(1);
  });

  it('a client rejected earlier (or verified through the old PATCH) is a 409 too', async () => {
    const rejected = await makeUser(t, 'client', a, { kycStatus: 'rejected' });
    expectProblem(await post(tok.agentA, decideUrl(rejected.id), { decision: 'approve' }), 409);
    const client = await register(a);
    const patched = await t.request
      .patch(`/api/accounts/clients/${client.id}/`)
      .set('Authorization', `Bearer ${tok.agentA}`)
      .send({ kyc_status: 'verified' });
    expect(patched.status).toBe(200);
    expectProblem(await post(tok.agentA, decideUrl(client.id), { decision: 'reject', reason: 'x' }), 409);
    expect(await kycStatus(rejected.id)).toBe('rejected');
    expect(await kycAudit(rejected.id)).toEqual([]);
  });
});

describe('who may decide', () => {
  it('another SFD’s agent: 404, as for a missing client or a staff member’s id; nothing changed', async () => {
    const client = await register(a);
    const audits = await t.deps.db.manager.count(AuditEvent);
    expectProblem(await post(tok.agentB, decideUrl(client.id), { decision: 'approve' }), 404, 'not-found');
    expectProblem(await post(tok.agentA, decideUrl(999_999), { decision: 'approve' }), 404, 'not-found');
    expectProblem(await post(tok.agentA, decideUrl(u.agentAen.id), { decision: 'approve' }), 404);
    expectProblem(
      await post(tok.agentA, '/api/accounts/clients/abc/valider-kyc/', { decision: 'approve' }),
      404,
    );
    expect(await kycStatus(client.id)).toBe('pending');
    expect(await kycStatus(u.agentAen.id)).toBe('pending');
    expect(await t.deps.db.manager.count(AuditEvent)).toBe(audits);
    expect(await decisionSms(client)).toEqual([]);
  });

  it('a client (even about themself): 403; no token: 401', async () => {
    const client = await register(a);
    const own = await tokenFor(t, client);
    expectProblem(await post(own, decideUrl(client.id), { decision: 'approve' }), 403, 'forbidden');
    expectProblem(await t.request.post(decideUrl(client.id)).send({ decision: 'approve' }), 401);
    expect(await kycStatus(client.id)).toBe('pending');
    expect(await kycAudit(client.id)).toEqual([]);
  });
});

describe('the ID number on a client’s record', () => {
  const idReads = async (id: number) =>
    (await auditOf(t, 'user', id)).filter((e) => e.action === 'user.id_number_read');

  it('the SFD’s staff and the platform admin read it decrypted, each read audited', async () => {
    const client = await register(a, { idNumber: 'B1234567' });
    const stored = await t.deps.db.manager.findOneByOrFail(User, { id: client.id });
    expect(stored.idNumberEnc).not.toContain('B1234567'); // at rest, sealed

    const res = await get(tok.agentA, `/api/accounts/clients/${client.id}/`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: client.id, kyc_status: 'pending', id_number: 'B1234567' });
    t.clock.advance(1000);
    expect((await get(tok.platform, `/api/accounts/clients/${client.id}`)).body.id_number).toBe('B1234567');

    const reads = await idReads(client.id);
    expect(reads.map((e) => [e.actorId, e.actorRole, e.sfdId, e.targetId])).toEqual([
      [u.agentA.id, 'agent_sfd', a.id, String(client.id)],
      [u.platform.id, 'admin_plateforme', a.id, String(client.id)],
    ]);
    // The number itself is never in the trail.
    expect(JSON.stringify(await auditOf(t, 'user', client.id))).not.toContain('B1234567');
  });

  it('no number, no audit; another SFD: 404, no audit; never in lists, decisions or /me', async () => {
    const without = await register(a);
    const res = await get(tok.agentA, `/api/accounts/clients/${without.id}/`);
    expect(res.status).toBe(200);
    expect(res.body.id_number).toBeNull();
    expect(await idReads(without.id)).toEqual([]);

    const client = await register(a, { idNumber: 'C7654321' });
    expectProblem(await get(tok.agentB, `/api/accounts/clients/${client.id}/`), 404);
    const list = await get(tok.agentA, '/api/accounts/clients/?page_size=100');
    expect(list.status).toBe(200);
    expect(list.body.results.some((r: any) => r.id === client.id)).toBe(true);
    expect(JSON.stringify(list.body)).not.toContain('C7654321');
    expect(list.body.results.every((r: any) => !('id_number' in r))).toBe(true);

    const me = await get(await tokenFor(t, client), '/api/accounts/me/');
    expect(me.status).toBe(200);
    expect(me.body).not.toHaveProperty('id_number');
    const decided = await post(tok.agentA, decideUrl(client.id), { decision: 'approve' });
    expect(decided.body).not.toHaveProperty('id_number');
    expect(await idReads(client.id)).toEqual([]);
  });
});

describe('kycAwaitsValidation', () => {
  const directory = () => t.accounts.service;

  it('notifies each active agent and supervisor of the client’s SFD, in their language, once', async () => {
    const client = await makeUser(t, 'client', a, { firstName: 'Awa', lastName: 'Houngbo' });
    const created = await t.deps.db.transaction((m) =>
      kycAwaitsValidation(m, client, t.clock.now(), directory()),
    );
    expect(created).toBe(3);
    const rows = await noticesAbout(client.id);
    expect([...rows.keys()].sort((x, y) => x - y)).toEqual(
      [u.agentA.id, u.agentAen.id, u.superA.id].sort((x, y) => x - y),
    );
    expect(rows.get(u.agentA.id)).toMatchObject({
      sfdId: a.id,
      title: 'Nouveau client à valider',
      message: expect.stringContaining('Awa Houngbo'),
      readAt: null,
      createdAt: t.clock.now(),
    });
    expect(rows.get(u.superA.id)).toMatchObject({ title: 'New client to validate' });
    expect(rows.get(u.superA.id)?.message).toMatch(/^Awa Houngbo has registered/);

    // What the agent sees through the API.
    const seen = await get(tok.agentA, '/api/notifications/?type=kyc_pending');
    expect(seen.body.results[0]).toMatchObject({ type: 'kyc_pending', data: { client_id: client.id } });
  });

  it('writes nothing when the caller’s transaction rolls back, nor for a client without an SFD', async () => {
    const client = await makeUser(t, 'client', b);
    await expect(
      t.deps.db.transaction(async (m) => {
        await kycAwaitsValidation(m, client, t.clock.now(), directory());
        throw new Error('registration failed later');
      }),
    ).rejects.toThrow('registration failed later');
    expect((await noticesAbout(client.id)).size).toBe(0);
    const orphan = { id: client.id, sfdId: null, firstName: 'X', lastName: 'Y' };
    expect(
      await t.deps.db.transaction((m) => kycAwaitsValidation(m, orphan, t.clock.now(), directory())),
    ).toBe(0);

    // The same client committed: SFD B's agent and supervisor only.
    await t.deps.db.transaction((m) => kycAwaitsValidation(m, client, t.clock.now(), directory()));
    expect([...(await noticesAbout(client.id)).keys()].sort((x, y) => x - y)).toEqual(
      [u.agentB.id, u.superB.id].sort((x, y) => x - y),
    );
  });
});
