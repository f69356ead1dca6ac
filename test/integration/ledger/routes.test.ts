import type { Sfd, User } from '../../../src/accounts/entities';
import { post, sfdAccount, SFD_ACCOUNTS } from '../../../src/ledger/service';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';

let t: TestApp;
let a: Sfd;
let b: Sfd;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  a = await makeSfd(t, 'LRA');
  b = await makeSfd(t, 'LRB');
  const users: Record<string, User> = {
    adminA: await makeUser(t, 'admin_sfd', a),
    superviseurA: await makeUser(t, 'superviseur_sfd', a),
    agentA: await makeUser(t, 'agent_sfd', a),
    client: await makeUser(t, 'client', a),
    platform: await makeUser(t, 'admin_plateforme', null),
  };
  for (const [name, user] of Object.entries(users)) tokens[name] = await tokenFor(t, user);
  await t.deps.db.transaction((m) =>
    post(m, {
      key: 'routes:1',
      kind: 'commission',
      lines: [
        { account: sfdAccount(a.id, 'mobile-money'), amount: -300 },
        { account: sfdAccount(a.id, 'commission-income'), amount: 300 },
      ],
      ref: { type: 'test', id: 1 },
      at: t.clock.now(),
    }),
  );
});
afterAll(() => t.close());

const get = (path: string, who: string) => t.request.get(path).set('Authorization', `Bearer ${tokens[who]}`);

describe('ledger API', () => {
  it("shows an SFD admin their SFD's accounts only", async () => {
    const res = await get('/api/ledger/accounts/', 'adminA');
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(SFD_ACCOUNTS.length);
    expect(res.body.results.every((r: { sfd_id: number }) => r.sfd_id === a.id)).toBe(true);
    const income = res.body.results.find((r: { kind: string }) => r.kind === 'commission-income');
    expect(income.balance).toBe(300);
  });

  it('shows the platform admin every SFD, filterable', async () => {
    const all = await get('/api/ledger/accounts/?page_size=100', 'platform');
    expect(all.body.count).toBeGreaterThanOrEqual(2 * SFD_ACCOUNTS.length);
    const onlyB = await get(`/api/ledger/accounts/?sfd_id=${b.id}`, 'platform');
    expect(onlyB.body.count).toBe(SFD_ACCOUNTS.length);
    const kind = await get('/api/ledger/accounts/?kind=cash', 'platform');
    expect(kind.body.results.every((r: { kind: string }) => r.kind === 'cash')).toBe(true);
  });

  it("lists an account's entries, newest first", async () => {
    const res = await get(`/api/ledger/accounts/${sfdAccount(a.id, 'commission-income')}/entries/`, 'adminA');
    expect(res.status).toBe(200);
    expect(res.body.account.code).toBe(sfdAccount(a.id, 'commission-income'));
    expect(res.body.results).toEqual([
      expect.objectContaining({
        key: 'routes:1',
        kind: 'commission',
        amount: 300,
        ref_type: 'test',
        ref_id: '1',
      }),
    ]);
  });

  it("hides another SFD's account (404) and refuses lower roles (403)", async () => {
    expect((await get(`/api/ledger/accounts/${sfdAccount(b.id, 'cash')}/entries/`, 'adminA')).status).toBe(
      404,
    );
    expect((await get('/api/ledger/accounts/nope/entries/', 'platform')).status).toBe(404);
    for (const who of ['superviseurA', 'agentA', 'client']) {
      const res = await get('/api/ledger/accounts/', who);
      expect(res.status).toBe(403);
      expect(res.body).not.toHaveProperty('results');
    }
    expect((await t.request.get('/api/ledger/accounts/')).status).toBe(401);
  });
});
