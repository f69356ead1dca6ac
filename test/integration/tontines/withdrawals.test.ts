import type supertest from 'supertest';
import type { Sfd, User } from '../../../src/accounts/entities';
import { JournalEntry } from '../../../src/ledger/entities';
import { sfdAccount } from '../../../src/ledger/service';
import { Notification } from '../../../src/notifications/inapp-entities';
import { PaymentTransaction } from '../../../src/payments/entities';
import { tontineAccount } from '../../../src/tontines/contributions';
import { Retrait } from '../../../src/tontines/entities';
import {
  PAYOUT_GRACE_MS,
  WITHDRAWAL_PENDING,
  WITHDRAWAL_PURPOSE,
  WithdrawalsService,
  withdrawalEntryKey,
  withdrawalReversalKey,
} from '../../../src/tontines/withdrawals';
import { auditOf } from '../../helpers/api';
import { entryLines, ledgerBalance } from '../../helpers/ledger';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { fundedParticipant, mountWithdrawals } from './withdrawals-helpers';

/**
 * Withdrawals: the request against the available balance (even 20 at once), the agent's decision
 * (cash at the branch, mobile money payout and its failure), SMS texts, notices, audit rows and the
 * ledger entries, exact.
 */
let t: TestApp;
let api: ReturnType<typeof supertest>;

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '30' });
  api = mountWithdrawals(t);
});
afterAll(() => t.close());

const linesOf = (key: string) => entryLines(t, key);

const balanceOf = (code: string) => ledgerBalance(t, code);

