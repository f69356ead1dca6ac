import type { Sfd, User } from '../../../src/accounts/entities';
import { checkLedger } from '../../../src/ledger/check';
import { JournalEntry, Posting } from '../../../src/ledger/entities';
import { agentCashAccount, contributionEntryKey, tontineAccount } from '../../../src/tontines/contributions';
import { Carnet, Cotisation, Retrait } from '../../../src/tontines/entities';
import { withdrawalEntryKey } from '../../../src/tontines/withdrawals';
import { auditOf, authed } from '../../helpers/api';
import { ledgerBalance } from '../../helpers/ledger';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';
import { fundedParticipant } from './withdrawals-helpers';

/**
 * The concurrency acceptance, through the HTTP API on the real database (and on SQLite with
 * TEST_EMBEDDED=1, which runs one transaction at a time: the same invariants hold):
 * - 20 parallel withdrawal requests by the client and two agents never promise more than the available
 *   balance; 20 parallel decisions by two agents (two at once on each withdrawal, approvals and
 *   rejections mixed) decide each withdrawal once and never overdraw; requests and decisions
 *   interleaved in parallel keep balance − pending − paid exact.
 * - The same Idempotency-Key sent 10 times in parallel records one contribution: one row, one ledger
 *   entry, one audit row, one SMS receipt, the same answer to all ten.
 *
 * withdrawals.test.ts and contributions.test.ts keep their single-actor versions (one client asking 20
 * times, one agent approving 20 times, rows written past the balance, one key ten times); this file is
 * the home of the acceptance.
 */

let t: TestApp;
let sfd: Sfd;
let client: User;
let agent1: User;
let agent2: User;
const tok: Record<'client' | 'agent1' | 'agent2', string> = { client: '', agent1: '', agent2: '' };

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'CONC');
  client = await makeUser(t, 'client', sfd, { phone: '+2290196000031' });
  agent1 = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });
  agent2 = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Afi', lastName: 'Dossou' });
  tok.client = await tokenFor(t, client);
  tok.agent1 = await tokenFor(t, agent1);
  tok.agent2 = await tokenFor(t, agent2);
});
afterAll(() => t.close());

const { post } = authed(() => t);
const ask = (token: string, participantId: number, amount: number) =>
  post(token, '/api/tontines/retraits/', { participant_id: participantId, amount });
const decide = (token: string, id: number, body: object) =>
  post(token, `/api/tontines/retraits/${id}/valider/`, body);
const APPROVE_CASH = { decision: 'approve', method: 'cash' };

const balanceOf = (code: string) => ledgerBalance(t, code);
const retraitsOf = (participantId: number) =>
  t.deps.db.manager.find(Retrait, { where: { participantId }, order: { id: 'ASC' } });
const sum = (rows: { amount: number }[]) => rows.reduce((s, r) => s + r.amount, 0);

/** The ledger's invariants now (every entry sums to zero, balances match postings, none overdrawn). */
async function ledgerHolds() {
  expect(await checkLedger(t.deps.db)).toEqual([]);
}

/** `n` pending withdrawals of `amount`, asked one after the other by the client. */
async function pending(participantId: number, n: number, amount: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await ask(tok.client, participantId, amount);
    expect(res.status).toBe(201);
    ids.push(res.body.id as number);
  }
  return ids;
}

