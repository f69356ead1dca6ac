import type { Sfd, User } from '../../../src/accounts/entities';
import type { Principal } from '../../../src/http/auth';
import { JournalEntry } from '../../../src/ledger/entities';
import { sfdAccount } from '../../../src/ledger/service';
import {
  DISBURSEMENT_PAYOUT_GRACE_MS,
  DISBURSEMENT_PURPOSE,
  disbursementEntryKey,
  disbursementReversalKey,
} from '../../../src/loans/disbursement-payouts';
import { LoanDisbursementsService } from '../../../src/loans/disbursements';
import { Loan, LoanInstalment } from '../../../src/loans/entities';
import { loanPrincipalAccount } from '../../../src/loans/ledger-accounts';
import { loanDisbursementData } from '../../../src/loans/application-notices';
import { LOAN_DISBURSEMENT_PENDING } from '../../../src/loans/notices';
import { dueDateAfter } from '../../../src/loans/schedule';
import { addDays } from '../../../src/shared/sfd-calendar';
import { notifyStaffAt } from '../../../src/notifications/inapp';
import { Notification } from '../../../src/notifications/inapp-entities';
import { PaymentTransaction } from '../../../src/payments/entities';
import { auditOf } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { entryLines, ledgerBalance } from '../../helpers/ledger';
import { expectProblem } from '../../helpers/problem';
import { eligibleClient, makeLoan, today } from './helpers';

/**
 * The disbursement of a granted loan: in cash (decaisse at once: entry with the fees kept, schedule,
 * SMS, notice closed), by mobile money (payout paid → decaisse; failed → reversed, retried), five
 * requests at once (one entry), a payout lost to a crash (the sweep). Ledger, rows and SMS exact.
 */
let t: TestApp;
let sfd: Sfd;
let agent: User;
let agentToken: string;
let seq = 0;
/** The simulator pays a phone ending in 1 and refuses one ending in 9. */
const phoneEnding = (last: string) => `+22901971${String(++seq).padStart(4, '0')}${last}`;

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '30' });
  sfd = await makeSfd(t, 'LDB');
  agent = await makeUser(t, 'agent_sfd', sfd);
  agentToken = await tokenFor(t, agent);
});
afterAll(() => t.close());

