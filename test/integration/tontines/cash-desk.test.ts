import Koa from 'koa';
import supertest from 'supertest';
import type { Sfd, User } from '../../../src/accounts/entities';
import { problemHandler } from '../../../src/http/errors';
import { publicBaseUrl } from '../../../src/http/pagination';
import { requestContext, stripTrailingSlash } from '../../../src/http/request-context';
import { mountRoutes } from '../../../src/http/route';
import { ensureAccount, post } from '../../../src/ledger/service';
import { CashDeskService } from '../../../src/tontines/cash-desk';
import { agentCashAccount, tontineAccount } from '../../../src/tontines/contributions';
import { Cotisation, TontineParticipant } from '../../../src/tontines/entities';
import { cashDeskRoutes } from '../../../src/tontines/routes-cash-desk';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeTontine, makeUser, tokenFor } from '../../helpers/factories';

/** The collector's cash desk: cash on hand from the ledger, the day's cash collections, who sees it. */
let t: TestApp;
let api: ReturnType<typeof supertest>;
let sfd: Sfd;
let agent: User;
let participant: TontineParticipant;
const HOUR = 3_600_000;

function mount(app: TestApp) {
  const koa = new Koa({ proxy: true });
  koa.use(requestContext(app.deps.logger));
  koa.use(publicBaseUrl(app.config.PUBLIC_BASE_URL));
  koa.use(problemHandler());
  koa.use(stripTrailingSlash());
  const service = new CashDeskService(app.deps, app.accounts.service);
  const router = mountRoutes(cashDeskRoutes(service, app.accounts.service), {
    authenticator: app.accounts.tokens,
    bodyLimit: app.config.BODY_LIMIT,
    checkResponses: true,
  });
  koa.use(router.routes());
  return supertest(koa.callback());
}

/** A cash contribution as contributions.ts records it: the row and agent cash −amount → participant. */
async function cash(by: User, amount: number, commission: number, at: Date) {
  const m = t.deps.db.manager;
  await ensureAccount(m, {
    code: agentCashAccount(by.id),
    kind: 'agent-cash',
    sfdId: sfd.id,
    ownerId: by.id,
    mayGoNegative: true,
    at,
  });
  const c = await m.save(
    m.create(Cotisation, {
      sfdId: sfd.id,
      participantId: participant.id,
      tontineId: participant.tontineId,
      clientId: participant.clientId,
      amount,
      days: amount / 500,
      commission,
      status: 'confirmee',
      method: 'cash',
      collectedBy: by.id,
      paymentReference: null,
      journalEntryKey: null,
      idempotencyKey: null,
      receiptCode: null,
      createdAt: at,
      updatedAt: at,
      confirmedAt: at,
    }),
  );
  const lines = [
    { account: agentCashAccount(by.id), amount: -amount },
    { account: tontineAccount(participant.id), amount: amount - commission },
  ];
  if (commission > 0) lines.push({ account: `sfd:${sfd.id}:commission-income`, amount: commission });
  await post(m, { key: `test:cash:${c.id}`, kind: 'tontine_cotisation', lines, sfdId: sfd.id, at });
}

beforeAll(async () => {
  t = await startTestApp();
  api = mount(t);
  sfd = await makeSfd(t, 'DESK');
  agent = await makeUser(t, 'agent_sfd', sfd);
  const client = await makeUser(t, 'client', sfd);
  const tontine = await makeTontine(t, sfd);
  const now = t.clock.now();
  participant = await t.deps.db.manager.save(
    t.deps.db.manager.create(TontineParticipant, {
      sfdId: sfd.id,
      tontineId: tontine.id,
      clientId: client.id,
      stake: 500,
      nextStake: null,
      status: 'actif',
      joinedAt: now,
      createdAt: now,
      updatedAt: now,
    }),
  );
  await ensureAccount(t.deps.db.manager, {
    code: tontineAccount(participant.id),
    kind: 'tontine',
    sfdId: sfd.id,
    ownerId: client.id,
    mayGoNegative: false,
    at: now,
  });
});
afterAll(() => t.close());

const desk = async (user: User, q = '') =>
  api.get(`/api/tontines/collecte/caisse/${q}`).set('Authorization', `Bearer ${await tokenFor(t, user)}`);

it('an agent who collected nothing holds nothing', async () => {
  const res = await desk(agent);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    agent_id: agent.id,
    sfd_id: sfd.id,
    cash_on_hand: 0,
    collections: { count: 0, amount: 0, commission: 0 },
  });
});

it('cash on hand from the ledger; the collections of the SFD-local day only', async () => {
  // Noon in Porto-Novo (UTC+1) today; yesterday's collection counts in the cash, not in the day.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Porto-Novo' }).format(t.clock.now());
  const noon = new Date(`${today}T11:00:00.000Z`);
  await cash(agent, 1500, 500, new Date(noon.getTime() - 24 * HOUR));
  await cash(agent, 2000, 0, noon);
  await cash(agent, 1000, 500, new Date(noon.getTime() + HOUR));
  const res = await desk(agent, `?date=${today}`);
  expect(res.body).toEqual({
    agent_id: agent.id,
    sfd_id: sfd.id,
    date: today,
    cash_on_hand: 4500,
    collections: { count: 2, amount: 3000, commission: 500 },
    open_remittance: null,
    variance: 0,
  });
});

it('who sees a desk: the agent their own; a supervisor of the SFD any of its staff; others 403/404', async () => {
  const other = await makeSfd(t, 'DESKX');
  const supervisor = await makeUser(t, 'superviseur_sfd', sfd);
  const colleague = await makeUser(t, 'agent_sfd', sfd);
  expect((await desk(supervisor, `?agent_id=${agent.id}`)).body.cash_on_hand).toBe(4500);
  expect((await desk(colleague, `?agent_id=${agent.id}`)).status).toBe(403);
  expect((await desk(await makeUser(t, 'superviseur_sfd', other), `?agent_id=${agent.id}`)).status).toBe(404);
  expect((await desk(await makeUser(t, 'client', sfd))).status).toBe(403);
  expect((await desk(await makeUser(t, 'admin_plateforme', null))).status).toBe(403);
});
