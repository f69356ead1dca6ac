import supertest from 'supertest';
import type { Sfd, User } from '../../../src/accounts/entities';
import { sfdAccount } from '../../../src/ledger/service';
import {
  CONTRIBUTION_PURPOSE,
  agentCashAccount,
  contributionEntryKey,
  tontineAccount,
} from '../../../src/tontines/contributions';
import { Carnet, Cotisation, Tontine, TontineParticipant } from '../../../src/tontines/entities';
import { localDateOf } from '../../../src/shared/sfd-calendar';
import { entryLines, ledgerBalance } from '../../helpers/ledger';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';

const DAY = 86_400_000;
const ZONE = 'Africa/Porto-Novo';

let t: TestApp;
let api: ReturnType<typeof supertest>;

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '50' });
  api = t.request;
});
afterAll(() => t.close());

async function makeParticipant(sfd: Sfd, client: User, stake: number) {
  const m = t.deps.db.manager;
  const now = t.clock.now();
  const tontine = await m.save(
    m.create(Tontine, {
      sfdId: sfd.id,
      name: 'Tontine du marche',
      status: 'active',
      stakeMin: 100,
      stakeMax: 10_000,
      joiningFee: 1000,
      minWithdrawal: 0,
      withdrawalNoticeDays: 0,
      createdBy: null,
      createdAt: now,
      updatedAt: now,
    }),
  );
  return m.save(
    m.create(TontineParticipant, {
      sfdId: sfd.id,
      tontineId: tontine.id,
      clientId: client.id,
      stake,
      nextStake: null,
      status: 'actif',
      joinedAt: now,
      createdAt: now,
      updatedAt: now,
    }),
  );
}

/** An entry's lines as { account code: amount }. */
const linesOf = (key: string) => entryLines(t, key);

const balanceOf = (code: string) => ledgerBalance(t, code);

const carnetsOf = (participantId: number) =>
  t.deps.db.manager.find(Carnet, { where: { participantId }, order: { cycle: 'ASC' } });