async function until(check: () => Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('withdrawals', () => {
  let sfd: Sfd;
  let agent: User;
  let client: User;
  let agentToken: string;
  let clientToken: string;

  beforeAll(async () => {
    sfd = await makeSfd(t, 'WDR');
    agent = await makeUser(t, 'agent_sfd', sfd);
    client = await makeUser(t, 'client', sfd);
    agentToken = await tokenFor(t, agent);
    clientToken = await tokenFor(t, client);
  });

  const ask = (token: string, participantId: number, amount: number) =>
    api
      .post('/api/tontines/retraits/')
      .set('Authorization', `Bearer ${token}`)
      .send({ participant_id: participantId, amount });
  const decide = (token: string, id: number, body: object) =>
    api.post(`/api/tontines/retraits/${id}/valider/`).set('Authorization', `Bearer ${token}`).send(body);

  it('a client asks: pending, audited, the agents told in-app, an SMS receipt; nothing posted yet', async () => {
    const p = await fundedParticipant(t, sfd, client, 10_000, { name: 'Tontine Dantokpa' });
    const res = await ask(clientToken, p.id, 4000);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      participant_id: p.id,
      tontine_id: p.tontineId,
      client_id: client.id,
      sfd_id: sfd.id,
      amount: 4000,
      status: 'pending',
      reason: null,
      decided_by: null,
      payment_reference: null,
    });
    const audit = await auditOf(t, 'retrait', res.body.id);
    expect(audit.map((e) => [e.action, e.actorId, e.sfdId, e.after])).toEqual([
      [
        'tontine.retrait.request',
        client.id,
        sfd.id,
        { status: 'pending', amount: 4000, participant_id: p.id },
      ],
    ]);
    const notices = await t.deps.db.manager.findBy(Notification, { type: WITHDRAWAL_PENDING });
    expect(notices.filter((n) => n.userId === agent.id)).toHaveLength(1);
    expect(await t.inbox.to(client.phone as string)).toEqual([
      expect.objectContaining({
        body:
          'TontiFlex: demande de retrait de 4 000 FCFA sur la tontine Tontine Dantokpa recue ' +
          `(ref R${res.body.id}). Un agent va la traiter.`,
      }),
    ]);
    expect(await balanceOf(tontineAccount(p.id))).toBe(10_000);
  });

  it('the available balance is the balance minus the pending withdrawals; the tontine minimum holds', async () => {
    const p = await fundedParticipant(t, sfd, client, 5000, { minWithdrawal: 1000 });
    expect((await ask(clientToken, p.id, 3000)).status).toBe(201);
    const over = await ask(clientToken, p.id, 2001);
    expect(over.status).toBe(409);
    expect(over.body.type).toMatch(/insufficient-funds$/);
    expect((await ask(clientToken, p.id, 999)).status).toBe(400);
    expect((await ask(agentToken, p.id, 2000)).status).toBe(201);
    expect((await ask(clientToken, p.id, 1000)).status).toBe(409);
  });

  it('20 parallel requests never promise more than the balance', async () => {
    const p = await fundedParticipant(t, sfd, client, 10_000);
    const answers = await Promise.all(Array.from({ length: 20 }, () => ask(clientToken, p.id, 1000)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(10);
    const pending = await t.deps.db.manager.findBy(Retrait, { participantId: p.id, status: 'pending' });
    expect(pending.reduce((s, r) => s + r.amount, 0)).toBe(10_000);
  });

  it('approve, cash at the branch: confirmee, one exact ledger entry, the notice closed, SMS, audited', async () => {
    const p = await fundedParticipant(t, sfd, client, 10_000, { name: 'Tontine Cash' });
    const { body: asked } = await ask(clientToken, p.id, 3000);
    const cashBefore = await balanceOf(sfdAccount(sfd.id, 'cash'));
    const res = await decide(agentToken, asked.id, { decision: 'approve', method: 'cash' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'confirmee', decided_by: agent.id, payment_reference: null });
    expect(await linesOf(withdrawalEntryKey(asked.id))).toEqual({
      [tontineAccount(p.id)]: -3000,
      [sfdAccount(sfd.id, 'cash')]: 3000,
    });
    expect(await balanceOf(tontineAccount(p.id))).toBe(7000);
    expect(await balanceOf(sfdAccount(sfd.id, 'cash'))).toBe(cashBefore + 3000);
    const audit = await auditOf(t, 'retrait', asked.id);
    expect(audit.map((e) => [e.action, e.actorId, e.before, e.after])).toEqual([
      ['tontine.retrait.request', client.id, null, { status: 'pending', amount: 3000, participant_id: p.id }],
      [
        'tontine.retrait.approve',
        agent.id,
        { status: 'pending', amount: 3000 },
        { status: 'approved', amount: 3000, method: 'cash' },
      ],
      ['tontine.retrait.paid_cash', agent.id, { status: 'approved' }, { status: 'confirmee' }],
    ]);
    const notices = await t.deps.db.manager.find(Notification, { where: { type: WITHDRAWAL_PENDING } });
    const mine = notices.filter((n) => n.data === JSON.stringify({ retrait_id: asked.id }));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((n) => n.readAt !== null)).toBe(true);
    const sms = (await t.inbox.to(client.phone as string)).map((m) => m.body);
    expect(sms.at(-1)).toBe(
      `TontiFlex: retrait de 3 000 FCFA (tontine Tontine Cash, ref R${asked.id}) remis en especes a l'agence.`,
    );
    // A second decision: 409, nothing more posted.
    const again = await decide(agentToken, asked.id, { decision: 'reject', reason: 'Doublon' });
    expect(again.status).toBe(409);
    expect(await balanceOf(tontineAccount(p.id))).toBe(7000);
  });

  it('reject: the reason kept and told, no ledger entry, the balance available again', async () => {
    const p = await fundedParticipant(t, sfd, client, 2000, { name: 'Tontine Refus' });
    const { body: asked } = await ask(clientToken, p.id, 2000);
    expect((await decide(agentToken, asked.id, { decision: 'reject' })).status).toBe(400);
    const res = await decide(agentToken, asked.id, { decision: 'reject', reason: 'Carnet non presente' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'rejected',
      reason: 'Carnet non presente',
      decided_by: agent.id,
    });
    expect(await t.deps.db.manager.findOneBy(JournalEntry, { key: withdrawalEntryKey(asked.id) })).toBeNull();
    const sms = (await t.inbox.to(client.phone as string)).map((m) => m.body);
    expect(sms.at(-1)).toBe(
      `TontiFlex: retrait de 2 000 FCFA (tontine Tontine Refus, ref R${asked.id}) refuse: Carnet non presente`,
    );
    const audit = await auditOf(t, 'retrait', asked.id);
    expect(audit.at(-1)).toMatchObject({
      action: 'tontine.retrait.reject',
      after: { status: 'rejected', amount: 2000, method: 'mobile_money', reason: 'Carnet non presente' },
    });
    expect((await ask(clientToken, p.id, 2000)).status).toBe(201);
  });

  it('20 parallel approvals of one withdrawal: one wins, one entry', async () => {
    const p = await fundedParticipant(t, sfd, client, 5000);
    const { body: asked } = await ask(clientToken, p.id, 5000);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => decide(agentToken, asked.id, { decision: 'approve', method: 'cash' })),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(19);
    expect(await balanceOf(tontineAccount(p.id))).toBe(0);
    expect(await t.deps.db.manager.countBy(JournalEntry, { key: withdrawalEntryKey(asked.id) })).toBe(1);
  });

  it('20 parallel approvals of withdrawals worth twice the balance never overdraw it', async () => {
    const p = await fundedParticipant(t, sfd, client, 10_000);
    // Pending rows beyond the balance (as if written before a bug fix): the ledger still refuses.
    const now = t.clock.now();
    const rows = await t.deps.db.manager.save(
      Array.from({ length: 20 }, () =>
        t.deps.db.manager.create(Retrait, {
          sfdId: sfd.id,
          participantId: p.id,
          clientId: client.id,
          amount: 1000,
          status: 'pending',
          reason: null,
          decidedBy: null,
          decidedAt: null,
          paymentReference: null,
          createdAt: now,
          updatedAt: now,
        }),
      ),
    );
    const answers = await Promise.all(
      rows.map((r) => decide(agentToken, r.id, { decision: 'approve', method: 'cash' })),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(10);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused.map((a) => [a.status, a.body.type])).toEqual(
      Array.from({ length: 10 }, () => [409, expect.stringMatching(/insufficient-funds$/)]),
    );
    expect(await balanceOf(tontineAccount(p.id))).toBe(0);
    expect(await t.deps.db.manager.countBy(Retrait, { participantId: p.id, status: 'confirmee' })).toBe(10);
    expect(await t.deps.db.manager.countBy(Retrait, { participantId: p.id, status: 'pending' })).toBe(10);
  });

  it('approve, mobile money: approved, the entry posted, the payout sent; paid → confirmee', async () => {
    // The simulator pays a phone ending in 1 (9: refused, 8: never answers).
    const payee = await makeUser(t, 'client', sfd, { phone: '+2290197000001' });
    const p = await fundedParticipant(t, sfd, payee, 8000, { name: 'Tontine MoMo' });
    const { body: asked } = await ask(await tokenFor(t, payee), p.id, 5000);
    const res = await decide(agentToken, asked.id, { decision: 'approve' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('approved');
    expect(res.body.payment_reference).toMatch(/^TFRT/);
    expect(await linesOf(withdrawalEntryKey(asked.id))).toEqual({
      [tontineAccount(p.id)]: -5000,
      [sfdAccount(sfd.id, 'mobile-money')]: 5000,
    });
    const payment = await t.deps.db.manager.findOneByOrFail(PaymentTransaction, {
      reference: res.body.payment_reference,
    });
    expect(payment).toMatchObject({
      direction: 'payout',
      type: 'retrait_tontine',
      purpose: WITHDRAWAL_PURPOSE,
      purposeRef: String(asked.id),
      amount: 5000,
      phone: payee.phone,
      initiatedBy: agent.id,
    });
    await until(
      async () =>
        (await t.deps.db.manager.findOneByOrFail(PaymentTransaction, { id: payment.id })).status ===
        'success',
    );
    const sms = (await t.inbox.to(payee.phone as string)).map((m) => m.body);
    expect(sms).toContain(
      `TontiFlex: retrait de 5 000 FCFA (tontine Tontine MoMo, ref R${asked.id}) accepte. ` +
        "L'argent est envoye sur votre compte mobile money.",
    );
    expect(await balanceOf(tontineAccount(p.id))).toBe(3000);
    // The payout's success closes the withdrawal, in the transaction of the payment's status change.
    expect(await t.deps.db.manager.findOneByOrFail(Retrait, { id: asked.id })).toMatchObject({
      status: 'confirmee',
      paymentReference: payment.reference,
    });
    const audit = await auditOf(t, 'retrait', asked.id);
    expect(audit.map((e) => e.action)).toEqual([
      'tontine.retrait.request',
      'tontine.retrait.approve',
      'tontine.retrait.paid',
    ]);
  });

  it('a payout lost to a crash after the approval is sent by the sweep, once', async () => {
    const payee = await makeUser(t, 'client', sfd, { phone: '+2290197000011' });
    const p = await fundedParticipant(t, sfd, payee, 4000);
    const { body: asked } = await ask(await tokenFor(t, payee), p.id, 4000);
    const principal = {
      userId: agent.id,
      role: agent.role,
      sfdId: sfd.id,
      jti: 'j',
      familyId: 'f',
      expiresAt: 0,
    };
    // The process dies between the approval's commit and the payout's start.
    const crashing = Object.create(t.payments.service) as typeof t.payments.service;
    crashing.payout = () => Promise.reject(new Error('process killed'));
    const before = new WithdrawalsService(t.deps, t.accounts.service, crashing);
    await expect(
      before.decide(principal, asked.id, { decision: 'approve', method: 'mobile_money' }),
    ).rejects.toThrow('process killed');
    expect(await t.deps.db.manager.findOneByOrFail(Retrait, { id: asked.id })).toMatchObject({
      status: 'approved',
      paymentReference: null,
    });
    expect(await balanceOf(tontineAccount(p.id))).toBe(0);

    const sweep = new WithdrawalsService(t.deps, t.accounts.service, t.payments.service);
    expect(await sweep.resumePayouts()).toBe(0); // too fresh: the approving request may still be sending it
    t.clock.advance(PAYOUT_GRACE_MS + 1000);
    expect(await sweep.resumePayouts()).toBe(1);
    await until(
      async () => (await t.deps.db.manager.findOneByOrFail(Retrait, { id: asked.id })).status === 'confirmee',
    );
    expect(await sweep.resumePayouts()).toBe(0);
    const payouts = await t.deps.db.manager.findBy(PaymentTransaction, {
      purpose: WITHDRAWAL_PURPOSE,
      purposeRef: String(asked.id),
    });
    expect(payouts.map((x) => [x.direction, x.amount, x.status])).toEqual([['payout', 4000, 'success']]);
    expect(await balanceOf(tontineAccount(p.id))).toBe(0);
  });

  it('the sweep adopts a payout that started but whose reference was never stored', async () => {
    const payee = await makeUser(t, 'client', sfd, { phone: '+2290197000021' });
    const p = await fundedParticipant(t, sfd, payee, 2000);
    const { body: asked } = await ask(await tokenFor(t, payee), p.id, 2000);
    const principal = {
      userId: agent.id,
      role: agent.role,
      sfdId: sfd.id,
      jti: 'j',
      familyId: 'f',
      expiresAt: 0,
    };
    const crashing = Object.create(t.payments.service) as typeof t.payments.service;
    crashing.payout = async (req) => {
      await t.payments.service.payout(req);
      throw new Error('process killed');
    };
    await expect(
      new WithdrawalsService(t.deps, t.accounts.service, crashing).decide(principal, asked.id, {
        decision: 'approve',
        method: 'mobile_money',
      }),
    ).rejects.toThrow('process killed');
    t.clock.advance(PAYOUT_GRACE_MS + 1000);
    expect(await new WithdrawalsService(t.deps, t.accounts.service, t.payments.service).resumePayouts()).toBe(
      0,
    );
    const payouts = await t.deps.db.manager.findBy(PaymentTransaction, {
      purpose: WITHDRAWAL_PURPOSE,
      purposeRef: String(asked.id),
    });
    expect(payouts).toHaveLength(1);
    expect((await t.deps.db.manager.findOneByOrFail(Retrait, { id: asked.id })).paymentReference).toBe(
      payouts[0].reference,
    );
  });

  it('a failed payout gives the money back: a reversing entry, rejected (payout_failed)', async () => {
    const failing = await makeUser(t, 'client', sfd, { phone: '+2290197000009' });
    const p = await fundedParticipant(t, sfd, failing, 6000);
    const { body: asked } = await ask(await tokenFor(t, failing), p.id, 6000);
    const res = await decide(agentToken, asked.id, { decision: 'approve', method: 'mobile_money' });
    expect(res.status).toBe(200);
    await until(
      async () => (await t.deps.db.manager.findOneByOrFail(Retrait, { id: asked.id })).status === 'rejected',
    );
    const retrait = await t.deps.db.manager.findOneByOrFail(Retrait, { id: asked.id });
    expect(retrait).toMatchObject({ reason: 'payout_failed', paymentReference: res.body.payment_reference });
    expect(await linesOf(withdrawalReversalKey(asked.id))).toEqual({
      [tontineAccount(p.id)]: 6000,
      [sfdAccount(sfd.id, 'mobile-money')]: -6000,
    });
    expect(await balanceOf(tontineAccount(p.id))).toBe(6000);
    const audit = await auditOf(t, 'retrait', asked.id);
    expect(audit.map((e) => e.action)).toEqual([
      'tontine.retrait.request',
      'tontine.retrait.approve',
      'tontine.retrait.payout_failed',
    ]);
  });

  it('lists: the client their own, staff their SFD, with filters', async () => {
    const other = await makeSfd(t, 'WDO');
    const otherAgent = await tokenFor(t, await makeUser(t, 'agent_sfd', other));
    const someone = await makeUser(t, 'client', sfd);
    const p = await fundedParticipant(t, sfd, someone, 3000);
    const { body: asked } = await ask(agentToken, p.id, 1000);
    const list = (token: string, q = '') =>
      api.get(`/api/tontines/retraits/${q}`).set('Authorization', `Bearer ${token}`);
    const own = await list(await tokenFor(t, someone));
    expect(own.status).toBe(200);
    expect(own.body.results.map((r: { id: number }) => r.id)).toEqual([asked.id]);
    expect((await list(otherAgent)).body.count).toBe(0);
    const staff = await list(agentToken, `?participant_id=${p.id}&status=pending`);
    expect(staff.body.results.map((r: { id: number }) => r.id)).toEqual([asked.id]);
    const byTontine = await list(agentToken, `?tontine_id=${p.tontineId}`);
    expect(byTontine.body.count).toBe(1);
    const byClient = await list(agentToken, `?client_id=${someone.id}`);
    expect(byClient.body.count).toBe(1);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Porto-Novo' }).format(t.clock.now());
    expect(
      (await list(agentToken, `?client_id=${someone.id}&date_from=${today}&date_to=${today}`)).body.count,
    ).toBe(1);
    expect((await list(agentToken, `?client_id=${someone.id}&date_to=2020-01-01`)).body.count).toBe(0);
  });
});
