import type { SavingsAccount } from '../../../src/savings/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { CALLERS, matrixCallers } from '../../helpers/matrix';
import { makeSfd, makeUser } from '../../helpers/factories';
import { activeSavingsAccount } from './helpers';
import { binary } from './statements-helpers';

/**
 * Who reads a savings statement: the role × SFD matrix, in each format. The owner, staff of the account's
 * SFD and the platform admin read it; another client or another SFD's staff get a 404 (its existence is
 * not revealed); no token, a 401.
 */
let t: TestApp;
let account: SavingsAccount;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  const own = await makeSfd(t, 'RMO');
  const other = await makeSfd(t, 'RMX');
  const owner = await makeUser(t, 'client', own);
  Object.assign(tokens, (await matrixCallers(t, own, other, owner)).tokens);
  account = await activeSavingsAccount(t, own, owner, 7500);
  // The other client has an account of their own: still not this one.
  await activeSavingsAccount(t, own, await makeUser(t, 'client', own), 100);
});
afterAll(() => t.close());

const EXPECTED = {
  owner: 200,
  otherClient: 404,
  'agent_sfd:own': 200,
  'superviseur_sfd:own': 200,
  'admin_sfd:own': 200,
  'agent_sfd:other': 404,
  'superviseur_sfd:other': 404,
  'admin_sfd:other': 404,
  platform: 200,
};

it.each(['json', 'csv', 'pdf'])(
  'releve (%s): owner, own SFD staff, platform admin; others 404',
  async (format) => {
    const got: Record<string, number> = {};
    for (const caller of CALLERS) {
      const res = await t.request
        .get(`/api/savings/accounts/${account.id}/releve/?format=${format}`)
        .set('Authorization', `Bearer ${tokens[caller]}`)
        .buffer(true)
        .parse(binary);
      got[caller] = res.status;
      if (res.status === 200 && format === 'json') {
        expect(JSON.parse((res.body as Buffer).toString('utf8'))).toMatchObject({ closing_balance: 7500 });
      }
      if (res.status === 200 && format === 'pdf')
        expect((res.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
      if (res.status === 200 && format === 'csv')
        expect((res.body as Buffer).toString()).toContain(',7500\r\n');
    }
    expect(got).toEqual(EXPECTED);
  },
);

it('no token: 401; an account that does not exist: 404', async () => {
  expect((await t.request.get(`/api/savings/accounts/${account.id}/releve/`)).status).toBe(401);
  const missing = await t.request
    .get(`/api/savings/accounts/${account.id + 1000}/releve/`)
    .set('Authorization', `Bearer ${tokens.platform}`);
  expect(missing.status).toBe(404);
});
