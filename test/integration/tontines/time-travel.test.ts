import type { Sfd, User } from '../../../src/accounts/entities';
import { JournalEntry } from '../../../src/ledger/entities';
import { sfdAccount } from '../../../src/ledger/service';
import { Notification } from '../../../src/notifications/inapp-entities';
import { PaymentTransaction } from '../../../src/payments/entities';
import { agentCashAccount, contributionEntryKey, tontineAccount } from '../../../src/tontines/contributions';
import { Adhesion, Carnet, Cotisation, Retrait } from '../../../src/tontines/entities';
import { withdrawalEntryKey } from '../../../src/tontines/withdrawals';
import { authed } from '../../helpers/api';
import { entryLines, ledgerBalance } from '../../helpers/ledger';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';

/**
 * The time-travel acceptance, over 70 simulated days, all through the API: a client joins a
 * tontine at a stake of 500 XOF a day (the agent validates, the fee is paid by mobile money through the
 * payment simulator and its webhook), pays 3 days (mobile money), then 40 (cash, to a field agent,
 * retried with the same Idempotency-Key), then 1 (mobile money), then withdraws 5 000 (cash at the
 * branch, approved by the agent). The figures are worked out by hand below and every carnet row,
 * cotisation row, box, balance, ledger entry and SMS text is checked exactly.
 *
 * The calendar (Porto-Novo is UTC+1; every step at 10:00 local):
 *   day  0  2026-03-02  adhesion, validation, joining fee 1 000 paid → participant, carnet 1 opened empty
 *   day  1  2026-03-03  3 days by mobile money
 *   day 10  2026-03-12  40 days in cash (sent twice: the collector's app retried)
 *   day 45  2026-04-16  1 day by mobile money
 *   day 60  2026-05-01  withdrawal request of 5 000
 *   day 61  2026-05-02  the agent approves, cash at the branch
 *   day 70  2026-05-11  the balances, carnets and ledger read back
 */

const DAY = 86_400_000;
const DAY_0 = Date.UTC(2026, 2, 2, 9, 0); // 10:00 in Porto-Novo
const dayAt = (n: number) => new Date(DAY_0 + n * DAY);
/** The client's phone: the simulator pays it (it fails numbers ending in 9, ignores those ending in 8). */
const PHONE = '+2290196000041';
const STAKE = 500;

let t: TestApp;
let sfd: Sfd;
let agent: User;
let admin: User;
let client: User;
let agentToken: string;
let adminToken: string;
let clientToken: string;

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '30' });
  t.clock.set(dayAt(0));
  sfd = await makeSfd(t, 'TTRV');
  agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });
  admin = await makeUser(t, 'admin_sfd', sfd);
  client = await makeUser(t, 'client', sfd, { phone: PHONE, firstName: 'Awa', lastName: 'Houngbo' });
  agentToken = await tokenFor(t, agent);
  adminToken = await tokenFor(t, admin);
  clientToken = await tokenFor(t, client);
});
afterAll(() => t.close());

const { get, post } = authed(() => t);

/** Moves the clock to day `n` at 10:00 local; access tokens are short-lived, so everyone logs in again. */
async function travel(n: number) {
  t.clock.set(dayAt(n));
  [agentToken, adminToken, clientToken] = await Promise.all(
    [agent, admin, client].map((u) => tokenFor(t, u)),
  );
}

async function settled(reference: string): Promise<PaymentTransaction> {
  for (let i = 0; i < 300; i++) {
    const p = await t.deps.db.manager.findOneByOrFail(PaymentTransaction, { reference });
    if (p.status !== 'pending') return p;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`payment ${reference} still pending`);
}

/** An entry's lines as { account code: amount }. */
const linesOf = (key: string) => entryLines(t, key);

const balanceOf = (code: string) => ledgerBalance(t, code);

