import type { Sfd, User } from '../../../src/accounts/entities';
import { AuditEvent } from '../../../src/accounts/entities';
import { formatAccountNumber } from '../../../src/savings/account-number';
import type { SavingsAccount, SavingsTransaction } from '../../../src/savings/entities';
import { smsSegments } from '../../../src/shared/gsm7';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { pdfTextLines } from '../../helpers/pdf-text';
import { expectProblem } from '../../helpers/problem';
import { smsIn } from '../tontines/disputes-helpers';
import { activeSavingsAccount } from './helpers';
import { binary, ledgerLines, movement, otherCredit, reversal } from './statements-helpers';

/**
 * Statements read from the ledger: a savings account with movements on both sides of November's
 * boundaries in Porto-Novo time (UTC+1), a withdrawal given back and a movement with no savings
 * transaction. Balances, lines, CSV, PDF, the mini statement and the RELEVE SMS exact.
 */
let t: TestApp;
let sfd: Sfd;
let client: User;
let agent: User;
let account: SavingsAccount;
let number: string;
const tokens: Record<string, string> = {};
let withdrawal: SavingsTransaction;

beforeAll(async () => {
  t = await startTestApp();
  t.clock.set(new Date('2026-10-01T08:00:00Z'));
  sfd = await makeSfd(t, 'STM');
  client = await makeUser(t, 'client', sfd, { firstName: 'Awa', lastName: 'Dossou' });
  agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });
  account = await activeSavingsAccount(t, sfd, client, 0);
  number = formatAccountNumber(account.id);
  // Before November.
  await movement(t, sfd, account, 'depot', 'mobile_money', 10_000, new Date('2026-10-15T09:00:00Z'));
  // 1 November 00:30 in Porto-Novo (still 31 October in UTC): November's.
  await movement(t, sfd, account, 'depot', 'cash', 5000, new Date('2026-10-31T23:30:00Z'), agent);
  withdrawal = await movement(
    t,
    sfd,
    account,
    'retrait',
    'mobile_money',
    3000,
    new Date('2026-11-05T10:00:00Z'),
  );
  await reversal(t, withdrawal, new Date('2026-11-05T12:00:00Z'));
  await otherCredit(t, sfd, account, 250, new Date('2026-11-10T08:00:00Z'));
  // 30 November 23:59 in Porto-Novo: November's.
  await movement(t, sfd, account, 'retrait', 'cash', 2000, new Date('2026-11-30T22:59:00Z'), agent);
  // 1 December 00:00 in Porto-Novo: December's.
  await movement(t, sfd, account, 'depot', 'mobile_money', 1000, new Date('2026-11-30T23:00:00Z'));
  t.clock.set(new Date('2026-12-03T10:00:00Z'));
  tokens.client = await tokenFor(t, client);
  tokens.agent = await tokenFor(t, agent);
});
afterAll(() => t.close());

const releve = (query: string, token = tokens.client) =>
  t.request
    .get(`/api/savings/accounts/${account.id}/releve/${query}`)
    .set('Authorization', `Bearer ${token}`);

