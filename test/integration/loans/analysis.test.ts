import type { Sfd, User } from '../../../src/accounts/entities';
import { Loan, LoanApplication, LoanInstalment } from '../../../src/loans/entities';
import { ensureAccount, post, sfdAccount } from '../../../src/ledger/service';
import { savingsLedgerAccount } from '../../../src/savings/balance';
import { authed } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { eligibleClient, makeApplication, makeLoan } from './helpers';

/**
 * The analysis report on a client's file built by hand, read on 2026-07-15 (Porto-Novo): six months of
 * savings movements (a reversed withdrawal among them), tontine contributions in two months, an earlier
 * loan solde with two late instalments, savings opened 682 days before, terms of 200 000 at 24 % over 12 months and a declared income
 * of 80 000; every figure and the score worked out below.
 */

let t: TestApp;
let a: Sfd;
let b: Sfd;
let tokAgent: string;
const { get } = authed(() => t);
const at = (day: string) => new Date(`${day}T09:00:00.000Z`);
const url = (id: number) => `/api/loans/applications/${id}/rapport-analyse/`;

let seq = 0;
/** One balanced entry of `kind` at `day`: `account` +amount, the SFD's mobile-money clearing −amount. */
async function move(sfd: Sfd, account: string, amount: number, day: string, kind: string, ref?: string) {
  seq += 1;
  await t.deps.db.manager.transaction((tx) =>
    post(tx, {
      key: `test:analysis:${seq}`,
      kind,
      lines: [
        { account: sfdAccount(sfd.id, 'mobile-money'), amount: -amount },
        { account, amount },
      ],
      ref: ref ? { type: 'savings_transaction', id: ref } : undefined,
      sfdId: sfd.id,
      at: at(day),
    }),
  );
}

beforeAll(async () => {
  t = await startTestApp();
  a = await makeSfd(t, 'ANA');
  b = await makeSfd(t, 'ANB');
  tokAgent = await tokenFor(t, await makeUser(t, 'agent_sfd', a));
});
afterAll(() => t.close());

