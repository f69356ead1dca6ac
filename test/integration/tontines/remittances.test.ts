import { AuditEvent, type Sfd, type User } from '../../../src/accounts/entities';
import { JournalEntry } from '../../../src/ledger/entities';
import { sfdAccount } from '../../../src/ledger/service';
import { Notification } from '../../../src/notifications/inapp-entities';
import { agentCashAccount } from '../../../src/tontines/contributions';
import { Versement, type TontineParticipant } from '../../../src/tontines/entities';
import {
  REMITTANCE_PENDING,
  agentVarianceAccount,
  remittanceEntryKey,
} from '../../../src/tontines/remittances';
import { entryLines, ledgerBalance } from '../../helpers/ledger';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';
import { fundedParticipant } from './withdrawals-helpers';

/**
 * Cash remittances: an agent collects cash (the real cash contribution endpoint), declares handing it to
 * the branch, a superviseur counts it; the ledger moves the declared amount off the agent's cash, the
 * counted amount onto the branch's, and the difference onto the agent's variance.
 */
let t: TestApp;
let sfd: Sfd;
let agent: User;
let supervisor: User;
let admin: User;
let participant: TontineParticipant;
const tokens = new Map<number, string>();
let keys = 0;

const auth = async (user: User) => {
  if (!tokens.has(user.id)) tokens.set(user.id, await tokenFor(t, user));
  return { Authorization: `Bearer ${tokens.get(user.id)}` };
};

/** `days` boxes at stake 500 collected in cash by `by` (201 expected). */
async function collect(by: User, days: number) {
  const res = await t.request
    .post(`/api/tontines/participants/${participant.id}/cotiser/`)
    .set(await auth(by))
    .set('Idempotency-Key', `rem-${++keys}`)
    .send({ days, method: 'cash' });
  expect(res.status).toBe(201);
  return res.body as { amount: number };
}

const declare = async (by: User, amount: number, note?: string) =>
  t.request
    .post('/api/tontines/collecte/versements/')
    .set(await auth(by))
    .send({ amount, ...(note ? { note } : {}) });

const confirm = async (by: User, id: number, counted: number, note?: string) =>
  t.request
    .post(`/api/tontines/collecte/versements/${id}/confirmer/`)
    .set(await auth(by))
    .send({ counted_amount: counted, ...(note ? { note } : {}) });

const desk = async (user: User) =>
  (await t.request.get('/api/tontines/collecte/caisse/').set(await auth(user))).body as {
    cash_on_hand: number;
    open_remittance: { id: number; declared_amount: number; created_at: string } | null;
    variance: number;
  };

const balanceOf = (code: string) => ledgerBalance(t, code, true);

/** An entry's lines as { account code: amount }. */
const linesOf = (key: string) => entryLines(t, key);

const auditOf = async (action: string, targetId: number) => {
  const row = await t.deps.db.manager.findOneByOrFail(AuditEvent, {
    action,
    targetType: 'versement',
    targetId: String(targetId),
  });
  return {
    actorId: row.actorId,
    sfdId: row.sfdId,
    before: row.before ? (JSON.parse(row.before) as object) : null,
    after: row.after ? (JSON.parse(row.after) as object) : null,
  };
};

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'VERS');
  agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });
  supervisor = await makeUser(t, 'superviseur_sfd', sfd);
  admin = await makeUser(t, 'admin_sfd', sfd);
  participant = await fundedParticipant(t, sfd, await makeUser(t, 'client', sfd), 0);
});
afterAll(() => t.close());

