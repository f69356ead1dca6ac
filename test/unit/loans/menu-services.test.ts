import { conflict, Problem } from '../../../src/http/errors';
import { LoanPayment, type Loan, type LoanApplication } from '../../../src/loans/entities';
import type { Eligibility } from '../../../src/loans/eligibility';
import { LOAN_INDICATIVE_RATE_BP, loansMenuServices } from '../../../src/loans/menu-services';
import type { LoansContext } from '../../../src/loans/parts';

/**
 * "5. Prets"'s services over fakes of the applications and repayments services: who the caller acts
 * as, which of the client's situations each screen gets, how the services' refusals become menu
 * outcomes, and what is never started.
 */
const application = (fields: Partial<LoanApplication> = {}) =>
  ({
    id: 31,
    sfdId: 3,
    clientId: 7,
    openClientId: 7,
    status: 'soumis',
    amount: 100_000,
    months: 12,
    reason: null,
    ...fields,
  }) as LoanApplication;
const loan = (status: Loan['status']) =>
  ({
    id: 5,
    sfdId: 3,
    clientId: 7,
    status,
    principal: 100_000,
    annualRateBp: 2400,
    months: 12,
    method: 'annuity',
  }) as Loan;
const eligibility = (fields: Partial<Eligibility> = {}): Eligibility => ({
  eligible: true,
  reasons: [],
  savingsAccount: { id: 9, openedAt: new Date('2026-09-04T23:30:00Z') } as Eligibility['savingsAccount'],
  savingsBalance: 100_000,
  savingsAgeDays: 120,
  maxAmount: 500_000,
  minAmount: 10_000,
  inProgress: null,
  ...fields,
});
const DUE = {
  next: { n: 2, dueDate: '2027-02-05', total: 8885, penalty: 0 },
  overdue: 0,
  dueNow: 8885,
  payoff: 91_000,
};

function services(over: Record<string, unknown> = {}, waiting: LoanPayment | null = null) {
  const fakes = {
    client: jest.fn(async (id: number) => (id === 7 ? { id: 7, role: 'client', sfdId: 3 } : null)),
    eligibility: jest.fn(async () => eligibility()),
    current: jest.fn(async () => null as { application: LoanApplication; loan: Loan | null } | null),
    apply: jest.fn(async () => application({ id: 44 })),
    timeZoneOf: jest.fn(async () => 'Africa/Porto-Novo'),
    dueNow: jest.fn(async () => DUE),
    startMobileMoney: jest.fn(async () => ({})),
    findOne: jest.fn(async (entity: unknown) => (entity === LoanPayment ? waiting : null)),
    ...over,
  };
  const logger = { error: jest.fn() };
  const ctx = {
    deps: { db: { manager: { findOne: fakes.findOne } }, logger, clock: { now: () => new Date() } },
    needs: { accounts: { client: fakes.client } },
    applications: {
      eligibility: fakes.eligibility,
      current: fakes.current,
      apply: fakes.apply,
      timeZoneOf: fakes.timeZoneOf,
    },
    repayments: { dueNow: fakes.dueNow, startMobileMoney: fakes.startMobileMoney },
  } as unknown as LoansContext;
  return { s: loansMenuServices(ctx), fakes, logger };
}

const CLIENT = { userId: 7, role: 'client', sfdId: 3 };
const repaying = (status: Loan['status'] = 'en_remboursement') => ({
  current: jest.fn(async () => ({ application: application({ status: 'accorde' }), loan: loan(status) })),
});

describe('loadLoans', () => {
  it('an eligible client: the range, and their last request if any', async () => {
    expect(await services().s.loadLoans({ userId: 7 })).toEqual({
      state: 'eligible',
      refusal: null,
      eligibleFrom: '',
      minAmount: 10_000,
      maxAmount: 500_000,
      request: null,
    });
    const rejected = services({
      current: jest.fn(async () => ({
        application: application({ openClientId: null, status: 'rejete', reason: 'Revenus' }),
        loan: null,
      })),
    });
    expect((await rejected.s.loadLoans({ userId: 7 })).request).toEqual({
      status: 'rejete',
      ref: 'P31',
      amount: 100_000,
      months: 12,
      instalment: 0,
      reason: 'Revenus',
    });
  });

  it('savings too recent: the first day of the SFD calendar it becomes possible (opened on D: D + 90)', async () => {
    // Opened at 00:30 on 5 September in Porto-Novo (UTC+1): eligible from 4 December.
    const { s } = services({
      eligibility: jest.fn(async () =>
        eligibility({ eligible: false, reasons: ['savings_too_recent'], maxAmount: 0 }),
      ),
    });
    expect(await s.loadLoans({ userId: 7 })).toMatchObject({
      state: 'refused',
      refusal: 'savings_too_recent',
      eligibleFrom: '04/12/2026',
    });
  });

  it('several reasons: the first the client can act on', async () => {
    const { s } = services({
      eligibility: jest.fn(async () =>
        eligibility({ eligible: false, reasons: ['savings_too_recent', 'savings_too_low'], maxAmount: 0 }),
      ),
    });
    expect((await s.loadLoans({ userId: 7 })).refusal).toBe('savings_too_recent');
  });

  it('an application in progress: pending with its status; a disbursed loan: repaying', async () => {
    const pending = services({ current: jest.fn(async () => ({ application: application(), loan: null })) });
    expect(await pending.s.loadLoans({ userId: 7 })).toMatchObject({
      state: 'pending',
      request: { status: 'soumis', ref: 'P31', instalment: 0 },
    });
    const granted = services({
      current: jest.fn(async () => ({
        application: application({ status: 'accorde' }),
        loan: loan('accorde'),
      })),
    });
    // 100 000 at 24 % over 12 months: 9 456 a month.
    expect(await granted.s.loadLoans({ userId: 7 })).toMatchObject({
      state: 'pending',
      request: { status: 'accorde', instalment: 9456 },
    });
    for (const status of ['decaisse', 'en_remboursement', 'en_defaut'] as const) {
      expect(await services(repaying(status)).s.loadLoans({ userId: 7 })).toMatchObject({
        state: 'repaying',
        request: { status },
      });
    }
  });

  it('fails (logged) for a user who is not a client', async () => {
    const { s, logger } = services();
    await expect(s.loadLoans({ userId: 8 })).rejects.toMatchObject({ status: 404 });
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ service: 'loadLoans' }),
      expect.any(String),
    );
  });
});

