import type { Sfd, User } from '../../../src/accounts/entities';
import { Notification } from '../../../src/notifications/inapp-entities';
import {
  closeNotifications,
  insertNotification,
  notifyStaffAt,
  type StaffNotification,
} from '../../../src/notifications/inapp';
import { authed } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';

let t: TestApp;
let a: Sfd;
let b: Sfd;
const u: Record<string, User> = {};
const tok: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  a = await makeSfd(t, 'NTA');
  b = await makeSfd(t, 'NTB');
  Object.assign(u, {
    agentA: await makeUser(t, 'agent_sfd', a),
    agentAen: await makeUser(t, 'agent_sfd', a, { language: 'en' }),
    agentAoff: await makeUser(t, 'agent_sfd', a, { status: 'suspended' }),
    superA: await makeUser(t, 'superviseur_sfd', a, { language: 'en' }),
    adminA: await makeUser(t, 'admin_sfd', a),
    clientA: await makeUser(t, 'client', a),
    client2A: await makeUser(t, 'client', a),
    client3A: await makeUser(t, 'client', a),
    agentB: await makeUser(t, 'agent_sfd', b),
    superB: await makeUser(t, 'superviseur_sfd', b),
    clientB: await makeUser(t, 'client', b),
    platform: await makeUser(t, 'admin_plateforme', null),
  });
  for (const name of [
    'agentA',
    'superA',
    'adminA',
    'clientA',
    'client2A',
    'client3A',
    'agentB',
    'platform',
  ]) {
    tok[name] = await tokenFor(t, u[name]);
  }
});
afterAll(() => t.close());

const { get, post } = authed(() => t);

/** Stored directly, one second apart, so "newest first" is observable. */
async function give(user: User, n: number, fields: { type?: string; data?: object } = {}) {
  const rows: Notification[] = [];
  for (let i = 1; i <= n; i++) {
    t.clock.advance(1000);
    rows.push(
      await insertNotification(
        t.deps.db.manager,
        {
          userId: user.id,
          sfdId: user.sfdId,
          type: fields.type ?? 'info',
          title: `Titre ${i}`,
          message: `Message ${i}`,
          data: fields.data ?? null,
        },
        t.clock.now(),
      ),
    );
  }
  return rows;
}

describe('listing', () => {
  it('answers 401 without a token', async () => {
    expectProblem(await t.request.get('/api/notifications/'), 401);
  });

  it("pages the caller's own notifications, newest first, in the DRF shape", async () => {
    const mine = await give(u.clientA, 5, { data: { tontine_id: 7 } });
    await give(u.client2A, 2);
    const p1 = await get(tok.clientA, '/api/notifications/?page_size=2');
    expect(p1.status).toBe(200);
    expect(p1.body.count).toBe(5);
    expect(p1.body.previous).toBeNull();
    expect(p1.body.next).toMatch(/\/api\/notifications\/?\?.*page=2/);
    expect(p1.body.results.map((r: any) => r.id)).toEqual([mine[4].id, mine[3].id]);
    expect(p1.body.results[0]).toEqual({
      id: mine[4].id,
      user_id: u.clientA.id,
      type: 'info',
      title: 'Titre 5',
      message: 'Message 5',
      data: { tontine_id: 7 },
      lue: false,
      read_at: null,
      created_at: mine[4].createdAt.toISOString(),
    });
    const p3 = await get(tok.clientA, '/api/notifications?page=3&page_size=2');
    expect(p3.body.results.map((r: any) => r.id)).toEqual([mine[0].id]);
    expect(p3.body.next).toBeNull();
    expect(p3.body.previous).toMatch(/page=2/);
    const other = await get(tok.client2A, '/api/notifications/');
    expect(other.body.count).toBe(2);
    expect(other.body.results.every((r: any) => r.user_id === u.client2A.id)).toBe(true);
  });

  it('filters on read state (DRF spellings) and type; rejects a bad filter with field errors', async () => {
    const [first] = await give(u.client3A, 3);
    const [alert] = await give(u.client3A, 1, { type: 'alert' });
    expect((await post(tok.client3A, `/api/notifications/${first.id}/marquer-lue/`)).status).toBe(200);
    const unread = await get(tok.client3A, '/api/notifications/?lue=false');
    expect(unread.body.count).toBe(3);
    expect(unread.body.results.every((r: any) => r.lue === false)).toBe(true);
    for (const spelling of ['true', 'True', '1']) {
      const read = await get(tok.client3A, `/api/notifications/?lue=${spelling}`);
      expect(read.body.results.map((r: any) => r.id)).toEqual([first.id]);
    }
    const typed = await get(tok.client3A, '/api/notifications/?type=alert');
    expect(typed.body.results.map((r: any) => r.id)).toEqual([alert.id]);
    const both = await get(tok.client3A, '/api/notifications/?type=alert&lue=true');
    expect(both.body.count).toBe(0);
    const bad = await get(tok.client3A, '/api/notifications/?lue=peut-etre');
    expectProblem(bad, 400);
    expect(Object.keys(bad.body.errors).sort()).toEqual(['lue']);
    expectProblem(await get(tok.client3A, '/api/notifications/?page_size=500'), 400);
  });

  it('shows one of your own notifications, and 404 for anyone else', async () => {
    const [n] = await give(u.agentB, 1);
    expect((await get(tok.agentB, `/api/notifications/${n.id}/`)).body.id).toBe(n.id);
    expectProblem(await get(tok.platform, `/api/notifications/${n.id}/`), 404);
    expectProblem(await get(tok.agentB, '/api/notifications/abc/'), 404);
  });
});