it('exact count: the agent hands 3 500 over; cash on hand 0, branch cash +3 500, no variance', async () => {
  await collect(agent, 3); // 1 500
  await collect(agent, 4); // 2 000
  expect(await desk(agent)).toMatchObject({ cash_on_hand: 3500, open_remittance: null, variance: 0 });

  const declared = await declare(agent, 3500, 'Marche Dantokpa');
  expect(declared.status).toBe(201);
  expect(declared.body).toMatchObject({
    sfd_id: sfd.id,
    agent_id: agent.id,
    declared_amount: 3500,
    counted_amount: null,
    variance: null,
    status: 'declare',
    note: 'Marche Dantokpa',
    confirmed_by: null,
    confirmed_at: null,
  });
  const id = declared.body.id as number;
  // Declared is not counted: the cash is still in the agent's hands, the remittance shows as open.
  expect(await desk(agent)).toEqual(
    expect.objectContaining({
      cash_on_hand: 3500,
      open_remittance: { id, declared_amount: 3500, created_at: declared.body.created_at },
      variance: 0,
    }),
  );
  expect(await auditOf('tontine.versement.declare', id)).toEqual({
    actorId: agent.id,
    sfdId: sfd.id,
    before: null,
    after: {
      status: 'declare',
      declared_amount: 3500,
      counted_amount: null,
      variance: null,
      agent_id: agent.id,
      cash_on_hand: 3500,
    },
  });
  // The superviseur (not the admin) is told, in French.
  const notices = await t.deps.db.manager.findBy(Notification, { type: REMITTANCE_PENDING });
  expect(notices.map((n) => [n.userId, n.message, n.data, n.readAt])).toEqual([
    [
      supervisor.id,
      "Koffi Agbo a déclaré remettre 3 500 FCFA en espèces à l'agence : à compter et confirmer.",
      JSON.stringify({ versement_id: id }),
      null,
    ],
  ]);

  const confirmed = await confirm(supervisor, id, 3500);
  expect(confirmed.status).toBe(200);
  expect(confirmed.body).toMatchObject({
    id,
    declared_amount: 3500,
    counted_amount: 3500,
    variance: 0,
    status: 'confirme',
    confirmed_by: supervisor.id,
  });
  expect(await linesOf(remittanceEntryKey(id))).toEqual({
    [agentCashAccount(agent.id)]: 3500,
    [sfdAccount(sfd.id, 'cash')]: -3500,
  });
  expect(await desk(agent)).toMatchObject({ cash_on_hand: 0, open_remittance: null, variance: 0 });
  expect(await balanceOf(sfdAccount(sfd.id, 'cash'))).toBe(-3500);
  expect(await auditOf('tontine.versement.confirm', id)).toEqual({
    actorId: supervisor.id,
    sfdId: sfd.id,
    before: { status: 'declare', declared_amount: 3500, counted_amount: null, variance: null },
    after: { status: 'confirme', declared_amount: 3500, counted_amount: 3500, variance: 0 },
  });
  // No variance, no variance row; the notice is closed.
  expect(await t.deps.db.manager.countBy(AuditEvent, { action: 'tontine.versement.variance' })).toBe(0);
  const [notice] = await t.deps.db.manager.findBy(Notification, { type: REMITTANCE_PENDING });
  expect(notice.readAt).not.toBeNull();
});