async function until(check: () => Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const disburse = (id: number, body: object = {}, token = agentToken) =>
  t.request.post(`/api/loans/${id}/decaissement/`).set('Authorization', `Bearer ${token}`).send(body);
const loanOf = (id: number) => t.deps.db.manager.findOneByOrFail(Loan, { id });
const rowsOf = async (id: number) =>
  (await t.deps.db.manager.find(LoanInstalment, { where: { loanId: id }, order: { n: 'ASC' } })).map((r) => [
    r.n,
    r.dueDate,
    r.principal,
    r.interest,
    r.total,
    r.status,
  ]);
const smsOf = async (user: User) => (await t.inbox.to(user.phone as string)).map((m) => m.body);
const ddmmyyyy = (d: string) => `${d.slice(8)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;

/** A granted loan of 100 000 at 12 %/12 months (fees 1 000 unless said) for a new client. */
async function granted(phone?: string, fees = 1000, language: 'fr' | 'en' = 'fr') {
  const client = await makeUser(t, 'client', sfd, { language, ...(phone ? { phone } : {}) });
  const { savings } = await eligibleClient(t, sfd, { client });
  const { loan, application } = await makeLoan(t, sfd, client, savings, { fees });
  return { client, loan, application };
}

/** The 12 rows of 100 000 at 12 %/12 months from `first` (worked out in test/unit/loans/schedule.test.ts). */
function rows12(first: string) {
  const parts: [number, number][] = [
    [7885, 1000],
    [7964, 921],
    [8043, 842],
    [8124, 761],
    [8205, 680],
    [8287, 598],
    [8370, 515],
    [8454, 431],
    [8538, 347],
    [8624, 261],
    [8710, 175],
    [8796, 88],
  ];
  return parts.map(([p, i], k) => [k + 1, dueDateAfter(first, k), p, i, p + i, 'a_payer']);
}

it('in cash: decaisse at once, the entry keeps the fees, the schedule, the SMS, the notice closed', async () => {
  const { client, loan, application } = await granted();
  await t.deps.db.transaction((m) =>
    notifyStaffAt(
      m,
      {
        sfdId: sfd.id,
        roles: ['agent_sfd'],
        type: LOAN_DISBURSEMENT_PENDING,
        text: { key: LOAN_DISBURSEMENT_PENDING, params: {} },
        data: loanDisbursementData(application.id, loan.id),
      },
      t.clock.now(),
      t.accounts.service,
    ),
  );
  const cashBefore = await ledgerBalance(t, sfdAccount(sfd.id, 'cash'), true);
  const feesBefore = await ledgerBalance(t, sfdAccount(sfd.id, 'fee-income'), true);
  const res = await disburse(loan.id, { method: 'cash' });
  expect(res.status).toBe(200);
  const first = dueDateAfter(today(t), 1);
  expect(res.body).toMatchObject({
    id: loan.id,
    status: 'decaisse',
    disbursement_method: 'cash',
    disbursed_by: agent.id,
    disbursement_reference: null,
    first_due_date: first,
    outstanding_principal: 100_000,
  });
  expect(res.body.disbursed_at).toBe(t.clock.now().toISOString());
  expect(await entryLines(t, disbursementEntryKey(loan.id))).toEqual({
    [loanPrincipalAccount(loan.id)]: -100_000,
    [sfdAccount(sfd.id, 'fee-income')]: 1000,
    [sfdAccount(sfd.id, 'cash')]: 99_000,
  });
  expect(await ledgerBalance(t, sfdAccount(sfd.id, 'cash'))).toBe(cashBefore + 99_000);
  expect(await ledgerBalance(t, sfdAccount(sfd.id, 'fee-income'))).toBe(feesBefore + 1000);
  const rows = await rowsOf(loan.id);
  expect(rows).toEqual(rows12(first));
  // 8 885 × 11 + 8 884: the last row absorbs the rounding and the principal parts sum to 100 000.
  expect(rows.map((r) => r[4])).toEqual([...Array<number>(11).fill(8885), 8884]);
  expect(rows.reduce((s, r) => s + (r[2] as number), 0)).toBe(100_000);
  expect(await smsOf(client)).toEqual([
    `TontiFlex: pret P${application.id} decaisse: 99 000 FCFA remis en especes a l'agence. A rembourser en 12 ` +
      `mensualites de 8 885 FCFA, la 1re le ${ddmmyyyy(first)}.`,
  ]);
  const notices = await t.deps.db.manager.findBy(Notification, { type: LOAN_DISBURSEMENT_PENDING });
  expect(notices.length).toBeGreaterThan(0);
  expect(notices.every((n) => n.readAt !== null)).toBe(true);
  expect((await auditOf(t, 'loan', loan.id)).map((e) => [e.action, e.actorId, e.before, e.after])).toEqual([
    [
      'loan.disbursement.cash',
      agent.id,
      { status: 'accorde', disbursement_method: null },
      { status: 'decaisse', disbursement_method: 'cash' },
    ],
  ]);
  // Once only: a second request is a conflict and changes nothing.
  expectProblem(await disburse(loan.id, { method: 'cash' }), 409, 'conflict');
  expectProblem(await disburse(loan.id, { method: 'mobile_money' }), 409, 'conflict');
  expect(await t.deps.db.manager.countBy(LoanInstalment, { loanId: loan.id })).toBe(12);
  expect(await ledgerBalance(t, loanPrincipalAccount(loan.id))).toBe(-100_000);
});

it('a first due date set beforehand is the schedule’s; no fees: no fee line', async () => {
  const { loan } = await granted(undefined, 0);
  const wanted = addDays(today(t), 40); // within 25 to 45 days: about a month
  const set = await t.request
    .post('/api/loans/schedules/')
    .set('Authorization', `Bearer ${agentToken}`)
    .send({ loan_id: loan.id, first_due_date: wanted });
  expect(set.status).toBe(200);
  const res = await disburse(loan.id, { method: 'cash' });
  expect(res.status).toBe(200);
  expect(res.body.first_due_date).toBe(wanted);
  expect((await rowsOf(loan.id)).map((r) => r[1])).toEqual(rows12(wanted).map((r) => r[1]));
  expect(await entryLines(t, disbursementEntryKey(loan.id))).toEqual({
    [loanPrincipalAccount(loan.id)]: -100_000,
    [sfdAccount(sfd.id, 'cash')]: 100_000,
  });
});

it('a first due date no longer 25 to 45 days after the disbursement day gives way to a month after it', async () => {
  const { loan } = await granted();
  const set = await t.request
    .post('/api/loans/schedules/')
    .set('Authorization', `Bearer ${agentToken}`)
    .send({ loan_id: loan.id, first_due_date: addDays(today(t), 26) });
  expect(set.status).toBe(200);
  t.clock.advance(3 * 86_400_000);
  const res = await disburse(loan.id, { method: 'cash' }, await tokenFor(t, agent));
  expect(res.status).toBe(200);
  expect(res.body.first_due_date).toBe(dueDateAfter(today(t), 1));
  agentToken = await tokenFor(t, agent);
});