describe('marking read', () => {
  it('marks your own notification read, idempotently; someone else’s is a 404 and stays unread', async () => {
    const [n] = await give(u.client2A, 1);
    const readAt = t.clock.now().toISOString();
    const first = await post(tok.client2A, `/api/notifications/${n.id}/marquer-lue/`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: n.id, lue: true, read_at: readAt });
    t.clock.advance(60_000);
    const again = await post(tok.client2A, `/api/notifications/${n.id}/marquer-lue`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);

    const [theirs] = await give(u.clientA, 1);
    expectProblem(await post(tok.client2A, `/api/notifications/${theirs.id}/marquer-lue/`), 404);
    expectProblem(await post(tok.platform, `/api/notifications/${theirs.id}/marquer-lue/`), 404);
    expectProblem(await post(tok.client2A, '/api/notifications/999999/marquer-lue/'), 404);
    const stored = await t.deps.db.manager.findOneByOrFail(Notification, { id: theirs.id });
    expect(stored.readAt).toBeNull();
  });

  it('marks all your unread notifications read and says how many; others keep theirs', async () => {
    await give(u.superB, 3);
    const before = (await get(tok.clientA, '/api/notifications/non-lues/')).body.count;
    expect(before).toBeGreaterThan(0);
    const res = await post(tok.clientA, '/api/notifications/marquer-toutes-lues/');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ updated: before });
    expect((await post(tok.clientA, '/api/notifications/marquer-toutes-lues')).body).toEqual({ updated: 0 });
    expect((await get(tok.clientA, '/api/notifications/non-lues/')).body).toEqual({ count: 0, results: [] });
    const superB = await t.deps.db.manager.findBy(Notification, { userId: u.superB.id });
    expect(superB).toHaveLength(3);
    expect(superB.every((n) => n.readAt === null)).toBe(true);
  });

  it('counts the unread and returns the newest of them, page_size at most', async () => {
    const rows = await give(u.adminA, 4);
    await post(tok.adminA, `/api/notifications/${rows[3].id}/marquer-lue/`);
    const res = await get(tok.adminA, '/api/notifications/non-lues/?page_size=2');
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(3);
    expect(res.body.results.map((r: any) => r.id)).toEqual([rows[2].id, rows[1].id]);
    expect(res.body.results.every((r: any) => r.lue === false)).toBe(true);
  });
});

describe('creating', () => {
  const body = (userId: number, extra: object = {}) => ({
    user_id: userId,
    title: 'Réunion',
    message: 'Assemblée des membres samedi à 9 h.',
    ...extra,
  });

  it('lets staff notify a user of their own SFD: 201, the record, in the recipient’s list', async () => {
    const res = await post(tok.agentA, '/api/notifications', body(u.client3A.id, { data: { room: 2 } }));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      user_id: u.client3A.id,
      type: 'info',
      title: 'Réunion',
      message: 'Assemblée des membres samedi à 9 h.',
      data: { room: 2 },
      lue: false,
      read_at: null,
      created_at: t.clock.now().toISOString(),
    });
    const list = await get(tok.client3A, '/api/notifications/?type=info&lue=false');
    expect(list.body.results[0].id).toBe(res.body.id);
    const stored = await t.deps.db.manager.findOneByOrFail(Notification, { id: res.body.id as number });
    expect(stored.sfdId).toBe(a.id);
  });

  it('refuses clients (403) and hides users outside the SFD like missing ones (400 on user_id)', async () => {
    expectProblem(await post(tok.clientA, '/api/notifications/', body(u.clientA.id)), 403);
    for (const target of [u.clientB.id, u.platform.id, 999_999]) {
      const res = await post(tok.adminA, '/api/notifications/', body(target));
      expectProblem(res, 400);
      expect(res.body.errors).toEqual({ user_id: [expect.any(String)] });
    }
    expect(await t.deps.db.manager.countBy(Notification, { userId: u.clientB.id })).toBe(0);
  });

  it('lets the platform admin notify anyone', async () => {
    const res = await post(tok.platform, '/api/notifications/', body(u.clientB.id, { type: 'alert' }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ user_id: u.clientB.id, type: 'alert' });
  });

  it('validates the body: problem+json 400 naming each field', async () => {
    const res = await post(tok.agentA, '/api/notifications/', {
      user_id: 'x',
      title: '  ',
      type: 'Pas un type',
      data: [1, 2],
    });
    expectProblem(res, 400);
    expect(Object.keys(res.body.errors).sort()).toEqual(['data', 'message', 'title', 'type', 'user_id']);
    const big = await post(
      tok.agentA,
      '/api/notifications/',
      body(u.clientA.id, { data: { x: 'y'.repeat(3000) } }),
    );
    expectProblem(big, 400);
    expect(Object.keys(big.body.errors)).toEqual(['data']);
  });
});