describe('cash collected by a field agent', () => {
  let sfd: Sfd;
  let agent: User;
  let agentToken: string;

  beforeAll(async () => {
    sfd = await makeSfd(t, 'CASH');
    agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });
    agentToken = await tokenFor(t, agent);
  });

  const cash = (participantId: number, days: number, key: string, token = agentToken) =>
    api
      .post(`/api/tontines/participants/${participantId}/cotiser/`)
      .set('Authorization', `Bearer ${token}`)
      .set('Idempotency-Key', key)
      .send({ days, method: 'cash' });

  it('stake 500 over 44 days: 3, then 40, then 1 — carnets, commissions, ledger and SMS exact', async () => {
    const client = await makeUser(t, 'client', sfd);
    const participant = await makeParticipant(sfd, client, 500);
    const start = new Date('2026-03-01T09:00:00Z');
    t.clock.set(start);

    // Day 0, 3 days: cycle 1 boxes 1–3. Box 1 is the SFD's: commission 500, credit 2 × 500 = 1 000.
    const first = await cash(participant.id, 3, 'k-1');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      participant_id: participant.id,
      client_id: client.id,
      amount: 1500,
      days: 3,
      commission: 500,
      status: 'confirmee',
      method: 'cash',
      collected_by: agent.id,
      journal_entry_key: contributionEntryKey(first.body.id),
    });
    expect(first.body.receipt_code).toMatch(/^[A-Z2-9]{6}$/);
    expect(await linesOf(contributionEntryKey(first.body.id))).toEqual({
      [agentCashAccount(agent.id)]: -1500,
      [tontineAccount(participant.id)]: 1000,
      [sfdAccount(sfd.id, 'commission-income')]: 500,
    });

    // Day 3, 40 days: cycle 1 boxes 4–31 (28 × 500, no commission), cycle 2 boxes 1–12 (12 × 500, box
    // 1 the commission). 20 000 paid, commission 500, credit 19 500; carnet 1 complete.
    t.clock.set(new Date(start.getTime() + 3 * DAY));
    const second = await cash(participant.id, 40, 'k-2');
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ amount: 20_000, days: 40, commission: 500 });
    expect(await linesOf(contributionEntryKey(second.body.id))).toEqual({
      [agentCashAccount(agent.id)]: -20_000,
      [tontineAccount(participant.id)]: 19_500,
      [sfdAccount(sfd.id, 'commission-income')]: 500,
    });

    // Day 43, 1 day: cycle 2 box 13, no commission: no commission line at all (the ledger refuses 0).
    t.clock.set(new Date(start.getTime() + 43 * DAY));
    const third = await cash(participant.id, 1, 'k-3');
    expect(third.status).toBe(201);
    expect(third.body).toMatchObject({ amount: 500, days: 1, commission: 0 });
    expect(await linesOf(contributionEntryKey(third.body.id))).toEqual({
      [agentCashAccount(agent.id)]: -500,
      [tontineAccount(participant.id)]: 500,
    });

    // Balance: 1 000 + 19 500 + 500 = 21 000; the agent holds 22 000 in cash; the SFD earned 1 000.
    expect(await balanceOf(tontineAccount(participant.id))).toBe(21_000);
    expect(await balanceOf(agentCashAccount(agent.id))).toBe(-22_000);
    expect(await balanceOf(sfdAccount(sfd.id, 'commission-income'))).toBe(1000);

    const carnets = await carnetsOf(participant.id);
    expect(
      carnets.map((c) => [c.cycle, c.stake, c.startedOn, c.boxesPaid, c.completedAt?.toISOString() ?? null]),
    ).toEqual([
      [1, 500, '2026-03-01', 31, new Date(start.getTime() + 3 * DAY).toISOString()],
      [2, 500, '2026-03-04', 13, null],
    ]);

    const codes = [first, second, third].map((r) => r.body.receipt_code as string);
    expect((await t.inbox.to(client.phone)).map((m) => m.body)).toEqual([
      `TontiFlex: l'agent Koffi Agbo a recu 1 500 FCFA en especes (3 case(s)). Carnet 1: 3/31. Solde tontine: 1 000 FCFA. Code ${codes[0]}. Repondez NON ${codes[0]} si incorrect.`,
      `TontiFlex: l'agent Koffi Agbo a recu 20 000 FCFA en especes (40 case(s)). Carnet 2: 12/31. Solde tontine: 20 500 FCFA. Code ${codes[1]}. Repondez NON ${codes[1]} si incorrect.`,
      // The 40 days completed carnet 1: announced after the receipt, with the balance after the payment.
      'TontiFlex: Carnet 1 complet (31/31), tontine Tontine du marche. Solde tontine: 20 500 FCFA. Felicitations !',
      `TontiFlex: l'agent Koffi Agbo a recu 500 FCFA en especes (1 case(s)). Carnet 2: 13/31. Solde tontine: 21 000 FCFA. Code ${codes[2]}. Repondez NON ${codes[2]} si incorrect.`,
    ]);

    // The carnets box by box: newest first; box 1 the commission; the local date each box was paid.
    const clientToken = await tokenFor(t, client);
    const view = await api
      .get(`/api/tontines/carnets-cotisation/?participant_id=${participant.id}`)
      .set('Authorization', `Bearer ${clientToken}`);
    expect(view.status).toBe(200);
    expect(view.body.count).toBe(2);
    const [c2, c1] = view.body.results as {
      cycle: number;
      boxes: { box: number; paid_on: string | null; commission: boolean }[];
    }[];
    expect(c1.cycle).toBe(1);
    expect(c1.boxes).toHaveLength(31);
    expect(c1.boxes.filter((b) => b.commission).map((b) => b.box)).toEqual([1]);
    expect(c1.boxes.slice(0, 3).every((b) => b.paid_on === '2026-03-01')).toBe(true);
    expect(c1.boxes.slice(3).every((b) => b.paid_on === '2026-03-04')).toBe(true);
    expect(c2.boxes.slice(0, 12).every((b) => b.paid_on === '2026-03-04')).toBe(true);
    expect(c2.boxes[12].paid_on).toBe('2026-04-13');
    expect(c2.boxes.slice(13).every((b) => b.paid_on === null)).toBe(true);

    const soldes = await api.get('/api/tontines/soldes/').set('Authorization', `Bearer ${clientToken}`);
    expect(soldes.status).toBe(200);
    expect(soldes.body.results).toEqual([
      {
        participant_id: participant.id,
        tontine_id: participant.tontineId,
        client_id: client.id,
        sfd_id: sfd.id,
        balance: 21_000,
        stake: 500,
        cycle: 2,
        boxes_paid: 13,
      },
    ]);

    const list = await api
      .get(
        `/api/tontines/cotisations/?participant_id=${participant.id}&date_from=2026-03-04&date_to=2026-04-13`,
      )
      .set('Authorization', `Bearer ${agentToken}`);
    expect(list.status).toBe(200);
    expect(list.body.results.map((c: { id: number }) => c.id)).toEqual([third.body.id, second.body.id]);
  });

  it('a stake change applies from the next carnet: its box 1 and every box after at the new stake', async () => {
    const client = await makeUser(t, 'client', sfd);
    const participant = await makeParticipant(sfd, client, 500);
    expect((await cash(participant.id, 30, 's-1')).body).toMatchObject({ amount: 15_000, commission: 500 });
    await t.deps.db.manager.update(TontineParticipant, { id: participant.id }, { nextStake: 1000 });
    // Box 31 of cycle 1 at 500, then cycle 2 boxes 1–2 at 1 000 (box 1 the commission): 2 500.
    const res = await cash(participant.id, 3, 's-2');
    expect(res.body).toMatchObject({ amount: 2500, days: 3, commission: 1000 });
    expect(await linesOf(contributionEntryKey(res.body.id))).toEqual({
      [agentCashAccount(agent.id)]: -2500,
      [tontineAccount(participant.id)]: 1500,
      [sfdAccount(sfd.id, 'commission-income')]: 1000,
    });
    expect((await carnetsOf(participant.id)).map((c) => [c.cycle, c.stake, c.boxesPaid])).toEqual([
      [1, 500, 31],
      [2, 1000, 2],
    ]);
    expect(await t.deps.db.manager.findOneByOrFail(TontineParticipant, { id: participant.id })).toMatchObject(
      {
        stake: 1000,
        nextStake: null,
      },
    );
    expect(await balanceOf(tontineAccount(participant.id))).toBe(14_500 + 1500);
  });

  it('a carnet 1 opened empty when the client joined gets its start date and stake with the first box', async () => {
    const client = await makeUser(t, 'client', sfd);
    const participant = await makeParticipant(sfd, client, 600);
    const opened = t.clock.now();
    await t.deps.db.manager.insert(Carnet, {
      sfdId: sfd.id,
      participantId: participant.id,
      cycle: 1,
      stake: 600,
      startedOn: null,
      boxesPaid: 0,
      completedAt: null,
      createdAt: opened,
      updatedAt: opened,
    });
    t.clock.advance(2 * DAY);
    const res = await cash(participant.id, 2, 'e-1');
    expect(res.body).toMatchObject({ amount: 1200, commission: 600 });
    expect((await carnetsOf(participant.id)).map((c) => [c.cycle, c.startedOn, c.boxesPaid])).toEqual([
      [1, localDateOf(t.clock.now(), ZONE), 2],
    ]);
  });

  it('any sequence of payments: every carnet row, the commission and the balance follow the boxes paid', async () => {
    const client = await makeUser(t, 'client', sfd);
    const participant = await makeParticipant(sfd, client, 250);
    const commissionBefore = await balanceOf(sfdAccount(sfd.id, 'commission-income'));
    // A fixed pseudo-random sequence of 1 to 93 days: 20 payments, one a day.
    let seed = 7;
    const days = Array.from({ length: 20 }, () => ((seed = (seed * 48_271) % 2_147_483_647) % 93) + 1);
    for (const [i, d] of days.entries()) {
      t.clock.advance(DAY);
      expect((await cash(participant.id, d, `seq-${i}`)).status).toBe(201);
    }
    const total = days.reduce((a, b) => a + b, 0);
    const cycles = Math.ceil(total / 31);
    const carnets = await carnetsOf(participant.id);
    expect(carnets.map((c) => c.cycle)).toEqual(Array.from({ length: cycles }, (_, i) => i + 1));
    expect(carnets.reduce((sum, c) => sum + c.boxesPaid, 0)).toBe(total);
    expect(carnets.slice(0, -1).every((c) => c.boxesPaid === 31 && c.completedAt !== null)).toBe(true);
    expect(carnets.at(-1)?.boxesPaid).toBe(total - (cycles - 1) * 31);
    expect((await balanceOf(sfdAccount(sfd.id, 'commission-income'))) - commissionBefore).toBe(cycles * 250);
    expect(await balanceOf(tontineAccount(participant.id))).toBe((total - cycles) * 250);
  });

  it('the same Idempotency-Key ten times in parallel records one contribution and answers it to all', async () => {
    const client = await makeUser(t, 'client', sfd);
    const participant = await makeParticipant(sfd, client, 200);
    const answers = await Promise.all(Array.from({ length: 10 }, () => cash(participant.id, 5, 'same-key')));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(201));
    const ids = new Set(answers.map((r) => r.body.id as number));
    expect(ids.size).toBe(1);
    expect(answers.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    const rows = await t.deps.db.manager.findBy(Cotisation, { participantId: participant.id });
    expect(rows).toHaveLength(1);
    expect(await balanceOf(tontineAccount(participant.id))).toBe(800);
    expect((await carnetsOf(participant.id)).map((c) => c.boxesPaid)).toEqual([5]);
    expect(await t.inbox.to(client.phone)).toHaveLength(1);

    // Later, the same key again: the first result; with other figures: refused.
    const again = await cash(participant.id, 5, 'same-key');
    expect([again.status, again.body.id]).toEqual([201, [...ids][0]]);
    const other = await cash(participant.id, 6, 'same-key');
    expect(other.status).toBe(409);
    // Another agent's same key is another contribution.
    const colleague = await makeUser(t, 'agent_sfd', sfd);
    const theirs = await cash(participant.id, 5, 'same-key', await tokenFor(t, colleague));
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe([...ids][0]);
  });

  it('who may record cash: the SFD own staff only, with an Idempotency-Key', async () => {
    const client = await makeUser(t, 'client', sfd);
    const participant = await makeParticipant(sfd, client, 300);
    const url = `/api/tontines/participants/${participant.id}/cotiser`;

    const noKey = await api
      .post(url)
      .set('Authorization', `Bearer ${agentToken}`)
      .send({ days: 1, method: 'cash' });
    expect(noKey.status).toBe(400);
    expect(Object.keys(noKey.body.errors)).toEqual(['Idempotency-Key']);

    expect((await cash(participant.id, 1, 'c-1', await tokenFor(t, client))).status).toBe(403);
    const other = await makeSfd(t, 'OTHER');
    const outsider = await makeUser(t, 'agent_sfd', other);
    expect((await cash(participant.id, 1, 'c-2', await tokenFor(t, outsider))).status).toBe(404);
    const platform = await makeUser(t, 'admin_plateforme', null);
    expect((await cash(participant.id, 1, 'c-3', await tokenFor(t, platform))).status).toBe(403);
    expect((await cash(participant.id, 0, 'c-4')).status).toBe(400);
    expect((await cash(999_999, 1, 'c-5')).status).toBe(404);

    // An inactive participant contributes nothing.
    await t.deps.db.manager.update(TontineParticipant, { id: participant.id }, { status: 'suspendu' });
    expect((await cash(participant.id, 1, 'c-6')).status).toBe(409);
    expect(await t.deps.db.manager.countBy(Cotisation, { participantId: participant.id })).toBe(0);

    // Lists: a client sees their own only, an agent of another SFD none of these.
    const mine = await api
      .get('/api/tontines/cotisations/')
      .set('Authorization', `Bearer ${await tokenFor(t, client)}`);
    expect(mine.body.count).toBe(0);
    const theirs = await api
      .get('/api/tontines/cotisations/')
      .set('Authorization', `Bearer ${await tokenFor(t, outsider)}`);
    expect(theirs.body.count).toBe(0);
    const carnet = await api
      .get(`/api/tontines/carnets-cotisation/?participant_id=${participant.id}`)
      .set('Authorization', `Bearer ${await tokenFor(t, outsider)}`);
    expect(carnet.status).toBe(404);
  });
});