describe('a client with a history', () => {
  let client: User;
  let application: LoanApplication;

  beforeAll(async () => {
    // Savings opened 2024-09-01: 682 days before 2026-07-15.
    t.clock.set(at('2026-07-15'));
    const opened = await eligibleClient(t, a, { balance: 0, savingsDaysAgo: 682 });
    client = opened.client;
    const savings = opened.savings;
    // The earlier loan, disbursed 2025-01-10: 120 000 at 0 % (10 000 a month, due 2025-02-10 … 2026-01-10).
    t.clock.set(at('2025-01-10'));
    const earlier = await makeLoan(t, a, client, savings, {
      amount: 120_000,
      annualRateBp: 0,
      tegBp: 0,
      disbursedOn: '2025-01-10',
    });
    t.clock.set(at('2026-07-15'));
    const m = t.deps.db.manager;
    // Repaid: the 2nd 5 days late (penalty 50), the 3rd 12 days late (penalty 120), the others on time.
    // (Only its rows: the report reads the instalments, not the loan's ledger accounts.)
    const late: Record<number, { days: number; penalty: number }> = {
      2: { days: 5, penalty: 50 },
      3: { days: 12, penalty: 120 },
    };
    for (const i of earlier.instalments) {
      const paidOn = new Date(at(i.dueDate).getTime() + (late[i.n]?.days ?? 0) * 86_400_000);
      await m.update(
        LoanInstalment,
        { id: i.id },
        {
          principalPaid: i.principal,
          penaltyAccrued: late[i.n]?.penalty ?? 0,
          penaltyPaid: late[i.n]?.penalty ?? 0,
          status: 'paye',
          paidAt: paidOn,
        },
      );
    }
    await m.update(Loan, { id: earlier.loan.id }, { status: 'solde', closedAt: at('2026-01-10') });
    await m.update(LoanApplication, { id: earlier.application.id }, { openClientId: null });

    const code = savingsLedgerAccount(savings.id);
    await move(a, code, 20_000, '2026-01-05', 'savings_depot'); // before the 6 months: the opening balance
    await move(a, code, 50_000, '2026-02-10', 'savings_depot');
    await move(a, code, 30_000, '2026-03-12', 'savings_depot');
    await move(a, code, -10_000, '2026-03-20', 'savings_retrait', '71');
    await move(a, code, 15_000, '2026-05-03', 'savings_depot');
    await move(a, code, -5_000, '2026-06-25', 'savings_retrait', '72'); // its payout failed:
    await move(a, code, 5_000, '2026-06-26', 'savings_retrait_reversal', '72');
    await move(a, code, 10_000, '2026-07-02', 'savings_depot');

    // Tontines: contributions in April (2) and May (1), a withdrawal; an account in another SFD ignored.
    for (const [sfd, code2] of [
      [a, 'tontine:9101'],
      [b, 'tontine:9102'],
    ] as const) {
      await t.deps.db.manager.transaction((tx) =>
        ensureAccount(tx, {
          code: code2,
          kind: 'tontine',
          sfdId: sfd.id,
          ownerId: client.id,
          mayGoNegative: false,
          at: at('2026-03-01'),
        }),
      );
    }
    await move(a, 'tontine:9101', 2_000, '2026-04-01', 'tontine_cotisation');
    await move(a, 'tontine:9101', 2_000, '2026-04-15', 'tontine_cotisation');
    await move(a, 'tontine:9101', 2_000, '2026-05-01', 'tontine_cotisation');
    await move(a, 'tontine:9101', -1_000, '2026-05-20', 'tontine_retrait');
    await move(b, 'tontine:9102', 9_000, '2026-06-01', 'tontine_cotisation');

    ({ application } = await makeApplication(t, a, client, savings, {
      status: 'en_cours_examen',
      terms: { amount: 200_000, annualRateBp: 2400, months: 12, tegBp: 2400 },
    }));
    await t.deps.db.manager.update(LoanApplication, { id: application.id }, { monthlyIncome: 80_000 });
  });

  it('every figure and the score, exact', async () => {
    const res = await get(tokAgent, url(application.id));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      application_id: application.id,
      client_id: client.id,
      sfd_id: a.id,
      status: 'en_cours_examen',
      amount: 200_000,
      months: 12,
      as_of: '2026-07-15',
      // Its own application aside: eligible, up to 5 × 115 000.
      eligibility: {
        eligible: true,
        reasons: [],
        savings_age_days: 682,
        savings_balance: 115_000,
        max_amount: 575_000,
      },
      savings: {
        account_id: application.savingsAccountId,
        balance: 115_000,
        deposits_count: 4,
        deposits_amount: 105_000,
        withdrawals_count: 1,
        withdrawals_amount: 10_000,
        months_with_deposits: 4,
        months: [
          {
            month: '2026-02',
            deposits_count: 1,
            deposits_amount: 50_000,
            withdrawals_count: 0,
            withdrawals_amount: 0,
            closing_balance: 70_000,
          },
          {
            month: '2026-03',
            deposits_count: 1,
            deposits_amount: 30_000,
            withdrawals_count: 1,
            withdrawals_amount: 10_000,
            closing_balance: 90_000,
          },
          {
            month: '2026-04',
            deposits_count: 0,
            deposits_amount: 0,
            withdrawals_count: 0,
            withdrawals_amount: 0,
            closing_balance: 90_000,
          },
          {
            month: '2026-05',
            deposits_count: 1,
            deposits_amount: 15_000,
            withdrawals_count: 0,
            withdrawals_amount: 0,
            closing_balance: 105_000,
          },
          // The reversed withdrawal and its reversal: neither counted, the balance unchanged.
          {
            month: '2026-06',
            deposits_count: 0,
            deposits_amount: 0,
            withdrawals_count: 0,
            withdrawals_amount: 0,
            closing_balance: 105_000,
          },
          {
            month: '2026-07',
            deposits_count: 1,
            deposits_amount: 10_000,
            withdrawals_count: 0,
            withdrawals_amount: 0,
            closing_balance: 115_000,
          },
        ],
      },
      tontines: { accounts: 1, balance: 5_000, contributions: 3, total_contributed: 6_000, months_active: 2 },
      repayment_history: {
        loans: 1,
        solde: 1,
        ever_defaulted: false,
        late_instalments: 2,
        max_days_late: 12,
        penalties_paid: 170,
      },
      // 200 000 at 24 % over 12 months: 18 912 a month; ÷ 80 000 = 0.2364.
      debt_to_income: { instalment: 18_912, basis: 'terms', monthly_income: 80_000, ratio: '0.2364' },
      teg: { teg_pct: 24, usury_cap_pct: 24, exceeds_cap: false },
      score: {
        total: 71,
        factors: [
          { name: 'savings_age', value: 682, points: 20, max_points: 20 }, // ⌊682 × 20 / 365⌋ = 37, at most 20
          { name: 'savings_regularity', value: 4, points: 20, max_points: 30 }, // 5 × 4 months
          { name: 'tontine_record', value: 2, points: 6, max_points: 15 }, // 3 × 2 months
          { name: 'past_repayment', value: 2, points: 15, max_points: 25 }, // 25 − 5 × 2
          { name: 'debt_to_income', value: '0.2364', points: 10, max_points: 10 }, // ≤ 0.30
        ],
      },
    });
  });

  it('the TEG over a lowered cap shows as exceeding it', async () => {
    await t.modules.loans.settings.update(a.id, { usuryCapBp: 2000 }, (await makeUser(t, 'admin_sfd', a)).id);
    const res = await get(tokAgent, url(application.id));
    expect(res.body.teg).toEqual({ teg_pct: 24, usury_cap_pct: 20, exceeds_cap: true });
    await t.modules.loans.settings.update(a.id, { usuryCapBp: 2400 }, (await makeUser(t, 'admin_sfd', a)).id);
  });
});

