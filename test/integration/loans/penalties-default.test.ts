import { AuditEvent, type Sfd, type User } from '../../../src/accounts/entities';
import { Loan, LoanInstalment } from '../../../src/loans/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser } from '../../helpers/factories';
import { eligibleClient, makeLoan } from './helpers';

/**
 * The default status the daily run keeps (issue 14): a decaisse or en_remboursement loan whose oldest
 * unpaid instalment is late by more than the SFD's defaultAfterDays is en_defaut (defaulted_at, an
 * audit row by the system with the why, one SMS to the client); back to en_remboursement once it no
 * longer is (the instalment paid, or the SFD allowing more days). Loans disbursed 2026-03-02: the first
 * instalment (8 885) is due 2026-04-02 and accrues 9 a day from the 3rd.
 */

let t: TestApp;
let sfd: Sfd;
let admin: User;
beforeAll(async () => {
  t = await startTestApp();
  t.clock.set(local('2026-03-02', 9));
  sfd = await makeSfd(t);
  admin = await makeUser(t, 'admin_sfd', sfd);
  await t.modules.loans.settings.update(sfd.id, { defaultAfterDays: 3 }, admin.id);
});
afterAll(() => t.close());

const local = (date: string, hour = 10) =>
  new Date(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10), hour - 1));

const run = async (date: string, hour = 10) => {
  t.clock.set(local(date, hour));
  return t.modules.loans.penalties.run();
};

const statusOf = async (id: number) => {
  const l = await t.deps.db.manager.findOneByOrFail(Loan, { id });
  return [l.status, l.defaultedAt?.toISOString() ?? null];
};
const audits = async (id: number) =>
  (
    await t.deps.db.manager.find(AuditEvent, {
      where: { targetType: 'loan', targetId: String(id) },
      order: { id: 'ASC' },
    })
  ).map((a) => [a.action, a.actorId, a.sfdId, JSON.parse(a.before ?? 'null'), JSON.parse(a.after ?? 'null')]);
const texts = async (phone: string) => (await t.inbox.to(phone)).map((m) => m.body);

it('goes en_defaut the day the oldest unpaid instalment is more than N days late, and back once it is paid', async () => {
  const { client, savings } = await eligibleClient(t, sfd);
  const { loan, instalments } = await makeLoan(t, sfd, client, savings, { disbursedOn: '2026-03-02' });
  const [first] = instalments;

  await run('2026-04-05'); // 3 days late: not more than 3
  expect(await statusOf(loan.id)).toEqual(['decaisse', null]);

  await run('2026-04-06'); // 4 days
  expect(await statusOf(loan.id)).toEqual(['en_defaut', local('2026-04-06').toISOString()]);
  const why = { oldest_unpaid_due_date: '2026-04-02', days_late: 4, default_after_days: 3 };
  expect(await audits(loan.id)).toEqual([
    ['loan.default', null, sfd.id, { status: 'decaisse', ...why }, { status: 'en_defaut', ...why }],
  ]);
  // What is overdue: the instalment and its four days of penalties, 8 885 + 36.
  const sms =
    `TontiFlex: votre pret P${loan.applicationId} est en defaut: une echeance est impayee depuis plus de 3 jours. ` +
    'Montant en retard: 8 921 FCFA. Contactez votre agence.';
  expect(await texts(client.phone)).toEqual([sms]);

  // Later runs: still en_defaut, still accruing, no second SMS or audit row.
  await run('2026-04-06', 22);
  await run('2026-04-07');
  expect(await statusOf(loan.id)).toEqual(['en_defaut', local('2026-04-06').toISOString()]);
  expect((await audits(loan.id)).length).toBe(1);
  expect(await texts(client.phone)).toEqual([sms]);
  expect((await t.deps.db.manager.findOneByOrFail(LoanInstalment, { id: first.id })).penaltyAccrued).toBe(45);

  // Paid (by the repayments part; written here by hand): the next run brings the loan back.
  await t.deps.db.manager.update(
    LoanInstalment,
    { id: first.id },
    { principalPaid: 7885, interestPaid: 1000, penaltyPaid: 45, status: 'paye', paidAt: t.clock.now() },
  );
  await run('2026-04-08');
  const [status] = await statusOf(loan.id);
  expect(status).toBe('en_remboursement');
  const cured = { oldest_unpaid_due_date: '2026-05-02', days_late: -24, default_after_days: 3 };
  expect((await audits(loan.id))[1]).toEqual([
    'loan.default_cured',
    null,
    sfd.id,
    { status: 'en_defaut', ...cured },
    { status: 'en_remboursement', ...cured },
  ]);
  expect(await texts(client.phone)).toEqual([sms]);
  await t.deps.db.manager.update(Loan, { id: loan.id }, { status: 'solde' });
});

it('an en_remboursement loan defaults too (the SMS in English), and comes back when the SFD allows more days', async () => {
  const { client, savings } = await eligibleClient(t, sfd, {
    client: await makeUser(t, 'client', sfd, { kycStatus: 'verified', language: 'en' }),
  });
  t.clock.set(local('2026-03-02', 9));
  const { loan } = await makeLoan(t, sfd, client, savings, {
    disbursedOn: '2026-03-02',
    status: 'en_remboursement',
  });
  await run('2026-04-07'); // 5 days late, 5 × 9 of penalties
  expect(await statusOf(loan.id)).toEqual(['en_defaut', local('2026-04-07').toISOString()]);
  expect(await texts(client.phone)).toEqual([
    `TontiFlex: your loan P${loan.applicationId} is in default: an instalment has been unpaid for more than 3 days. ` +
      'Amount overdue: 8 930 FCFA. Please contact your branch.',
  ]);

  await t.modules.loans.settings.update(sfd.id, { defaultAfterDays: 30 }, admin.id);
  await run('2026-04-08');
  expect((await statusOf(loan.id))[0]).toBe('en_remboursement');
  expect((await audits(loan.id)).map(([action]) => action)).toEqual(['loan.default', 'loan.default_cured']);
  // 31 days late on 2026-05-03: en_defaut again, with a new SMS.
  await run('2026-05-03');
  expect((await statusOf(loan.id))[0]).toBe('en_defaut');
  expect((await texts(client.phone)).length).toBe(2);
});

it('leaves granted (not disbursed) and closed loans alone', async () => {
  const { client, savings } = await eligibleClient(t, sfd);
  t.clock.set(local('2026-01-02', 9));
  const closed = await makeLoan(t, sfd, client, savings, { disbursedOn: '2026-01-02', status: 'solde' });
  const granted = await makeLoan(t, sfd, (await eligibleClient(t, sfd)).client, savings, {});
  await run('2026-06-01');
  expect((await statusOf(closed.loan.id))[0]).toBe('solde');
  expect((await statusOf(granted.loan.id))[0]).toBe('accorde');
  expect(
    (await t.deps.db.manager.findOneByOrFail(LoanInstalment, { id: closed.instalments[0].id }))
      .penaltyAccrued,
  ).toBe(0);
  expect(await audits(closed.loan.id)).toEqual([]);
});