describe('notifyStaffAt and closeNotifications', () => {
  const review = (clientId: number, fields: Partial<StaffNotification> = {}): StaffNotification => ({
    sfdId: a.id,
    roles: ['superviseur_sfd', 'admin_sfd'],
    type: 'staff_review',
    text: { key: 'kyc_pending', params: { firstName: 'Koffi', lastName: 'Dossou' } },
    data: { client_id: clientId },
    ...fields,
  });
  const rowsOf = (type: string) =>
    t.deps.db.manager.find(Notification, { where: { type }, order: { id: 'ASC' } });
  const directory = () => t.modules.accounts.service;

  it("notifies the SFD's active staff of the roles given, each in their language, in the caller's transaction", async () => {
    const at = t.clock.now();
    const created = await t.deps.db.transaction((m) => notifyStaffAt(m, review(900_001), at, directory()));
    expect(created).toBe(2);
    const rows = await rowsOf('staff_review');
    expect(rows.map((r) => r.userId).sort((x, y) => x - y)).toEqual(
      [u.superA.id, u.adminA.id].sort((x, y) => x - y),
    );
    const byUser = new Map(rows.map((r) => [r.userId, r]));
    expect(byUser.get(u.adminA.id)).toMatchObject({
      sfdId: a.id,
      title: 'Nouveau client à valider',
      message: expect.stringContaining('Koffi Dossou'),
      data: JSON.stringify({ client_id: 900_001 }),
      readAt: null,
      createdAt: at,
    });
    expect(byUser.get(u.superA.id)).toMatchObject({ title: 'New client to validate' });

    // Nothing for no role, an SFD without such staff, or a transaction that rolls back.
    expect(await notifyStaffAt(t.deps.db.manager, review(900_002, { roles: [] }), at, directory())).toBe(0);
    const empty = await makeSfd(t);
    expect(
      await notifyStaffAt(t.deps.db.manager, review(900_002, { sfdId: empty.id }), at, directory()),
    ).toBe(0);
    await expect(
      t.deps.db.transaction(async (m) => {
        expect(await notifyStaffAt(m, review(900_002), at, directory())).toBe(2);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await rowsOf('staff_review')).toHaveLength(2);
  });

  it('closes the unread notifications of one subject for every recipient, and only those', async () => {
    const at = t.clock.now();
    const subject = { type: 'staff_close', data: { client_id: 900_010 } };
    await notifyStaffAt(t.deps.db.manager, review(900_010, { type: 'staff_close' }), at, directory());
    await notifyStaffAt(t.deps.db.manager, review(900_011, { type: 'staff_close' }), at, directory());
    // Same data, another type: not the same subject.
    await notifyStaffAt(t.deps.db.manager, review(900_010, { type: 'staff_other' }), at, directory());
    // The admin read hers already: she keeps her first read_at.
    const [adminRow] = await t.deps.db.manager.findBy(Notification, {
      type: 'staff_close',
      userId: u.adminA.id,
      data: JSON.stringify(subject.data),
    });
    expect((await post(tok.adminA, `/api/notifications/${adminRow.id}/marquer-lue`)).status).toBe(200);
    const firstRead = t.clock.now();

    t.clock.advance(60_000);
    const closedAt = t.clock.now();
    expect(await t.deps.db.transaction((m) => closeNotifications(m, subject, closedAt))).toBe(1);

    const rows = await rowsOf('staff_close');
    const state = (userId: number, clientId: number) =>
      rows.find((r) => r.userId === userId && r.data === JSON.stringify({ client_id: clientId }))?.readAt;
    expect(state(u.superA.id, 900_010)).toEqual(closedAt);
    expect(state(u.adminA.id, 900_010)).toEqual(firstRead);
    expect(state(u.superA.id, 900_011)).toBeNull();
    expect(state(u.adminA.id, 900_011)).toBeNull();
    expect((await rowsOf('staff_other')).every((r) => r.readAt === null)).toBe(true);
    // What the supervisor sees: read.
    const seen = await get(tok.superA, '/api/notifications/?type=staff_close&lue=true');
    expect(seen.body.results.map((r: any) => r.data)).toEqual([{ client_id: 900_010 }]);

    // Nothing left to close.
    expect(await closeNotifications(t.deps.db.manager, subject, closedAt)).toBe(0);
  });
});
