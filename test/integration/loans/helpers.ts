import type { Sfd, User } from '../../../src/accounts/entities';
import {
  Loan,
  LoanApplication,
  LoanInstalment,
  LoanTerms,
  type LoanApplicationStatus,
  type LoanStatus,
} from '../../../src/loans/entities';
import { loanPrincipalAccount, openLoanAccounts } from '../../../src/loans/ledger-accounts';
import { buildSchedule, dueDateAfter, type ScheduleMethod } from '../../../src/loans/schedule';
import { post, sfdAccount } from '../../../src/ledger/service';
import type { SavingsAccount } from '../../../src/savings/entities';
import { localDateOf } from '../../../src/shared/sfd-calendar';
import type { TestApp } from '../../helpers/app';
import { makeUser } from '../../helpers/factories';
import { activeSavingsAccount } from '../savings/helpers';

/**
 * Fixtures for the loans tests: rows written straight to the database (and the ledger, balanced), for
 * tests of what comes after a step; each step itself is tested through the API.
 */

/** A client of `sfd` with an active savings account of `balance`, opened `savingsDaysAgo` days ago. */
export async function eligibleClient(
  t: TestApp,
  sfd: Sfd,
  opts: { balance?: number; savingsDaysAgo?: number; client?: User } = {},
): Promise<{ client: User; savings: SavingsAccount }> {
  const client = opts.client ?? (await makeUser(t, 'client', sfd, { kycStatus: 'verified' }));
  const savings = await activeSavingsAccount(
    t,
    sfd,
    client,
    opts.balance ?? 100_000,
    opts.savingsDaysAgo ?? 120,
  );
  return { client, savings };
}

export interface LoanTermsInput {
  amount?: number;
  annualRateBp?: number;
  months?: number;
  method?: ScheduleMethod;
  fees?: number;
  penaltyDailyBp?: number;
  guaranteePct?: number;
  tegBp?: number;
}

const TERMS_DEFAULTS = {
  amount: 100_000,
  annualRateBp: 1200,
  months: 12,
  method: 'annuity' as ScheduleMethod,
  fees: 0,
  penaltyDailyBp: 10,
  guaranteePct: 0,
  tegBp: 1200,
};

/** An application of `client` in `status` (with terms from en_cours_examen on, unless `terms: null`). */
export async function makeApplication(
  t: TestApp,
  sfd: Sfd,
  client: User,
  savings: SavingsAccount,
  opts: {
    status?: LoanApplicationStatus;
    amount?: number;
    months?: number;
    terms?: LoanTermsInput | null;
  } = {},
): Promise<{ application: LoanApplication; terms: LoanTerms | null }> {
  const m = t.deps.db.manager;
  const at = t.clock.now();
  const status = opts.status ?? 'soumis';
  const open = status !== 'rejete';
  const application = await m.save(
    m.create(LoanApplication, {
      sfdId: sfd.id,
      clientId: client.id,
      openClientId: open ? client.id : null,
      status,
      amount: opts.amount ?? opts.terms?.amount ?? TERMS_DEFAULTS.amount,
      months: opts.months ?? opts.terms?.months ?? TERMS_DEFAULTS.months,
      purpose: 'commerce',
      monthlyIncome: null,
      savingsAccountId: savings.id,
      savingsBalance: 100_000,
      channel: 'back_office',
      requestedBy: null,
      reviewedBy: null,
      reviewedAt: status === 'soumis' ? null : at,
      reviewComment: null,
      forwardedAt: ['transfere_admin', 'accorde', 'rejete'].includes(status) ? at : null,
      decidedBy: null,
      decidedAt: ['accorde', 'rejete'].includes(status) ? at : null,
      reason: status === 'rejete' ? 'Dossier incomplet' : null,
      createdAt: at,
      updatedAt: at,
    }),
  );
  if (status === 'soumis' || opts.terms === null) return { application, terms: null };
  const terms = await m.save(
    m.create(LoanTerms, {
      ...TERMS_DEFAULTS,
      amount: application.amount,
      months: application.months,
      ...opts.terms,
      sfdId: sfd.id,
      applicationId: application.id,
      setBy: null,
      createdAt: at,
      updatedAt: at,
    }),
  );
  return { application, terms };
}