describe('quoteLoan', () => {
  it('is the annuity at the indicative rate', async () => {
    expect(LOAN_INDICATIVE_RATE_BP).toBe(1200);
    expect(await services().s.quoteLoan({ amount: 100_000, months: 12 })).toBe(8885);
  });

  it('refuses what no screen sends', async () => {
    const { s } = services();
    await expect(s.quoteLoan({ amount: 0, months: 12 })).rejects.toMatchObject({ status: 400 });
    await expect(s.quoteLoan({ amount: 10_000, months: 61 })).rejects.toMatchObject({ status: 400 });
  });
});

describe('submitLoanApplication', () => {
  it('applies as the client, on the ussd channel', async () => {
    const { s, fakes } = services();
    expect(await s.submitLoanApplication({ userId: 7, amount: 20_000, months: 6, purpose: 'sante' })).toEqual(
      {
        outcome: 'sent',
        ref: 'P44',
      },
    );
    expect(fakes.apply).toHaveBeenCalledWith(expect.objectContaining(CLIENT), {
      amount: 20_000,
      months: 6,
      purpose: 'sante',
      channel: 'ussd',
    });
  });

  it.each(['not_eligible', 'amount_over_limit', 'loan_in_progress'])('says %s', async (code) => {
    const { s } = services({ apply: jest.fn(() => Promise.reject(new Problem(409, code))) });
    expect(await s.submitLoanApplication({ userId: 7, amount: 20_000, months: 6, purpose: 'autre' })).toEqual(
      {
        outcome: code,
      },
    );
  });

  it('fails on any other refusal', async () => {
    const { s } = services({ apply: jest.fn(() => Promise.reject(conflict('suspended'))) });
    await expect(
      s.submitLoanApplication({ userId: 7, amount: 20_000, months: 6, purpose: 'autre' }),
    ).rejects.toMatchObject({ status: 409 });
  });
});

describe('loadLoanDue and startLoanRepayment', () => {
  it('reads the loan being repaid, its dates as a client reads them', async () => {
    const { s, fakes } = services(repaying());
    expect(await s.loadLoanDue({ userId: 7 })).toEqual({
      months: 12,
      next: { n: 2, dueDate: '05/02/2027', total: 8885, penalty: 0 },
      overdue: 0,
      dueNow: 8885,
      payoff: 91_000,
    });
    expect(fakes.dueNow).toHaveBeenCalledWith(5);
    await expect(services().s.loadLoanDue({ userId: 7 })).rejects.toMatchObject({ status: 404 });
  });

  it('pushes the repayment as the client', async () => {
    const { s, fakes } = services(repaying());
    expect(await s.startLoanRepayment({ userId: 7, amount: 8885 })).toBe('started');
    expect(fakes.startMobileMoney).toHaveBeenCalledWith(expect.objectContaining(CLIENT), {
      loanId: 5,
      amount: 8885,
    });
  });

  it('starts nothing without a loan being repaid, while a push waits, or for a bad amount', async () => {
    const none = services();
    expect(await none.s.startLoanRepayment({ userId: 7, amount: 8885 })).toBe('nothing_due');
    const waiting = services(repaying(), { id: 1 } as LoanPayment);
    expect(await waiting.s.startLoanRepayment({ userId: 7, amount: 8885 })).toBe('pending');
    const bad = services(repaying());
    await expect(bad.s.startLoanRepayment({ userId: 7, amount: 0 })).rejects.toMatchObject({ status: 400 });
    for (const f of [none, waiting, bad]) expect(f.fakes.startMobileMoney).not.toHaveBeenCalled();
  });

  it('maps a refusal by what is left now: nothing, less than asked, else a failure', async () => {
    const refused = jest.fn(() => Promise.reject(conflict('at most')));
    const left = (payoff: number) =>
      services({
        ...repaying(),
        startMobileMoney: refused,
        dueNow: jest.fn(async () => ({ ...DUE, payoff })),
      }).s;
    expect(await left(0).startLoanRepayment({ userId: 7, amount: 8885 })).toBe('nothing_due');
    expect(await left(5000).startLoanRepayment({ userId: 7, amount: 8885 })).toBe('above_payoff');
    await expect(left(91_000).startLoanRepayment({ userId: 7, amount: 8885 })).rejects.toMatchObject({
      status: 409,
    });
  });
});