describe('withdrawals against one balance', () => {
  it('20 parallel requests by the client and two agents: exactly floor(10 500 / 1 000) = 10 accepted', async () => {
    const p = await fundedParticipant(t, sfd, client, 10_500);
    const tokens = [tok.client, tok.agent1, tok.agent2];
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => ask(tokens[i % 3], p.id, 1000)));
    const accepted = answers.filter((a) => a.status === 201);
    expect(accepted).toHaveLength(10);
    for (const refused of answers.filter((a) => a.status !== 201)) {
      expectProblem(refused, 409, 'insufficient-funds');
    }
    // What was promised: 10 pending rows of 1 000, one per accepted answer; 500 left to ask for.
    const rows = await retraitsOf(p.id);
    expect(rows.map((r) => r.id).sort()).toEqual(accepted.map((a) => a.body.id as number).sort());
    expect(rows.every((r) => r.status === 'pending' && r.amount === 1000)).toBe(true);
    expectProblem(await ask(tok.agent1, p.id, 501), 409, 'insufficient-funds');
    // Nothing posted yet: the balance is whole.
    expect(await balanceOf(tontineAccount(p.id))).toBe(10_500);
    await ledgerHolds();
  });

  it('20 parallel decisions, two agents at once on each of 10 withdrawals: each decided once, never overdrawn', async () => {
    const p = await fundedParticipant(t, sfd, client, 10_500);
    const ids = await pending(p.id, 10, 1000);
    // Agent 1 approves every one; agent 2, at the same moment, approves the even ones and rejects the odd.
    const calls = ids.flatMap((id, i) => [
      { id, agent: agent1, body: APPROVE_CASH },
      {
        id,
        agent: agent2,
        body: i % 2 === 0 ? APPROVE_CASH : { decision: 'reject', reason: 'Carnet non presente' },
      },
    ]);
    const answers = await Promise.all(
      calls.map((c) => decide(c.agent === agent1 ? tok.agent1 : tok.agent2, c.id, c.body)),
    );

    let approved = 0;
    for (const id of ids) {
      const mine = calls.map((c, i) => ({ ...c, res: answers[i] })).filter((c) => c.id === id);
      const won = mine.filter((c) => c.res.status === 200);
      expect(won).toHaveLength(1);
      const lost = mine.filter((c) => c.res.status !== 200);
      expect(lost).toHaveLength(1);
      expectProblem(lost[0].res, 409, 'conflict');
      // The row is what the winner said, decided by the winner; one decision in its audit trail.
      const row = await t.deps.db.manager.findOneByOrFail(Retrait, { id });
      expect(row.status).toBe(won[0].res.body.status);
      expect(row.decidedBy).toBe(won[0].agent.id);
      const decisions = (await auditOf(t, 'retrait', id)).filter((e) => /\.(approve|reject)$/.test(e.action));
      expect(decisions.map((e) => e.actorId)).toEqual([won[0].agent.id]);
      // An approval posted exactly one entry; a rejection none.
      const entries = await t.deps.db.manager.countBy(JournalEntry, { key: withdrawalEntryKey(id) });
      if (row.status === 'confirmee') {
        approved += 1;
        expect(entries).toBe(1);
      } else {
        expect(row).toMatchObject({ status: 'rejected', reason: 'Carnet non presente' });
        expect(entries).toBe(0);
      }
    }
    // Agent 1's approvals of the even ones race agent 2's: at least those five are approved either way.
    expect(approved).toBeGreaterThanOrEqual(5);
    expect(await balanceOf(tontineAccount(p.id))).toBe(10_500 - 1000 * approved);
    expect(await t.deps.db.manager.countBy(Retrait, { participantId: p.id, status: 'pending' })).toBe(0);
    await ledgerHolds();
  });

  it('requests and decisions interleaved in parallel: never more promised or paid than the balance', async () => {
    const p = await fundedParticipant(t, sfd, client, 6000);
    const first = await pending(p.id, 4, 1000); // 2 000 left to ask for
    // At once: 10 new requests of 1 000 (client and agents), and both agents approving each of the 4.
    // An approval moves 1 000 from pending to paid: what may be asked stays 2 000 whatever the order.
    const tokens = [tok.client, tok.agent1, tok.agent2];
    const requests = Array.from({ length: 10 }, (_, i) => () => ask(tokens[i % 3], p.id, 1000));
    const decisions = first.flatMap((id) => [
      () => decide(tok.agent1, id, APPROVE_CASH),
      () => decide(tok.agent2, id, APPROVE_CASH),
    ]);
    // Sent interleaved: request, decision, request, decision, …, then the last two requests.
    const mixed = requests.flatMap((r, i) => [r, ...(decisions[i] ? [decisions[i]] : [])]);
    const answers = await Promise.all(mixed.map((call) => call()));
    const asked = answers.filter((_, i) => requests.includes(mixed[i]));
    const decided = answers.filter((_, i) => decisions.includes(mixed[i]));
    expect([asked.length, decided.length]).toEqual([10, 8]);
    expect(asked.filter((a) => a.status === 201)).toHaveLength(2);
    for (const a of asked.filter((r) => r.status !== 201)) expectProblem(a, 409, 'insufficient-funds');
    expect(decided.filter((a) => a.status === 200)).toHaveLength(4);
    for (const a of decided.filter((r) => r.status !== 200)) expectProblem(a, 409, 'conflict');

    // Paid 4 000 of 6 000; 2 000 pending; nothing left to ask for.
    const rows = await retraitsOf(p.id);
    expect(sum(rows.filter((r) => r.status === 'confirmee'))).toBe(4000);
    expect(sum(rows.filter((r) => r.status === 'pending'))).toBe(2000);
    expect(await balanceOf(tontineAccount(p.id))).toBe(2000);
    expectProblem(await ask(tok.client, p.id, 1), 409, 'insufficient-funds');

    // Again: the 2 new ones approved by both agents while 5 more requests arrive: none accepted, 0 left.
    const second = rows.filter((r) => r.status === 'pending').map((r) => r.id);
    const again = await Promise.all([
      ...second.flatMap((id) => [decide(tok.agent2, id, APPROVE_CASH), decide(tok.agent1, id, APPROVE_CASH)]),
      ...Array.from({ length: 5 }, (_, i) => ask(tokens[i % 3], p.id, 1000)),
    ]);
    expect(
      again
        .slice(0, 4)
        .map((a) => a.status)
        .sort(),
    ).toEqual([200, 200, 409, 409]);
    for (const a of again.slice(4)) expectProblem(a, 409, 'insufficient-funds');
    expect(await balanceOf(tontineAccount(p.id))).toBe(0);
    expect(sum(await t.deps.db.manager.findBy(Retrait, { participantId: p.id, status: 'confirmee' }))).toBe(
      6000,
    );
    // One entry per paid withdrawal, none for the refused.
    const paid = (await retraitsOf(p.id)).filter((r) => r.status === 'confirmee');
    for (const r of paid) {
      expect(await t.deps.db.manager.countBy(JournalEntry, { key: withdrawalEntryKey(r.id) })).toBe(1);
    }
    await ledgerHolds();
  });
});