it('a shortfall: 5 000 declared, 4 500 counted; the agent owes 500, every balance exact', async () => {
  await collect(agent, 10); // 5 000
  const declared = await declare(agent, 5000);
  expect(declared.status).toBe(201);
  const id = declared.body.id as number;
  const confirmed = await confirm(admin, id, 4500, 'Un billet de 500 manquant');
  expect(confirmed.status).toBe(200);
  expect(confirmed.body).toMatchObject({ counted_amount: 4500, variance: -500, status: 'confirme' });
  expect(await linesOf(remittanceEntryKey(id))).toEqual({
    [agentCashAccount(agent.id)]: 5000,
    [sfdAccount(sfd.id, 'cash')]: -4500,
    [agentVarianceAccount(agent.id)]: -500,
  });
  // Collected 8 500, handed 8 500 as declared: nothing on hand; the branch got 3 500 + 4 500.
  expect(await balanceOf(agentCashAccount(agent.id))).toBe(0);
  expect(await balanceOf(agentVarianceAccount(agent.id))).toBe(-500);
  expect(await balanceOf(sfdAccount(sfd.id, 'cash'))).toBe(-8000);
  expect(await desk(agent)).toMatchObject({ cash_on_hand: 0, open_remittance: null, variance: -500 });
  expect(await auditOf('tontine.versement.confirm', id)).toMatchObject({
    after: {
      status: 'confirme',
      declared_amount: 5000,
      counted_amount: 4500,
      variance: -500,
      note: 'Un billet de 500 manquant',
    },
  });
  expect(await auditOf('tontine.versement.variance', id)).toEqual({
    actorId: admin.id,
    sfdId: sfd.id,
    before: { agent_id: agent.id, agent_variance: 0 },
    after: {
      agent_id: agent.id,
      declared_amount: 5000,
      counted_amount: 4500,
      variance: -500,
      agent_variance: -500,
    },
  });

  // A surplus next time is recorded too, and the variance is cumulative: −500 + 200 = −300.
  await collect(agent, 2); // 1 000
  const next = await declare(agent, 1000);
  expect((await confirm(supervisor, next.body.id as number, 1200)).body.variance).toBe(200);
  expect(await balanceOf(agentVarianceAccount(agent.id))).toBe(-300);
  expect(await balanceOf(sfdAccount(sfd.id, 'cash'))).toBe(-9200);
  expect((await desk(agent)).variance).toBe(-300);
  expect(await auditOf('tontine.versement.variance', next.body.id as number)).toMatchObject({
    before: { agent_variance: -500 },
    after: { variance: 200, agent_variance: -300 },
  });
});

it('more than on hand: 409 insufficient_funds; bad amounts: 400; nothing written', async () => {
  await collect(agent, 1); // 500 on hand
  expectProblem(await declare(agent, 501), 409, 'insufficient-funds');
  expectProblem(await declare(agent, 0), 400, 'validation');
  expectProblem(await declare(agent, 12.5), 400, 'validation');
  expect(await t.deps.db.manager.countBy(Versement, { agentId: agent.id, status: 'declare' })).toBe(0);
  // What is on hand may be declared, and counted as nothing at all (all of it missing).
  const all = await declare(agent, 500);
  expect(all.status).toBe(201);
  expectProblem(await confirm(supervisor, all.body.id as number, -1), 400, 'validation');
  const none = await confirm(supervisor, all.body.id as number, 0);
  expect(none.body).toMatchObject({ counted_amount: 0, variance: -500 });
  expect(await linesOf(remittanceEntryKey(all.body.id as number))).toEqual({
    [agentCashAccount(agent.id)]: 500,
    [agentVarianceAccount(agent.id)]: -500,
  });
  expect(await balanceOf(agentVarianceAccount(agent.id))).toBe(-800);
});

it('two parallel declarations: exactly one 201, the other 409; one open remittance', async () => {
  await collect(agent, 4); // 2 000
  const answers = await Promise.all([declare(agent, 1000), declare(agent, 1500)]);
  expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
  expectProblem(answers.find((r) => r.status === 409) as (typeof answers)[number], 409, 'conflict');
  expect(await t.deps.db.manager.countBy(Versement, { openAgentId: agent.id })).toBe(1);
  // And one afterwards too, while it is open.
  expectProblem(await declare(agent, 100), 409, 'conflict');
  const open = answers.find((r) => r.status === 201)?.body as { id: number; declared_amount: number };
  expect((await desk(agent)).open_remittance).toMatchObject({ id: open.id });
  // Two counters at once: one wins, the other is told it is no longer open; one entry.
  const counts = await Promise.all([
    confirm(supervisor, open.id, open.declared_amount),
    confirm(admin, open.id, open.declared_amount),
  ]);
  expect(counts.map((r) => r.status).sort()).toEqual([200, 409]);
  expect(await t.deps.db.manager.countBy(JournalEntry, { key: remittanceEntryKey(open.id) })).toBe(1);
  // Counted: the agent may declare again.
  expect((await declare(agent, 2000 - open.declared_amount)).status).toBe(201);
});