describe('GET /api/savings/accounts/{id}/releve/', () => {
  it("November in the SFD's time: opening, every movement with its running balance, totals, closing", async () => {
    const res = await releve('?from=2026-11-01&to=2026-11-30');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      account_id: account.id,
      account_number: number,
      sfd: { id: sfd.id, name: 'SFD STM' },
      client: { id: client.id, first_name: 'Awa', last_name: 'Dossou' },
      currency: 'XOF',
      time_zone: 'Africa/Porto-Novo',
      from: '2026-11-01',
      to: '2026-11-30',
      opening_balance: 10_000,
      total_credits: 8250,
      total_debits: 5000,
      closing_balance: 13_250,
      movements: [
        {
          date: '2026-11-01',
          at: '2026-10-31T23:30:00.000Z',
          type: 'depot',
          method: 'cash',
          agent: 'Koffi Agbo',
          transaction_id: expect.any(Number),
          label: 'Depot especes (agent Koffi Agbo)',
          amount: 5000,
          balance: 15_000,
        },
        {
          date: '2026-11-05',
          at: '2026-11-05T10:00:00.000Z',
          type: 'retrait',
          method: 'mobile_money',
          agent: null,
          transaction_id: withdrawal.id,
          label: 'Retrait mobile money',
          amount: -3000,
          balance: 12_000,
        },
        {
          date: '2026-11-05',
          at: '2026-11-05T12:00:00.000Z',
          type: 'reversal',
          method: 'mobile_money',
          agent: null,
          transaction_id: withdrawal.id,
          label: 'Annulation: Retrait mobile money',
          amount: 3000,
          balance: 15_000,
        },
        {
          date: '2026-11-10',
          at: '2026-11-10T08:00:00.000Z',
          type: 'credit',
          method: null,
          agent: null,
          transaction_id: null,
          label: 'Credit',
          amount: 250,
          balance: 15_250,
        },
        {
          date: '2026-11-30',
          at: '2026-11-30T22:59:00.000Z',
          type: 'retrait',
          method: 'cash',
          agent: 'Koffi Agbo',
          transaction_id: expect.any(Number),
          label: 'Retrait especes (agent Koffi Agbo)',
          amount: -2000,
          balance: 13_250,
        },
      ],
    });
  });

  it("each line's balance is the ledger's after that posting (computed from the postings table)", async () => {
    const ledger = await ledgerLines(t, account);
    const start = new Date('2026-10-31T23:00:00Z').getTime(); // 1 November 00:00 in Porto-Novo
    const end = new Date('2026-11-30T23:00:00Z').getTime(); // 1 December 00:00
    const inRange = ledger.lines.filter((l) => Date.parse(l.at) >= start && Date.parse(l.at) < end);
    const before = ledger.lines.filter((l) => Date.parse(l.at) < start).at(-1)?.balance ?? 0;
    const { body } = await releve('?from=2026-11-01&to=2026-11-30');
    expect(body.opening_balance).toBe(before);
    expect(
      body.movements.map((l: { at: string; amount: number; balance: number }) => [l.at, l.amount, l.balance]),
    ).toEqual(inRange.map((l) => [l.at, l.amount, l.balance]));
    // The whole history up to today: the closing balance is the ledger account's.
    const all = await releve('?from=2026-01-01&to=2026-12-03');
    expect(all.body.opening_balance).toBe(0);
    expect(all.body.movements).toHaveLength(ledger.lines.length);
    expect(all.body.closing_balance).toBe(ledger.balance);
    expect(ledger.balance).toBe(14_250);
  });

  it("default: the current month to today (the SFD's); one day; a period with no movement", async () => {
    const res = await releve('');
    expect(res.body).toMatchObject({
      from: '2026-12-01',
      to: '2026-12-03',
      opening_balance: 13_250,
      closing_balance: 14_250,
      movements: [
        { date: '2026-12-01', at: '2026-11-30T23:00:00.000Z', label: 'Depot mobile money', amount: 1000 },
      ],
    });
    const day = await releve('?from=2026-11-05&to=2026-11-05');
    expect(day.body.movements.map((l: { amount: number }) => l.amount)).toEqual([-3000, 3000]);
    expect(day.body).toMatchObject({ opening_balance: 15_000, closing_balance: 15_000 });
    const quiet = await releve('?from=2026-11-11&to=2026-11-29');
    expect(quiet.body).toMatchObject({ opening_balance: 15_250, closing_balance: 15_250, movements: [] });
  });

  it('CSV: the header, the opening row, the movements, the closing row', async () => {
    const res = await releve('?from=2026-11-01&to=2026-11-30&format=csv', tokens.agent);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="releve-${number}-2026-11-01-2026-11-30.csv"`,
    );
    expect(res.text).toBe(
      'date,label,type,method,amount,balance\r\n' +
        "2026-11-01,Solde d'ouverture,opening,,,10000\r\n" +
        '2026-11-01,Depot especes (agent Koffi Agbo),depot,cash,5000,15000\r\n' +
        '2026-11-05,Retrait mobile money,retrait,mobile_money,-3000,12000\r\n' +
        '2026-11-05,Annulation: Retrait mobile money,reversal,mobile_money,3000,15000\r\n' +
        '2026-11-10,Credit,credit,,250,15250\r\n' +
        '2026-11-30,Retrait especes (agent Koffi Agbo),retrait,cash,-2000,13250\r\n' +
        '2026-11-30,Solde de cloture,closing,,,13250\r\n',
    );
  });

  it("PDF: the account number, the client, the period and the lines; a staff download is audited, the client's not", async () => {
    const audits = () =>
      t.deps.db.manager.findBy(AuditEvent, { action: 'savings.statement', targetId: String(account.id) });
    const mine = await releve('?from=2026-11-01&to=2026-11-30&format=pdf').buffer(true).parse(binary);
    expect(mine.status).toBe(200);
    // Only the agent's CSV download above so far.
    expect((await audits()).map((a) => JSON.parse(a.after as string).format)).toEqual(['csv']);
    const res = await releve('?from=2026-11-01&to=2026-11-30&format=pdf', tokens.agent)
      .buffer(true)
      .parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const pdf = res.body as Buffer;
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfTextLines(pdf);
    expect(text).toEqual(
      expect.arrayContaining([
        'SFD STM',
        'Client: Awa Dossou',
        `Compte: ${number}`,
        'Periode: du 01/11/2026 au 30/11/2026',
        'Annulation: Retrait mobile money',
        '13 250',
        `${number} - Page 1/1`,
      ]),
    );
    expect(await audits()).toEqual([
      expect.objectContaining({ actorId: agent.id, after: expect.stringContaining('"csv"') }),
      expect.objectContaining({
        actorId: agent.id,
        sfdId: sfd.id,
        targetType: 'savings_account',
        after: JSON.stringify({ format: 'pdf', from: '2026-11-01', to: '2026-11-30' }),
      }),
    ]);
  });

  it('a period that ends before it starts, longer than a year or not a date: 400', async () => {
    expectProblem(await releve('?from=2026-11-30&to=2026-11-01'), 400, 'validation');
    expectProblem(await releve('?from=2025-11-01&to=2026-11-30'), 400, 'validation');
    expectProblem(await releve('?from=2026-13-01'), 400);
    expectProblem(await releve('?format=xml'), 400);
    expect((await releve('?from=2025-12-03&to=2026-12-03')).status).toBe(200);
  });
});

describe('mini statement and the RELEVE SMS', () => {
  it('miniStatement: five movements a page, newest first, with the balance', async () => {
    const statements = t.modules.savings.statements;
    const first = await statements.miniStatement(client.id);
    expect(first).toMatchObject({ status: 'ok', accountNumber: number, balance: 14_250, page: 1, pages: 2 });
    expect(first.status === 'ok' && first.lines.map((l) => l.text)).toEqual([
      '01/12 +1 000 Depot',
      '30/11 -2 000 Retrait',
      '10/11 +250 Credit',
      '05/11 +3 000 Annul.',
      '05/11 -3 000 Retrait',
    ]);
    const second = await statements.miniStatement(client.id, 2, 'en');
    expect(second.status === 'ok' && second.lines.map((l) => l.text)).toEqual([
      '01/11 +5 000 Deposit',
      '15/10 +10 000 Deposit',
    ]);
    // Past the last page: the last page.
    expect(await statements.miniStatement(client.id, 9, 'en')).toEqual(second);
    expect(await statements.miniStatement((await makeUser(t, 'client', sfd)).id)).toEqual({ status: 'none' });
  });

  it('RELEVE answers the mini statement to the sender, in at most two GSM-7 parts', async () => {
    expect((await smsIn(t, client.phone as string, ' relevé ')).status).toBe(200);
    const sms = (await t.inbox.to(client.phone as string)).at(-1)?.body as string;
    expect(sms).toBe(
      `TontiFlex: releve ${number}: 01/12 +1 000 Depot; 30/11 -2 000 Retrait; 10/11 +250 Credit; ` +
        '05/11 +3 000 Annul.; 05/11 -3 000 Retrait. Solde: 14 250 FCFA.',
    );
    expect(smsSegments(sms)).toMatchObject({ encoding: 'GSM-7' });
    expect(smsSegments(sms).segments).toBeLessThanOrEqual(2);
  });

  it('STATEMENT in English; no savings account, a request not open yet, an unknown number: said so', async () => {
    const english = await makeUser(t, 'client', sfd, { language: 'en' });
    const opened = await activeSavingsAccount(t, sfd, english, 0);
    await smsIn(t, english.phone as string, 'STATEMENT');
    expect((await t.inbox.to(english.phone as string)).at(-1)?.body).toBe(
      `TontiFlex: savings account ${formatAccountNumber(opened.id)}: no movement yet. Balance: 0 FCFA.`,
    );

    const none = await makeUser(t, 'client', sfd);
    await smsIn(t, none.phone as string, 'RELEVE');
    expect((await t.inbox.to(none.phone as string)).at(-1)?.body).toBe(
      "TontiFlex: vous n'avez pas de compte epargne. Composez *123#, 4. Epargne, pour en ouvrir un.",
    );

    const pending = await makeUser(t, 'client', sfd);
    const asked = await activeSavingsAccount(t, sfd, pending, 0);
    await t.deps.db.manager.update('savings_accounts', { id: asked.id }, { status: 'en_cours_creation' });
    await smsIn(t, pending.phone as string, 'RELEVE');
    expect((await t.inbox.to(pending.phone as string)).at(-1)?.body).toBe(
      "TontiFlex: votre compte epargne n'est pas ouvert. Son etat: composez *123#, 4. Epargne.",
    );

    const stranger = '+2290196123451';
    await smsIn(t, stranger, 'RELEVE');
    expect((await t.inbox.to(stranger)).at(-1)?.body).toBe(
      "TontiFlex: ce numero n'est pas enregistre. Composez *123# pour vous inscrire.",
    );
  });
});

it('the longest RELEVE (English, seven-digit amounts, a nine-digit balance) still fits two GSM-7 parts', async () => {
  const rich = await makeUser(t, 'client', sfd, { language: 'en' });
  const acc = await activeSavingsAccount(t, sfd, rich, 123_456_789);
  for (let i = 0; i < 5; i++) {
    await movement(
      t,
      sfd,
      acc,
      'retrait',
      'cash',
      9_999_999,
      new Date(t.clock.now().getTime() + 3_600_000 + i * 60_000),
      agent,
    );
  }
  await smsIn(t, rich.phone as string, 'statement');
  const sms = (await t.inbox.to(rich.phone as string)).at(-1)?.body as string;
  expect(sms).toBe(
    `TontiFlex: statement ${formatAccountNumber(acc.id)}: ` +
      Array(5).fill('03/12 -9 999 999 Withdrawal').join('; ') +
      '. Balance: 73 456 794 FCFA.',
  );
  expect(smsSegments(sms)).toMatchObject({ encoding: 'GSM-7' });
  expect(smsSegments(sms).segments).toBeLessThanOrEqual(2);
});

describe('through the real deposit and withdrawal endpoints', () => {
  it("a cash deposit and a withdrawal paid in cash: the statement's lines, labels and balances match the ledger", async () => {
    const owner = await makeUser(t, 'client', sfd, { firstName: 'Yao', lastName: 'Houngbo' });
    const acc = await activeSavingsAccount(t, sfd, owner, 0);
    const staff = { Authorization: `Bearer ${tokens.agent}` };
    const deposit = await t.request
      .post(`/api/savings/accounts/${acc.id}/deposit/`)
      .set(staff)
      .set('Idempotency-Key', `stmt-${acc.id}`)
      .send({ amount: 8000, method: 'cash' });
    expect(deposit.status).toBe(201);
    t.clock.advance(60_000);
    const asked = await t.request
      .post(`/api/savings/accounts/${acc.id}/withdraw/`)
      .set('Authorization', `Bearer ${await tokenFor(t, owner)}`)
      .send({ amount: 1500 });
    expect(asked.status).toBe(201);
    t.clock.advance(60_000);
    const approved = await t.request
      .post(`/api/savings/transactions/${asked.body.id}/validate/`)
      .set(staff)
      .send({ decision: 'approve', method: 'cash' });
    expect(approved.status).toBe(200);

    const res = await t.request
      .get(`/api/savings/accounts/${acc.id}/releve/`)
      .set('Authorization', `Bearer ${tokens.agent}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      opening_balance: 0,
      total_credits: 8000,
      total_debits: 1500,
      closing_balance: 6500,
    });
    expect(res.body.movements).toEqual([
      expect.objectContaining({
        type: 'depot',
        method: 'cash',
        label: 'Depot especes (agent Koffi Agbo)',
        transaction_id: deposit.body.id,
        amount: 8000,
        balance: 8000,
      }),
      expect.objectContaining({
        type: 'retrait',
        transaction_id: asked.body.id,
        amount: -1500,
        balance: 6500,
      }),
    ]);
    const ledger = await ledgerLines(t, acc);
    expect(res.body.movements.map((l: { amount: number; balance: number }) => [l.amount, l.balance])).toEqual(
      ledger.lines.map((l) => [l.amount, l.balance]),
    );
    expect(ledger.balance).toBe(6500);
  });
});