it('by mobile money: posted, accorde while paid out; paid → decaisse with its schedule and SMS', async () => {
  const { client, loan } = await granted(phoneEnding('1'));
  const mmBefore = await ledgerBalance(t, sfdAccount(sfd.id, 'mobile-money'), true);
  // No method: mobile money, since the simulator pays out.
  const res = await disburse(loan.id);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    status: 'accorde',
    disbursement_method: 'mobile_money',
    disbursed_by: agent.id,
    disbursed_at: null,
    outstanding_principal: 100_000,
  });
  expect(res.body.disbursement_reference).toMatch(/^TFDP/);
  expect(await entryLines(t, disbursementEntryKey(loan.id))).toEqual({
    [loanPrincipalAccount(loan.id)]: -100_000,
    [sfdAccount(sfd.id, 'fee-income')]: 1000,
    [sfdAccount(sfd.id, 'mobile-money')]: 99_000,
  });
  const payment = await t.deps.db.manager.findOneByOrFail(PaymentTransaction, {
    reference: res.body.disbursement_reference,
  });
  expect(payment).toMatchObject({
    direction: 'payout',
    type: 'decaissement_pret',
    purpose: DISBURSEMENT_PURPOSE,
    purposeRef: String(loan.id),
    amount: 99_000,
    phone: client.phone,
    clientId: client.id,
    initiatedBy: agent.id,
  });
  // While it is paid out, another request is refused.
  expectProblem(await disburse(loan.id, { method: 'cash' }), 409, 'conflict');
  await until(async () => (await loanOf(loan.id)).status === 'decaisse');
  const paid = await loanOf(loan.id);
  expect(paid).toMatchObject({
    disbursementReference: payment.reference,
    disbursementMethod: 'mobile_money',
  });
  expect(paid.disbursedAt).not.toBeNull();
  const first = dueDateAfter(today(t), 1);
  expect(paid.firstDueDate).toBe(first);
  expect(await rowsOf(loan.id)).toEqual(rows12(first));
  expect(await ledgerBalance(t, sfdAccount(sfd.id, 'mobile-money'))).toBe(mmBefore + 99_000);
  // The disbursement's SMS is the payout's receipt (ownReceipt): the generic one is not sent.
  await until(async () => (await smsOf(client)).length === 1);
  expect(await smsOf(client)).toEqual([
    `TontiFlex: pret P${loan.applicationId} decaisse: 99 000 FCFA envoyes sur votre compte mobile money. A ` +
      `rembourser en 12 mensualites de 8 885 FCFA, la 1re le ${ddmmyyyy(first)}.`,
  ]);
  expect((await auditOf(t, 'loan', loan.id)).map((e) => [e.action, e.after])).toEqual([
    ['loan.disbursement.payout_started', { status: 'accorde', disbursement_method: 'mobile_money' }],
    ['loan.disbursement.paid', { status: 'decaisse', disbursement_reference: payment.reference }],
  ]);
});

it('a failed payout is reversed and the loan waits; disbursed again in cash, under a new key', async () => {
  const { client, loan, application } = await granted(phoneEnding('9'), 1000, 'en');
  const res = await disburse(loan.id, { method: 'mobile_money' });
  expect(res.status).toBe(200);
  await until(async () => (await loanOf(loan.id)).disbursementMethod === null);
  expect(await loanOf(loan.id)).toMatchObject({
    status: 'accorde',
    disbursementMethod: null,
    disbursedBy: null,
    disbursementReference: null,
    disbursedAt: null,
  });
  expect(await entryLines(t, disbursementReversalKey(loan.id))).toEqual({
    [loanPrincipalAccount(loan.id)]: 100_000,
    [sfdAccount(sfd.id, 'fee-income')]: -1000,
    [sfdAccount(sfd.id, 'mobile-money')]: -99_000,
  });
  expect(await ledgerBalance(t, loanPrincipalAccount(loan.id))).toBe(0);
  expect(await t.deps.db.manager.countBy(LoanInstalment, { loanId: loan.id })).toBe(0);
  expect((await auditOf(t, 'loan', loan.id)).map((e) => e.action)).toEqual([
    'loan.disbursement.payout_started',
    'loan.disbursement.payout_failed',
  ]);
  const again = await disburse(loan.id, { method: 'cash' });
  expect(again.status).toBe(200);
  expect(again.body.status).toBe('decaisse');
  expect(await entryLines(t, disbursementEntryKey(loan.id, 2))).toEqual({
    [loanPrincipalAccount(loan.id)]: -100_000,
    [sfdAccount(sfd.id, 'fee-income')]: 1000,
    [sfdAccount(sfd.id, 'cash')]: 99_000,
  });
  expect(await ledgerBalance(t, loanPrincipalAccount(loan.id))).toBe(-100_000);
  // The client reads English.
  expect((await smsOf(client)).at(-1)).toBe(
    `TontiFlex: loan P${application.id} disbursed: 99 000 FCFA handed over in cash at the branch. Repay in 12 ` +
      `monthly instalments of 8 885 FCFA, the 1st on ${ddmmyyyy(dueDateAfter(today(t), 1))}.`,
  );
});