describe('a new client', () => {
  it('90 days of savings, no terms yet, no income, no history: 19 points; at 89 days, not eligible', async () => {
    t.clock.set(at('2026-07-15'));
    for (const [days, eligible] of [
      [90, true],
      [89, false],
    ] as const) {
      const { client, savings } = await eligibleClient(t, a, { savingsDaysAgo: days }); // 100 000 paid in today
      const { application } = await makeApplication(t, a, client, savings, { amount: 150_000, months: 12 });
      const res = await get(tokAgent, url(application.id));
      expect(res.status).toBe(200);
      expect(res.body.eligibility).toEqual({
        eligible,
        reasons: eligible ? [] : ['savings_too_recent'],
        savings_age_days: days,
        savings_balance: 100_000,
        max_amount: eligible ? 500_000 : 0,
      });
      expect(res.body.savings.months_with_deposits).toBe(1);
      expect(res.body.tontines).toEqual({
        accounts: 0,
        balance: 0,
        contributions: 0,
        total_contributed: 0,
        months_active: 0,
      });
      expect(res.body.repayment_history).toEqual({
        loans: 0,
        solde: 0,
        ever_defaulted: false,
        late_instalments: 0,
        max_days_late: 0,
        penalties_paid: 0,
      });
      // No terms: the asked 150 000 over 12 months at 0 %.
      expect(res.body.debt_to_income).toEqual({
        instalment: 12_500,
        basis: 'asked_zero_rate',
        monthly_income: null,
        ratio: null,
      });
      expect(res.body.teg).toEqual({ teg_pct: null, usury_cap_pct: 24, exceeds_cap: null });
      expect(res.body.score.factors.map((f: { points: number }) => f.points)).toEqual([
        days === 90 ? 4 : 0,
        5,
        0,
        10,
        0,
      ]);
      expect(res.body.score.total).toBe(days === 90 ? 19 : 15);
    }
  });
});