describe('mobile money pushed to the client phone', () => {
  it('is recorded when the payment succeeds: ledger entry, carnet and one SMS receipt', async () => {
    const sfd = await makeSfd(t, 'MOMO');
    // The simulator fails numbers ending in 9 and never answers those ending in 8.
    const client = await makeUser(t, 'client', sfd, { phone: '+2290196000052' });
    const participant = await makeParticipant(sfd, client, 500);
    const token = await tokenFor(t, client);

    const res = await api
      .post(`/api/tontines/participants/${participant.id}/cotiser/`)
      .set('Authorization', `Bearer ${token}`)
      .send({ days: 3, method: 'mobile_money' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      method: 'mobile_money',
      status: 'pending',
      days: 3,
      amount: 1500,
      commission: 500,
      payment: {
        status: 'pending',
        amount: 1500,
        type: 'cotisation_tontine',
        purpose: CONTRIBUTION_PURPOSE,
        purpose_ref: `${participant.id}:3`,
      },
    });
    const reference = res.body.payment.reference as string;
    for (let i = 0; i < 100; i++) {
      if ((await t.payments.service.byReference(reference))?.status !== 'pending') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await t.payments.service.byReference(reference))?.status).toBe('success');

    expect(await linesOf(contributionEntryKey(reference))).toEqual({
      [sfdAccount(sfd.id, 'mobile-money')]: -1500,
      [tontineAccount(participant.id)]: 1000,
      [sfdAccount(sfd.id, 'commission-income')]: 500,
    });
    const cotisation = await t.deps.db.manager.findOneByOrFail(Cotisation, { paymentReference: reference });
    expect(cotisation).toMatchObject({
      method: 'mobile_money',
      status: 'confirmee',
      amount: 1500,
      days: 3,
      commission: 500,
      collectedBy: null,
      receiptCode: null,
      journalEntryKey: contributionEntryKey(reference),
    });
    const [carnet] = await carnetsOf(participant.id);
    expect(carnet).toMatchObject({
      cycle: 1,
      boxesPaid: 3,
      stake: 500,
      startedOn: localDateOf(t.clock.now(), ZONE),
    });
    // One receipt: the contribution's, in place of the payment's generic one.
    expect((await t.inbox.to(client.phone)).map((m) => m.body)).toEqual([
      `TontiFlex: cotisation de 1 500 FCFA recue (3 case(s)). Carnet 1: 3/31. Nouveau solde tontine: 1 000 FCFA. Ref ${reference}.`,
    ]);
  });

  it('money that can no longer buy its boxes is parked in suspense, not lost', async () => {
    const sfd = await makeSfd(t, 'SUSP');
    const client = await makeUser(t, 'client', sfd, { phone: '+2290196000053' });
    const participant = await makeParticipant(sfd, client, 500);
    const res = await api
      .post(`/api/tontines/participants/${participant.id}/cotiser/`)
      .set('Authorization', `Bearer ${await tokenFor(t, client)}`)
      .send({ days: 2, method: 'mobile_money' });
    expect(res.status).toBe(201);
    // Suspended before the payment is confirmed.
    await t.deps.db.manager.update(TontineParticipant, { id: participant.id }, { status: 'suspendu' });
    const reference = res.body.payment.reference as string;
    for (let i = 0; i < 100; i++) {
      if ((await t.payments.service.byReference(reference))?.status !== 'pending') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await t.payments.service.byReference(reference))?.status).toBe('success');
    expect(await linesOf(contributionEntryKey(reference))).toEqual({
      [sfdAccount(sfd.id, 'mobile-money')]: -1000,
      [sfdAccount(sfd.id, 'suspense')]: 1000,
    });
    expect(await t.deps.db.manager.countBy(Cotisation, { participantId: participant.id })).toBe(0);
  });
});