describe('the same Idempotency-Key in parallel', () => {
  const cash = (token: string, participantId: number, days: number, key: string) =>
    t.request
      .post(`/api/tontines/participants/${participantId}/cotiser/`)
      .set('Authorization', `Bearer ${token}`)
      .set('Idempotency-Key', key)
      .send({ days, method: 'cash' });

  it('10 times at once: one contribution, one entry, one audit row, one SMS, the same answer to all', async () => {
    const payer = await makeUser(t, 'client', sfd, { phone: '+2290196000032' });
    const p = await fundedParticipant(t, sfd, payer, 0);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => cash(tok.agent1, p.id, 5, 'collecte-0001')),
    );
    // Every answer is a 201 with the same cotisation; nine of them say they are replays.
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    const [body] = answers.map((a) => a.body as { id: number; receipt_code: string });
    for (const a of answers) expect(a.body).toEqual(body);
    // 5 boxes of 500, box 1 the commission: 2 500, of which 500 the SFD's, 2 000 the client's.
    expect(body).toMatchObject({ days: 5, amount: 2500, commission: 500, collected_by: agent1.id });

    const m = t.deps.db.manager;
    expect((await m.findBy(Cotisation, { participantId: p.id })).map((c) => c.id)).toEqual([body.id]);
    const entries = await m.findBy(JournalEntry, { refType: 'cotisation', refId: String(body.id) });
    expect(entries.map((e) => e.key)).toEqual([contributionEntryKey(body.id)]);
    expect(await m.countBy(Posting, { entryId: entries[0].id })).toBe(3);
    expect((await auditOf(t, 'cotisation', body.id)).map((e) => e.action)).toEqual([
      'tontine.cotisation.cash',
    ]);
    expect((await m.findBy(Carnet, { participantId: p.id })).map((c) => [c.cycle, c.boxesPaid])).toEqual([
      [1, 5],
    ]);
    expect(await balanceOf(tontineAccount(p.id))).toBe(2000);
    expect(await balanceOf(agentCashAccount(agent1.id))).toBe(-2500);
    const code = body.receipt_code;
    expect((await t.inbox.to(payer.phone)).map((s) => s.body)).toEqual([
      `TontiFlex: l'agent Koffi Agbo a recu 2 500 FCFA en especes (5 case(s)). Carnet 1: 5/31. ` +
        `Solde tontine: 2 000 FCFA. Code ${code}. Repondez NON ${code} si incorrect.`,
    ]);
    await ledgerHolds();
  });

  it('two agents, each sending their own (same-named) key 10 times at once: two contributions, boxes in turn', async () => {
    const payer = await makeUser(t, 'client', sfd, { phone: '+2290196000033' });
    const p = await fundedParticipant(t, sfd, payer, 0);
    // Keys are the agent's own: agent 2's "collecte-0002" is another contribution than agent 1's.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0 ? cash(tok.agent1, p.id, 3, 'collecte-0002') : cash(tok.agent2, p.id, 4, 'collecte-0002'),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    const byAgent = (id: number) =>
      new Set(answers.filter((a) => a.body.collected_by === id).map((a) => a.body.id));
    expect(byAgent(agent1.id).size).toBe(1);
    expect(byAgent(agent2.id).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] !== 'true')).toHaveLength(2);

    // One after the other on the carnet (the participant's lock): 3 + 4 = 7 boxes, one commission
    // (whichever came first paid box 1): 7 × 500 = 3 500, 500 of it the SFD's.
    const rows = await t.deps.db.manager.find(Cotisation, {
      where: { participantId: p.id },
      order: { id: 'ASC' },
    });
    expect(rows.map((r) => r.days).sort()).toEqual([3, 4]);
    expect(rows.map((r) => r.commission)).toEqual([500, 0]);
    expect(sum(rows)).toBe(3500);
    expect((await t.deps.db.manager.findBy(Carnet, { participantId: p.id })).map((c) => c.boxesPaid)).toEqual(
      [7],
    );
    expect(await balanceOf(tontineAccount(p.id))).toBe(3000);
    for (const r of rows) {
      expect(await t.deps.db.manager.countBy(JournalEntry, { key: contributionEntryKey(r.id) })).toBe(1);
    }
    expect(await t.inbox.to(payer.phone)).toHaveLength(2);
    await ledgerHolds();
  });
});