it('five requests at once: one disbursement, one entry', async () => {
  // A phone the simulator pays (ending in 1): a random one ending in 9 is refused, which reverts the
  // payout and rightly lets a later request disburse again.
  const { loan } = await granted(phoneEnding('1'));
  const answers = await Promise.all(
    Array.from({ length: 5 }, (_, i) => disburse(loan.id, { method: i % 2 ? 'cash' : 'mobile_money' })),
  );
  expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409]);
  const entries = await t.deps.db.manager.countBy(JournalEntry, { refType: 'loan', refId: String(loan.id) });
  expect(entries).toBe(1);
  expect(await ledgerBalance(t, loanPrincipalAccount(loan.id))).toBe(-100_000);
});

it('refusals: unknown loan 404; a client 403; an unknown method 400; nothing posted', async () => {
  expectProblem(await disburse(99_999_999, { method: 'cash' }), 404, 'not-found');
  const { client, loan } = await granted();
  expectProblem(await disburse(loan.id, { method: 'cash' }, await tokenFor(t, client)), 403, 'forbidden');
  const bad = await disburse(loan.id, { method: 'cheque' });
  expectProblem(bad, 400, 'validation');
  expect(Object.keys(bad.body.errors as object)).toEqual(['method']);
  expect(await loanOf(loan.id)).toMatchObject({ status: 'accorde', disbursementMethod: null });
  expect(await ledgerBalance(t, loanPrincipalAccount(loan.id), true)).toBe(0);
});

it('a payout lost to a crash after the commit is sent by the sweep, once', async () => {
  const { loan } = await granted(phoneEnding('1'));
  const principal: Principal = {
    userId: agent.id,
    role: agent.role,
    sfdId: sfd.id,
    jti: 'j',
    familyId: 'f',
    expiresAt: 0,
  };
  const crashing = Object.create(t.payments.service) as typeof t.payments.service;
  crashing.payout = () => Promise.reject(new Error('process killed'));
  const needs = { accounts: t.accounts.service, payments: crashing };
  await expect(
    new LoanDisbursementsService(t.deps, needs).disburse(principal, loan.id, { method: 'mobile_money' }),
  ).rejects.toThrow('process killed');
  expect(await loanOf(loan.id)).toMatchObject({
    status: 'accorde',
    disbursementMethod: 'mobile_money',
    disbursementReference: null,
  });
  // The module's periodic job, as the workers run it every minute.
  const job = t.modules.loans.jobs.periodic.find((j) => j.name === 'loans-disbursement-payout-sweep');
  expect(job?.everyMs).toBe(60_000);
  const sweep = () => (job as { run(): Promise<unknown> }).run();
  expect(await sweep()).toBe(0);
  t.clock.advance(DISBURSEMENT_PAYOUT_GRACE_MS + 1000);
  expect(await sweep()).toBe(1);
  await until(async () => (await loanOf(loan.id)).status === 'decaisse');
  expect(await sweep()).toBe(0);
  const payouts = await t.deps.db.manager.findBy(PaymentTransaction, {
    purpose: DISBURSEMENT_PURPOSE,
    purposeRef: String(loan.id),
  });
  expect(payouts.map((p) => [p.direction, p.amount, p.status, p.initiatedBy])).toEqual([
    ['payout', 99_000, 'success', agent.id],
  ]);
  expect(await t.deps.db.manager.countBy(LoanInstalment, { loanId: loan.id })).toBe(12);
});

it('a collection under the disbursement purpose buys nothing: its money is parked in suspense', async () => {
  const handler = t.modules.loans.disbursements.purposeHandler();
  const payment = { reference: 'TFDPTEST0001', amount: 700, sfdId: sfd.id, purposeRef: '1' };
  const suspense = await ledgerBalance(t, sfdAccount(sfd.id, 'suspense'), true);
  await t.deps.db.transaction((m) =>
    (handler.applyCollection as NonNullable<typeof handler.applyCollection>)(
      m,
      payment as unknown as PaymentTransaction,
      t.clock.now(),
    ),
  );
  expect(await entryLines(t, 'payment:TFDPTEST0001')).toEqual({
    [sfdAccount(sfd.id, 'mobile-money')]: -700,
    [sfdAccount(sfd.id, 'suspense')]: 700,
  });
  expect(await ledgerBalance(t, sfdAccount(sfd.id, 'suspense'))).toBe(suspense + 700);
  // Nobody may start a payment for it: it pays out.
  expect(t.payments.registry.initiable('decaissement_pret')).toBe(false);
});