/** The SMS the client received since the last call; those queued in one transaction sorted (sent in parallel). */
let seen = 0;
async function newSms(): Promise<string[]> {
  const bodies = (await t.inbox.to(PHONE)).map((m) => m.body);
  const fresh = bodies.slice(seen);
  seen = bodies.length;
  return fresh.sort();
}

it('stake 500 over 70 days: join, 3 + 40 + 1 days, a 5 000 withdrawal — every figure exact', async () => {
  const m = t.deps.db.manager;

  // ---- Day 0: the tontine, the request, the agent's validation, the fee. ----------------------------
  const created = await post(adminToken, '/api/tontines/', {
    name: 'Tontine du marche',
    stake_min: 200,
    stake_max: 5000,
    joining_fee: 1000,
  });
  expect(created.status).toBe(201);
  const tontineId = created.body.id as number;

  const asked = await post(clientToken, '/api/tontines/adhesions/', { tontine_id: tontineId, stake: STAKE });
  expect(asked.status).toBe(201);
  const adhesionId = asked.body.id as number;
  const validated = await post(agentToken, `/api/tontines/adhesions/${adhesionId}/valider-agent/`, {
    decision: 'approve',
  });
  expect(validated.body.status).toBe('validee_agent');
  expect(await newSms()).toEqual([
    "TontiFlex: votre demande d'adhesion a la tontine Tontine du marche (SFD TTRV) est acceptee. " +
      "Mise: 500 FCFA/jour. Payez les frais d'adhesion de 1 000 FCFA pour commencer.",
  ]);

  const paying = await post(clientToken, `/api/tontines/adhesions/${adhesionId}/payer/`);
  expect(paying.body.status).toBe('en_cours_paiement');
  const feeRef = paying.body.payment_reference as string;
  expect((await settled(feeRef)).status).toBe('success');
  // The fee's success integrates the client by itself: integrer has nothing left to do.
  expectProblem(await post(agentToken, `/api/tontines/adhesions/${adhesionId}/integrer/`), 409);
  const adhesion = await m.findOneByOrFail(Adhesion, { id: adhesionId });
  expect(adhesion.status).toBe('adherent');
  const participantId = adhesion.participantId as number;
  expect(await newSms()).toEqual(
    [
      `TontiFlex: paiement de 1 000 FCFA recu. Ref ${feeRef}. Merci.`,
      'TontiFlex: bienvenue dans la tontine Tontine du marche. Mise: 500 FCFA/jour. Carnet 1: 0/31. ' +
        'Cotisez quand vous voulez.',
    ].sort(),
  );
  // Fee: the mobile-money clearing −1 000, the SFD's fee income +1 000; the tontine account opened at 0.
  expect(await linesOf(`payment:${feeRef}`)).toEqual({
    [sfdAccount(sfd.id, 'mobile-money')]: -1000,
    [sfdAccount(sfd.id, 'fee-income')]: 1000,
  });
  expect(await balanceOf(tontineAccount(participantId))).toBe(0);

  const cotiser = (body: object, key?: string) => {
    const req = t.request
      .post(`/api/tontines/participants/${participantId}/cotiser/`)
      .set('Authorization', `Bearer ${key ? agentToken : clientToken}`);
    return (key ? req.set('Idempotency-Key', key) : req).send(body);
  };

  // ---- Day 1: 3 days by mobile money. ---------------------------------------------------------------
  // Carnet 1 boxes 1–3: 3 × 500 = 1 500; box 1 is the SFD's commission (500), the client's 2 × 500 = 1 000.
  await travel(1);
  const first = await cotiser({ days: 3, method: 'mobile_money' });
  expect(first.status).toBe(201);
  expect(first.body).toMatchObject({ status: 'pending', days: 3, amount: 1500, commission: 500 });
  const ref1 = first.body.payment.reference as string;
  expect((await settled(ref1)).status).toBe('success');
  expect(await linesOf(contributionEntryKey(ref1))).toEqual({
    [sfdAccount(sfd.id, 'mobile-money')]: -1500,
    [tontineAccount(participantId)]: 1000,
    [sfdAccount(sfd.id, 'commission-income')]: 500,
  });
  expect(await newSms()).toEqual([
    `TontiFlex: cotisation de 1 500 FCFA recue (3 case(s)). Carnet 1: 3/31. Nouveau solde tontine: 1 000 FCFA. Ref ${ref1}.`,
  ]);

  // ---- Day 10: 40 days in cash, the collector's app sends it twice. --------------------------------
  // Carnet 1 has 31 − 3 = 28 boxes left: boxes 4–31 (28 × 500 = 14 000, no commission) complete it;
  // the other 12 open carnet 2: boxes 1–12 (12 × 500 = 6 000), box 1 the commission again (500).
  // 40 × 500 = 20 000 taken, of which 500 commission: the client is credited 19 500 → 20 500.
  await travel(10);
  const second = await cotiser({ days: 40, method: 'cash' }, 'collecte-2026-03-12-001');
  expect(second.status).toBe(201);
  expect(second.body).toMatchObject({
    status: 'confirmee',
    method: 'cash',
    days: 40,
    amount: 20_000,
    commission: 500,
    collected_by: agent.id,
  });
  const retry = await cotiser({ days: 40, method: 'cash' }, 'collecte-2026-03-12-001');
  expect([retry.status, retry.body.id, retry.headers['idempotent-replayed']]).toEqual([
    201,
    second.body.id,
    'true',
  ]);
  const code = second.body.receipt_code as string;
  expect(await linesOf(contributionEntryKey(second.body.id as number))).toEqual({
    [agentCashAccount(agent.id)]: -20_000,
    [tontineAccount(participantId)]: 19_500,
    [sfdAccount(sfd.id, 'commission-income')]: 500,
  });
  // The receipt, and carnet 1's completion (both queued in the contribution's transaction).
  expect(await newSms()).toEqual(
    [
      `TontiFlex: l'agent Koffi Agbo a recu 20 000 FCFA en especes (40 case(s)). Carnet 2: 12/31. ` +
        `Solde tontine: 20 500 FCFA. Code ${code}. Repondez NON ${code} si incorrect.`,
      'TontiFlex: Carnet 1 complet (31/31), tontine Tontine du marche. Solde tontine: 20 500 FCFA. Felicitations !',
    ].sort(),
  );

  // ---- Day 45: 1 day by mobile money. ---------------------------------------------------------------
  // Carnet 2 box 13: 500, no commission, all of it the client's → 21 000.
  await travel(45);
  const third = await cotiser({ days: 1, method: 'mobile_money' });
  expect(third.body).toMatchObject({ status: 'pending', days: 1, amount: 500, commission: 0 });
  const ref3 = third.body.payment.reference as string;
  expect((await settled(ref3)).status).toBe('success');
  // No commission line: the ledger refuses a zero line.
  expect(await linesOf(contributionEntryKey(ref3))).toEqual({
    [sfdAccount(sfd.id, 'mobile-money')]: -500,
    [tontineAccount(participantId)]: 500,
  });
  expect(await newSms()).toEqual([
    `TontiFlex: cotisation de 500 FCFA recue (1 case(s)). Carnet 2: 13/31. Nouveau solde tontine: 21 000 FCFA. Ref ${ref3}.`,
  ]);

  // Totals so far: 44 days × 500 = 22 000 paid; 2 carnets started → 2 × 500 = 1 000 commission;
  // balance 22 000 − 1 000 = 21 000.
  expect(await balanceOf(tontineAccount(participantId))).toBe(21_000);

  // ---- Day 60: the client asks for 5 000 (at most 21 000 is available). ------------------------------
  await travel(60);
  expectProblem(
    await post(clientToken, '/api/tontines/retraits/', { participant_id: participantId, amount: 21_001 }),
    409,
    'insufficient-funds',
  );
  const request = await post(clientToken, '/api/tontines/retraits/', {
    participant_id: participantId,
    amount: 5000,
  });
  expect(request.status).toBe(201);
  expect(request.body).toMatchObject({ status: 'pending', amount: 5000, tontine_id: tontineId });
  const retraitId = request.body.id as number;
  expect(await newSms()).toEqual([
    `TontiFlex: demande de retrait de 5 000 FCFA sur la tontine Tontine du marche recue (ref R${retraitId}). ` +
      'Un agent va la traiter.',
  ]);
  // Pending: nothing posted yet, but only 16 000 more may be asked for.
  expect(await balanceOf(tontineAccount(participantId))).toBe(21_000);
  expectProblem(
    await post(clientToken, '/api/tontines/retraits/', { participant_id: participantId, amount: 16_001 }),
    409,
    'insufficient-funds',
  );
  const notice = await m.findOneByOrFail(Notification, {
    userId: agent.id,
    type: 'tontine_retrait_pending',
    data: JSON.stringify({ retrait_id: retraitId }),
  });
  expect(notice.readAt).toBeNull();

  // ---- Day 61: the agent approves; the cash is handed over at the branch. ----------------------------
  await travel(61);
  const approved = await post(agentToken, `/api/tontines/retraits/${retraitId}/valider/`, {
    decision: 'approve',
    method: 'cash',
  });
  expect(approved.status).toBe(200);
  expect(approved.body).toMatchObject({
    status: 'confirmee',
    decided_by: agent.id,
    decided_at: dayAt(61).toISOString(),
  });
  // The participant −5 000, the SFD's cash +5 000 (money going out): 21 000 − 5 000 = 16 000.
  expect(await linesOf(withdrawalEntryKey(retraitId))).toEqual({
    [tontineAccount(participantId)]: -5000,
    [sfdAccount(sfd.id, 'cash')]: 5000,
  });
  expect(await newSms()).toEqual([
    `TontiFlex: retrait de 5 000 FCFA (tontine Tontine du marche, ref R${retraitId}) remis en especes a l'agence.`,
  ]);
  expect((await m.findOneByOrFail(Notification, { id: notice.id })).readAt?.toISOString()).toBe(
    dayAt(61).toISOString(),
  );

  // ---- Day 70: everything read back. ----------------------------------------------------------------
  await travel(70);

  // Carnet rows: carnet 1 opened empty on day 0, started on day 1 by its first box, completed on day 10;
  // carnet 2 started on day 10 (12 boxes), its 13th box on day 45.
  const carnets = await m.find(Carnet, { where: { participantId }, order: { cycle: 'ASC' } });
  expect(
    carnets.map((c) => [c.cycle, c.stake, c.startedOn, c.boxesPaid, c.completedAt?.toISOString() ?? null]),
  ).toEqual([
    [1, 500, '2026-03-03', 31, dayAt(10).toISOString()],
    [2, 500, '2026-03-12', 13, null],
  ]);

  // Cotisation rows, oldest first: days, amount, commission, method, when.
  const cotisations = await m.find(Cotisation, { where: { participantId }, order: { id: 'ASC' } });
  expect(
    cotisations.map((c) => [
      c.days,
      c.amount,
      c.commission,
      c.method,
      c.status,
      c.collectedBy,
      c.confirmedAt?.toISOString(),
    ]),
  ).toEqual([
    [3, 1500, 500, 'mobile_money', 'confirmee', null, dayAt(1).toISOString()],
    [40, 20_000, 500, 'cash', 'confirmee', agent.id, dayAt(10).toISOString()],
    [1, 500, 0, 'mobile_money', 'confirmee', null, dayAt(45).toISOString()],
  ]);
  const [c1Id, c2Id, c3Id] = cotisations.map((c) => c.id);

  // The carnets box by box, newest first: the local date each box was paid and which cotisation paid it.
  const view = await get(clientToken, `/api/tontines/carnets-cotisation/?participant_id=${participantId}`);
  expect(view.status).toBe(200);
  type BoxView = { box: number; paid_on: string | null; commission: boolean; cotisation_id: number | null };
  const boxes = (view.body.results as { cycle: number; boxes: BoxView[] }[]).map((c) => ({
    cycle: c.cycle,
    boxes: c.boxes.map((b) => [b.box, b.paid_on, b.commission, b.cotisation_id]),
  }));
  const range = (from: number, to: number, paidOn: string | null, by: number | null) =>
    Array.from({ length: to - from + 1 }, (_, i) => [from + i, paidOn, from + i === 1, by]);
  expect(boxes).toEqual([
    {
      cycle: 2,
      boxes: [
        ...range(1, 12, '2026-03-12', c2Id),
        ...range(13, 13, '2026-04-16', c3Id),
        ...range(14, 31, null, null),
      ],
    },
    { cycle: 1, boxes: [...range(1, 3, '2026-03-03', c1Id), ...range(4, 31, '2026-03-12', c2Id)] },
  ]);

  // The balance the client sees: 22 000 paid − 1 000 commission − 5 000 withdrawn = 16 000.
  const soldes = await get(clientToken, '/api/tontines/soldes/');
  expect(soldes.body.results).toEqual([
    {
      participant_id: participantId,
      tontine_id: tontineId,
      client_id: client.id,
      sfd_id: sfd.id,
      balance: 16_000,
      stake: 500,
      cycle: 2,
      boxes_paid: 13,
    },
  ]);

  // The tontine account's statement (the SFD admin's ledger view), newest first.
  const statement = await get(adminToken, `/api/ledger/accounts/${tontineAccount(participantId)}/entries/`);
  expect(statement.status).toBe(200);
  expect(statement.body.account.balance).toBe(16_000);
  expect(
    (statement.body.results as { key: string; kind: string; amount: number; created_at: string }[]).map(
      (l) => [l.key, l.kind, l.amount, l.created_at],
    ),
  ).toEqual([
    [withdrawalEntryKey(retraitId), 'tontine_retrait', -5000, dayAt(61).toISOString()],
    [contributionEntryKey(ref3), 'tontine_cotisation', 500, dayAt(45).toISOString()],
    [contributionEntryKey(c2Id), 'tontine_cotisation', 19_500, dayAt(10).toISOString()],
    [contributionEntryKey(ref1), 'tontine_cotisation', 1000, dayAt(1).toISOString()],
  ]);

  // The other side of each movement: commission income 2 × 500; the agent holds 20 000 in cash (until
  // the remittance); the mobile-money clearing took 1 000 + 1 500 + 500; fee income 1 000; cash 5 000 out.
  expect(await balanceOf(sfdAccount(sfd.id, 'commission-income'))).toBe(1000);
  expect(await balanceOf(agentCashAccount(agent.id))).toBe(-20_000);
  expect(await balanceOf(sfdAccount(sfd.id, 'mobile-money'))).toBe(-3000);
  expect(await balanceOf(sfdAccount(sfd.id, 'fee-income'))).toBe(1000);
  expect(await balanceOf(sfdAccount(sfd.id, 'cash'))).toBe(5000);
  // Exactly the five entries of this story, no more (the retry posted nothing).
  expect(
    (await m.find(JournalEntry, { where: { sfdId: sfd.id }, order: { id: 'ASC' } })).map((e) => e.key),
  ).toEqual([
    `payment:${feeRef}`,
    contributionEntryKey(ref1),
    contributionEntryKey(c2Id),
    contributionEntryKey(ref3),
    withdrawalEntryKey(retraitId),
  ]);
  expect(await m.countBy(Retrait, { participantId })).toBe(1);

  // Every SMS the client got over the 70 days: 9, all checked above, nothing else (no duplicate receipt).
  expect(await newSms()).toEqual([]);
  expect(seen).toBe(9);
});
