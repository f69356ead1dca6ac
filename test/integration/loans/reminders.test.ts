import type { Sfd } from '../../../src/accounts/entities';
import type { Loan } from '../../../src/loans/entities';
import { LoanInstalment } from '../../../src/loans/entities';
import { SmsOptOut, SmsOutboxEntry } from '../../../src/notifications/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser } from '../../helpers/factories';
import { eligibleClient, makeLoan } from './helpers';

/**
 * The loans' SMS reminders (issue 14): an unpaid instalment is reminded 3 days and 1 day before its due
 * date, and alerted 1 and 7 days late; each once (dedupe key: the reminder's day and the instalment),
 * caught up within REMINDER_CATCH_UP_DAYS (3) when its day was missed, never twice for one milestone,
 * never to a STOP'd phone nor for a paid instalment. Loans disbursed 2026-03-02 are due 2026-04-02
 * (8 885, 9 a day of penalties from the 3rd); one disbursed 2026-03-04 is due 2026-04-04.
 */

let t: TestApp;
let sfd: Sfd;

/** `hour` o'clock in Porto-Novo (UTC+1) on local day `date`. */
const local = (date: string, hour = 10) =>
  new Date(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10), hour - 1));
const nextDay = (date: string) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await startTestApp();
  t.clock.set(local('2026-03-02', 9));
  sfd = await makeSfd(t);
});
afterAll(() => t.close());

async function borrower(disbursedOn: string, language: 'fr' | 'en' = 'fr') {
  t.clock.set(local(disbursedOn, 9));
  const client = await makeUser(t, 'client', sfd, { kycStatus: 'verified', language });
  const { savings } = await eligibleClient(t, sfd, { client });
  const { loan, instalments } = await makeLoan(t, sfd, client, savings, { disbursedOn });
  return { client, loan, instalments };
}

const reminders = async (phone: string) =>
  (await t.deps.db.manager.find(SmsOutboxEntry, { where: { toPhone: phone }, order: { id: 'ASC' } }))
    .filter((r) => r.dedupeKey.startsWith('reminder:loan_'))
    .map((r) => [r.dedupeKey, r.body]);

/** The day's penalty run, then the reminders tick, at 10:00 local. */
async function day(date: string) {
  t.clock.set(local(date));
  await t.modules.loans.penalties.run();
  return t.notifications.reminderRunner.tick();
}

const P = (loan: Loan) => `P${loan.applicationId}`;
const soon = (loan: Loan, amount: string, date: string) =>
  `TontiFlex: echeance 1 de votre pret ${P(loan)}: ${amount} FCFA a payer le ${date}, par USSD ou a ` +
  "l'agence. Envoyez ARRET pour ne plus recevoir de rappels.";
const late = (loan: Loan, amount: string, date: string) =>
  `TontiFlex: echeance 1 de votre pret ${P(loan)}, due le ${date}, impayee: ${amount} FCFA avec ` +
  'penalites. Payez vite. Envoyez ARRET pour ne plus recevoir de rappels.';

it('reminds 3 and 1 days before the due date and alerts 1 and 7 days late, once each, with catch-up', async () => {
  const a = await borrower('2026-03-02');
  const en = await borrower('2026-03-02', 'en');
  const paid = await borrower('2026-03-02');
  const stopped = await borrower('2026-03-02');
  const e = await borrower('2026-03-04');
  await t.deps.db.manager.update(
    LoanInstalment,
    { id: paid.instalments[0].id },
    { principalPaid: 7885, interestPaid: 1000, status: 'paye', paidAt: t.clock.now() },
  );
  await t.deps.db.manager.insert(SmsOptOut, { phone: stopped.client.phone, createdAt: t.clock.now() });
  const key = (who: { client: { id: number }; instalments: LoanInstalment[] }, kind: string, date: string) =>
    `reminder:${kind}:${who.client.id}:${date}:${who.instalments[0].id}`;

  await day('2026-03-29'); // 4 days before: nothing
  expect(await reminders(a.client.phone)).toEqual([]);

  await day('2026-03-30'); // 3 days before 2 April
  expect(await reminders(a.client.phone)).toEqual([
    [key(a, 'loan_due_soon', '2026-03-30'), soon(a.loan, '8 885', '02/04/2026')],
  ]);
  expect(await reminders(en.client.phone)).toEqual([
    [
      key(en, 'loan_due_soon', '2026-03-30'),
      `TontiFlex: instalment 1 of your loan ${P(en.loan)}: 8 885 FCFA to pay on 02/04/2026, by USSD or at ` +
        'the branch. Send STOP to get no more reminders.',
    ],
  ]);
  expect(await reminders(paid.client.phone)).toEqual([]);
  expect(await reminders(stopped.client.phone)).toEqual([]);
  expect(await reminders(e.client.phone)).toEqual([]);

  await day('2026-03-31'); // the 3-day one is not sent again
  expect((await reminders(a.client.phone)).length).toBe(1);

  // No run on 1 April (downtime). On the 2nd, the 1-day reminder is caught up on the due day, and E's
  // 3-day one (due 1 April) goes a day late, under the keys of the days they were due.
  await day('2026-04-02');
  expect(await reminders(a.client.phone)).toEqual([
    [key(a, 'loan_due_soon', '2026-03-30'), soon(a.loan, '8 885', '02/04/2026')],
    [key(a, 'loan_due_soon', '2026-04-01'), soon(a.loan, '8 885', '02/04/2026')],
  ]);
  expect(await reminders(e.client.phone)).toEqual([
    [key(e, 'loan_due_soon', '2026-04-01'), soon(e.loan, '8 885', '04/04/2026')],
  ]);

  // 3 April: A one day late (8 885 + 9 of penalties); E's 1-day reminder on its day.
  await day('2026-04-03');
  expect((await reminders(a.client.phone)).slice(2)).toEqual([
    [key(a, 'loan_overdue', '2026-04-03'), late(a.loan, '8 894', '02/04/2026')],
  ]);
  expect((await reminders(e.client.phone)).slice(1)).toEqual([
    [key(e, 'loan_due_soon', '2026-04-03'), soon(e.loan, '8 885', '04/04/2026')],
  ]);

  // Through 8 April: nothing more for A; E is 1 day late on the 5th.
  for (let d = '2026-04-04'; d <= '2026-04-08'; d = nextDay(d)) await day(d);
  expect((await reminders(a.client.phone)).length).toBe(3);
  expect((await reminders(e.client.phone)).slice(2)).toEqual([
    [key(e, 'loan_overdue', '2026-04-05'), late(e.loan, '8 894', '04/04/2026')],
  ]);

  // 9 April: 7 days late, 7 × 9 = 63 of penalties.
  await day('2026-04-09');
  expect((await reminders(a.client.phone)).slice(3)).toEqual([
    [key(a, 'loan_overdue', '2026-04-09'), late(a.loan, '8 948', '02/04/2026')],
  ]);

  // Past the last alert and its catch-up days: nothing more, ever; nor for the paid or STOP'd ones.
  for (let d = '2026-04-10'; d <= '2026-04-16'; d = nextDay(d)) await day(d);
  expect((await reminders(a.client.phone)).length).toBe(4);
  expect((await reminders(en.client.phone)).length).toBe(4);
  expect((await reminders(e.client.phone)).length).toBe(4);
  expect(await reminders(paid.client.phone)).toEqual([]);
  expect(await reminders(stopped.client.phone)).toEqual([]);
});
