import type { Sfd } from '../../../src/accounts/entities';
import { auditOf } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd } from '../../helpers/factories';
import { CALLERS, matrixCallers, type Caller } from '../../helpers/matrix';
import { expectProblem } from '../../helpers/problem';
import { eligibleClient, makeApplication } from './helpers';

/**
 * The SFD's loan settings: the defaults (24 % usury cap, en_defaut after 90 days), read by its staff,
 * changed by its admin_sfd only (audited), checked; the new cap applies to the next terms. Matrix.
 */
let t: TestApp;
let own: Sfd;
let other: Sfd;
let tokens: Record<Caller, string>;

beforeAll(async () => {
  t = await startTestApp();
  own = await makeSfd(t, 'LSO');
  other = await makeSfd(t, 'LSX');
  ({ tokens } = await matrixCallers(t, own, other));
});
afterAll(() => t.close());

const getAs = (c: Caller, query = '') =>
  t.request.get(`/api/loans/settings/${query}`).set('Authorization', `Bearer ${tokens[c]}`);
const putAs = (c: Caller, body: object) =>
  t.request.put('/api/loans/settings/').set('Authorization', `Bearer ${tokens[c]}`).send(body);

it('GET: staff read their SFD (defaults 24 and 90); clients 403; the platform admin names the SFD', async () => {
  const got: Record<string, [number, number | undefined]> = {};
  for (const c of CALLERS) {
    const res = await getAs(c);
    got[c] = [res.status, res.body.sfd_id];
  }
  expect(got).toEqual({
    owner: [403, undefined],
    otherClient: [403, undefined],
    'agent_sfd:own': [200, own.id],
    'superviseur_sfd:own': [200, own.id],
    'admin_sfd:own': [200, own.id],
    'agent_sfd:other': [200, other.id],
    'superviseur_sfd:other': [200, other.id],
    'admin_sfd:other': [200, other.id],
    platform: [400, undefined],
  });
  expect((await getAs('agent_sfd:own')).body).toEqual({
    sfd_id: own.id,
    usury_cap: 24,
    default_after_days: 90,
  });
  expect((await getAs('platform', `?sfd_id=${own.id}`)).body).toEqual({
    sfd_id: own.id,
    usury_cap: 24,
    default_after_days: 90,
  });
  expectProblem(await getAs('platform', '?sfd_id=99999999'), 404);
  // An SFD's staff cannot read another's by naming it: the filter is their own SFD.
  expect((await getAs('agent_sfd:own', `?sfd_id=${other.id}`)).body.sfd_id).toBe(own.id);
});

it('PUT: the admin_sfd of each SFD changes their own; everyone else 403', async () => {
  const got: Record<string, number> = {};
  for (const c of CALLERS) got[c] = (await putAs(c, { default_after_days: 60 })).status;
  expect(got).toEqual({
    owner: 403,
    otherClient: 403,
    'agent_sfd:own': 403,
    'superviseur_sfd:own': 403,
    'admin_sfd:own': 200,
    'agent_sfd:other': 403,
    'superviseur_sfd:other': 403,
    'admin_sfd:other': 200,
    platform: 403,
  });
  expect((await getAs('agent_sfd:own')).body).toEqual({
    sfd_id: own.id,
    usury_cap: 24,
    default_after_days: 60,
  });
});

it('PUT: checked, audited, and the new cap applies to the next terms', async () => {
  const bad: [object, string][] = [
    [{}, 'non_field_errors'],
    [{ usury_cap: 0 }, 'usury_cap'],
    [{ usury_cap: 100.01 }, 'usury_cap'],
    [{ usury_cap: '20.555' }, 'usury_cap'],
    [{ default_after_days: 0 }, 'default_after_days'],
    [{ default_after_days: 366 }, 'default_after_days'],
    [{ default_after_days: 1.5 }, 'default_after_days'],
  ];
  for (const [body, field] of bad) {
    const res = await putAs('admin_sfd:own', body);
    expectProblem(res, 400, 'validation');
    expect([body, Object.keys(res.body.errors)]).toEqual([body, [field]]);
  }
  const res = await putAs('admin_sfd:own', { usury_cap: '20.5' });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ sfd_id: own.id, usury_cap: 20.5, default_after_days: 60 });
  const trail = await auditOf(t, 'loan_settings', own.id);
  expect(trail.map((e) => [e.action, e.before, e.after])).toEqual([
    [
      'loan.settings.update',
      { usury_cap_bp: 2400, default_after_days: 90 },
      { usury_cap_bp: 2400, default_after_days: 60 },
    ],
    [
      'loan.settings.update',
      { usury_cap_bp: 2400, default_after_days: 60 },
      { usury_cap_bp: 2050, default_after_days: 60 },
    ],
  ]);
  expect(trail[1].sfdId).toBe(own.id);
  // 22 % is now over this SFD's cap, and still within the other SFD's.
  const { client, savings } = await eligibleClient(t, own);
  const { application } = await makeApplication(t, own, client, savings);
  const refused = await t.request
    .post(`/api/loans/applications/${application.id}/process-application/`)
    .set('Authorization', `Bearer ${tokens['superviseur_sfd:own']}`)
    .send({ annual_rate: 22, daily_penalty_rate: 0.1 });
  expectProblem(refused, 409, 'usury-exceeded');
  expect(refused.body.errors).toEqual({ teg: ['22.00'], usury_cap: ['20.50'] });
  const { client: c2, savings: s2 } = await eligibleClient(t, other);
  const { application: a2 } = await makeApplication(t, other, c2, s2);
  const accepted = await t.request
    .post(`/api/loans/applications/${a2.id}/process-application/`)
    .set('Authorization', `Bearer ${tokens['superviseur_sfd:other']}`)
    .send({ annual_rate: 22, daily_penalty_rate: 0.1 });
  expect([accepted.status, accepted.body.teg]).toEqual([200, 22]);
});