/**
 * A granted loan (status `accorde`), or with `disbursedOn` (a local date) one disbursed in cash that day:
 * its ledger accounts, the disbursement entry (principal −P, fee income +fees, branch cash +(P − fees)),
 * its schedule (first due date one month after) and `status` (default decaisse). No hold is made.
 */
export async function makeLoan(
  t: TestApp,
  sfd: Sfd,
  client: User,
  savings: SavingsAccount,
  opts: LoanTermsInput & { status?: LoanStatus; disbursedOn?: string } = {},
): Promise<{ loan: Loan; application: LoanApplication; instalments: LoanInstalment[] }> {
  const { application, terms } = await makeApplication(t, sfd, client, savings, {
    status: 'accorde',
    terms: opts,
  });
  const m = t.deps.db.manager;
  const at = t.clock.now();
  const tt = terms as LoanTerms;
  const disbursed = opts.disbursedOn !== undefined;
  const loan = await m.save(
    m.create(Loan, {
      sfdId: sfd.id,
      clientId: client.id,
      applicationId: application.id,
      status: opts.status ?? (disbursed ? 'decaisse' : 'accorde'),
      principal: tt.amount,
      annualRateBp: tt.annualRateBp,
      months: tt.months,
      method: tt.method,
      fees: tt.fees,
      penaltyDailyBp: tt.penaltyDailyBp,
      tegBp: tt.tegBp,
      savingsAccountId: savings.id,
      guaranteeAmount: Math.round((tt.amount * tt.guaranteePct) / 100),
      grantedBy: null,
      grantedAt: at,
      disbursementMethod: disbursed ? 'cash' : null,
      disbursementReference: null,
      disbursedBy: null,
      disbursedAt: disbursed ? at : null,
      firstDueDate: disbursed ? dueDateAfter(opts.disbursedOn as string, 1) : null,
      defaultedAt: null,
      closedAt: null,
      createdAt: at,
      updatedAt: at,
    }),
  );
  if (!disbursed) return { loan, application, instalments: [] };
  const schedule = buildSchedule({
    principal: loan.principal,
    annualRateBp: loan.annualRateBp,
    months: loan.months,
    method: loan.method,
    firstDueDate: loan.firstDueDate as string,
  });
  const instalments = await m.save(
    schedule.rows.map((r) =>
      m.create(LoanInstalment, {
        sfdId: sfd.id,
        loanId: loan.id,
        n: r.n,
        dueDate: r.dueDate,
        principal: r.principal,
        interest: r.interest,
        total: r.total,
        principalPaid: 0,
        interestPaid: 0,
        interestWaived: 0,
        penaltyAccrued: 0,
        penaltyPaid: 0,
        penaltyThrough: null,
        status: 'a_payer',
        paidAt: null,
        createdAt: at,
        updatedAt: at,
      }),
    ),
  );
  await m.transaction(async (tx) => {
    await openLoanAccounts(tx, loan, at);
    await post(tx, {
      key: `test:loan:${loan.id}:disbursement`,
      kind: 'test_loan_disbursement',
      lines: [
        { account: loanPrincipalAccount(loan.id), amount: -loan.principal },
        ...(loan.fees > 0 ? [{ account: sfdAccount(sfd.id, 'fee-income'), amount: loan.fees }] : []),
        { account: sfdAccount(sfd.id, 'cash'), amount: loan.principal - loan.fees },
      ],
      sfdId: sfd.id,
      at,
    });
  });
  return { loan, application, instalments };
}

/** The SFD's local date of the test clock now. */
export const today = (t: TestApp) => localDateOf(t.clock.now(), 'Africa/Porto-Novo');
