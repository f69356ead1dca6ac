import type { Sfd, User } from '../../../src/accounts/entities';
import { LoanGuarantee, type LoanApplicationStatus } from '../../../src/loans/entities';
import { auditOf, authed } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';
import { eligibleClient, makeApplication } from './helpers';

/**
 * Guarantees other than the savings hold: added by the client on their own application while it is
 * soumis or en_cours_examen, by the SFD's staff until it is decided; validated, audited, listed.
 */

let t: TestApp;
let a: Sfd;
let agentA: User;
let tokAgentA: string;
const { get, post } = authed(() => t);
const url = (id: number) => `/api/loans/applications/${id}/guarantees/`;

beforeAll(async () => {
  t = await startTestApp();
  a = await makeSfd(t, 'GUA');
  agentA = await makeUser(t, 'agent_sfd', a);
  tokAgentA = await tokenFor(t, agentA);
});
afterAll(() => t.close());

async function application(status: LoanApplicationStatus = 'soumis') {
  const { client, savings } = await eligibleClient(t, a);
  const { application: app } = await makeApplication(t, a, client, savings, { status });
  return { client, app, token: await tokenFor(t, client) };
}

const BODY = { type: 'materiel', value: 350_000, description: '  Moulin a grains, facture jointe  ' };

it('the client and staff add guarantees; each is audited and listed, oldest first', async () => {
  const { app, token, client } = await application();
  const mine = await post(token, url(app.id), BODY);
  expect(mine.status).toBe(201);
  const row = (await t.deps.db.manager.findOneBy(LoanGuarantee, {
    id: mine.body.id as number,
  })) as LoanGuarantee;
  expect(mine.body).toEqual({
    id: row.id,
    application_id: app.id,
    type: 'materiel',
    value: 350_000,
    description: 'Moulin a grains, facture jointe', // trimmed
    created_at: t.clock.now().toISOString(),
  });
  expect(row).toMatchObject({ sfdId: a.id, applicationId: app.id, value: 350_000 });
  const staff = await post(tokAgentA, url(app.id), {
    type: 'caution',
    value: 1,
    description: 'Caution de M. Hounsa',
  });
  expect(staff.status).toBe(201);

  expect(
    (await auditOf(t, 'loan_guarantee', row.id)).map((e) => [
      e.action,
      e.actorId,
      e.actorRole,
      e.sfdId,
      e.after,
    ]),
  ).toEqual([
    [
      'loan.guarantee.create',
      client.id,
      'client',
      a.id,
      { application_id: app.id, type: 'materiel', value: 350_000 },
    ],
  ]);
  expect((await auditOf(t, 'loan_guarantee', staff.body.id as number))[0]).toMatchObject({
    actorId: agentA.id,
    actorRole: 'agent_sfd',
  });

  const list = await get(token, url(app.id));
  expect(list.status).toBe(200);
  expect(list.body).toEqual({ count: 2, next: null, previous: null, results: [mine.body, staff.body] });
  const page = await get(tokAgentA, `${url(app.id)}?page=2&page_size=1`);
  expect(page.body).toMatchObject({ count: 2, next: null, results: [staff.body] });
  expect(page.body.previous).toMatch(
    new RegExp(`/api/loans/applications/${app.id}/guarantees\\?page=1&page_size=1$`),
  );
});

it('bad input is a 400 naming each field; nothing written', async () => {
  const { app } = await application();
  const bad = await post(tokAgentA, url(app.id), { type: 'bijoux', value: 0, description: 'a\u202eb' });
  expectProblem(bad, 400, 'validation');
  expect(Object.keys(bad.body.errors).sort()).toEqual(['description', 'type', 'value']);
  for (const body of [
    { ...BODY, value: 1.5 },
    { ...BODY, value: '1000' },
    { ...BODY, description: '   ' },
    { ...BODY, description: 'x'.repeat(501) },
    { ...BODY, description: '<script>' },
    { type: 'materiel', value: 10 },
  ]) {
    expectProblem(await post(tokAgentA, url(app.id), body), 400, 'validation');
  }
  expect((await post(tokAgentA, url(app.id), { ...BODY, description: 'x'.repeat(500) })).status).toBe(201);
  expect(await t.deps.db.manager.countBy(LoanGuarantee, { applicationId: app.id })).toBe(1);
});

it('the client until it is forwarded, staff until it is decided; then 409 and nothing written', async () => {
  const cases: [LoanApplicationStatus, number, number][] = [
    ['soumis', 201, 201],
    ['en_cours_examen', 201, 201],
    ['transfere_admin', 409, 201],
    ['accorde', 409, 409],
    ['rejete', 409, 409],
  ];
  for (const [status, client, staff] of cases) {
    const { app, token } = await application(status);
    const byClient = await post(token, url(app.id), BODY);
    expect([status, byClient.status]).toEqual([status, client]);
    if (client === 409) expectProblem(byClient, 409, 'conflict');
    expect([status, (await post(tokAgentA, url(app.id), BODY)).status]).toEqual([status, staff]);
    const written = (client === 201 ? 1 : 0) + (staff === 201 ? 1 : 0);
    expect(await t.deps.db.manager.countBy(LoanGuarantee, { applicationId: app.id })).toBe(written);
  }
});