it('maker-checker: who hands the cash over never counts it; confirming twice is a 409', async () => {
  // The agent's open remittance (the previous test's last declaration): they cannot count it.
  const [open] = await t.deps.db.manager.findBy(Versement, { openAgentId: agent.id });
  expectProblem(await confirm(agent, open.id, open.declaredAmount), 403);
  // A superviseur collecting themself declares; they may not count their own, a colleague may.
  await collect(supervisor, 2);
  const own = await declare(supervisor, 1000);
  expect(own.status).toBe(201);
  expectProblem(await confirm(supervisor, own.body.id as number, 1000), 403, 'forbidden');
  expect((await confirm(admin, own.body.id as number, 1000)).status).toBe(200);

  const cashBefore = await balanceOf(sfdAccount(sfd.id, 'cash'));
  expect((await confirm(supervisor, open.id, open.declaredAmount)).status).toBe(200);
  const again = await confirm(admin, open.id, open.declaredAmount - 100);
  expectProblem(again, 409, 'conflict');
  // The second count changed nothing: one entry, the first count kept.
  expect(await balanceOf(sfdAccount(sfd.id, 'cash'))).toBe(cashBefore - open.declaredAmount);
  const row = await t.deps.db.manager.findOneByOrFail(Versement, { id: open.id });
  expect([row.countedAmount, row.variance, row.confirmedBy]).toEqual([open.declaredAmount, 0, supervisor.id]);
  expect(await t.deps.db.manager.countBy(JournalEntry, { key: remittanceEntryKey(open.id) })).toBe(1);
  expect(await desk(agent)).toMatchObject({ cash_on_hand: 0, open_remittance: null, variance: -800 });
});

it('the list: filters by agent, status and SFD-local dates; paginated; one by id', async () => {
  const list = async (user: User, q = '') =>
    (await t.request.get(`/api/tontines/collecte/versements/${q}`).set(await auth(user))).body as {
      count: number;
      next: string | null;
      results: { id: number; agent_id: number; status: string }[];
    };
  const all = await t.deps.db.manager.find(Versement, { order: { id: 'DESC' } });
  const agents = all.filter((v) => v.agentId === agent.id);
  expect(agents.length).toBe(6);
  // The agent sees their own (not the superviseur's); the superviseur all of the SFD's.
  expect((await list(agent)).results.map((r) => r.id)).toEqual(agents.map((v) => v.id));
  expect((await list(supervisor)).results.map((r) => r.id)).toEqual(all.map((v) => v.id));
  expect((await list(supervisor, `?agent_id=${supervisor.id}`)).results.map((r) => r.agent_id)).toEqual([
    supervisor.id,
  ]);
  expect((await list(admin, '?status=declare')).count).toBe(0);
  expect((await list(admin, '?status=confirme')).count).toBe(all.length);
  const page = await list(admin, '?page_size=3');
  expect([page.count, page.results.length, page.next !== null]).toEqual([all.length, 3, true]);
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Porto-Novo' }).format(t.clock.now());
  expect((await list(admin, `?date_from=${today}&date_to=${today}`)).count).toBe(all.length);
  expect((await list(admin, '?date_to=2020-01-01')).count).toBe(0);
  expectProblem(
    await t.request.get('/api/tontines/collecte/versements/?status=open').set(await auth(admin)),
    400,
    'validation',
  );

  const one = await t.request
    .get(`/api/tontines/collecte/versements/${agents[0].id}/`)
    .set(await auth(agent));
  expect(one.body).toMatchObject({ id: agents[0].id, agent_id: agent.id, status: 'confirme' });
  const theirs = all.find((v) => v.agentId === supervisor.id) as Versement;
  expectProblem(
    await t.request.get(`/api/tontines/collecte/versements/${theirs.id}/`).set(await auth(agent)),
    404,
  );
});
