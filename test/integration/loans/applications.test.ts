import { User, type Sfd } from '../../../src/accounts/entities';
import { Loan, LoanApplication, LoanTerms } from '../../../src/loans/entities';
import { Notification } from '../../../src/notifications/inapp-entities';
import { SavingsHold } from '../../../src/savings/entities';
import { HoldsService } from '../../../src/savings/holds';
import { auditOf } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';
import { eligibleClient } from './helpers';

/**
 * Loan applications over HTTP: eligibility (89 days of savings no, 90 yes), the 5× limit to the franc,
 * one application in progress however many arrive at once, the superviseur's terms and forward, the
 * admin's grant (the Loan, the savings hold) and rejection; SMS, notices and audit trail exact.
 */
let t: TestApp;
let sfd: Sfd;
let other: Sfd;
let agent: User;
let superviseur: User;
let admin: User;
let tokens: Record<'agent' | 'superviseur' | 'admin' | 'admin2' | 'otherAdmin', string>;

beforeAll(async () => {
  t = await startTestApp();
  sfd = await makeSfd(t, 'LAP');
  other = await makeSfd(t, 'LAX');
  agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agent' });
  superviseur = await makeUser(t, 'superviseur_sfd', sfd);
  admin = await makeUser(t, 'admin_sfd', sfd);
  const admin2 = await makeUser(t, 'admin_sfd', sfd);
  const otherAdmin = await makeUser(t, 'admin_sfd', other);
  tokens = {
    agent: await tokenFor(t, agent),
    superviseur: await tokenFor(t, superviseur),
    admin: await tokenFor(t, admin),
    admin2: await tokenFor(t, admin2),
    otherAdmin: await tokenFor(t, otherAdmin),
  };
});
afterAll(() => t.close());

const post = (token: string, url: string, body: object) =>
  t.request.post(url).set('Authorization', `Bearer ${token}`).send(body);

const apply = (token: string, body: object) => post(token, '/api/loans/applications/', body);
const processApp = (token: string, id: number, body: object) =>
  post(token, `/api/loans/applications/${id}/process-application/`, body);
const decideApp = (token: string, id: number, body: object) =>
  post(token, `/api/loans/applications/${id}/admin-decision/`, body);
const smsOf = async (user: User) => (await t.inbox.to(user.phone as string)).map((m) => m.body);
const noticesOf = (type: string, data: object) =>
  t.deps.db.manager.find(Notification, { where: { type, data: JSON.stringify(data) }, order: { id: 'ASC' } });
const TERMS = { annual_rate: 12, daily_penalty_rate: 0.1 };

async function client(opts: { balance?: number; savingsDaysAgo?: number } = {}) {
  const made = await eligibleClient(t, sfd, {
    ...opts,
    client: await makeUser(t, 'client', sfd, { firstName: 'Awa', lastName: 'Dossou', kycStatus: 'verified' }),
  });
  return { ...made, token: await tokenFor(t, made.client) };
}

describe('applying', () => {
  it('89 days of savings is not eligible (409 with the reason), 90 is', async () => {
    const young = await client({ savingsDaysAgo: 89 });
    const e = await t.modules.loans.applications.eligibility(young.client.id);
    expect([e.eligible, e.reasons, e.savingsAgeDays, e.maxAmount]).toEqual([
      false,
      ['savings_too_recent'],
      89,
      0,
    ]);
    const refused = await apply(young.token, { amount: 50_000, months: 6, purpose: 'commerce' });
    expectProblem(refused, 409, 'not-eligible');
    expect(refused.body.errors).toEqual({ reasons: ['savings_too_recent'] });
    expect(await t.deps.db.manager.countBy(LoanApplication, { clientId: young.client.id })).toBe(0);

    const ripe = await client({ savingsDaysAgo: 90 });
    const ok = await t.modules.loans.applications.eligibility(ripe.client.id);
    expect([ok.eligible, ok.reasons, ok.savingsAgeDays, ok.maxAmount]).toEqual([true, [], 90, 500_000]);
    expect((await apply(ripe.token, { amount: 50_000, months: 6, purpose: 'commerce' })).status).toBe(201);
  });

  it('other refusals: no savings account, savings too low for the minimum, a suspended client', async () => {
    const none = await makeUser(t, 'client', sfd);
    const noSavings = await apply(await tokenFor(t, none), {
      amount: 10_000,
      months: 6,
      purpose: 'commerce',
    });
    expectProblem(noSavings, 409, 'not-eligible');
    expect(noSavings.body.errors).toEqual({ reasons: ['no_savings_account'] });
    // 5 × 1 999 = 9 995, under the 10 000 minimum; 2 000 is just enough.
    const low = await client({ balance: 1_999 });
    const tooLow = await apply(low.token, { amount: 10_000, months: 6, purpose: 'commerce' });
    expect(tooLow.body.errors).toEqual({ reasons: ['savings_too_low'] });
    const enough = await client({ balance: 2_000 });
    expect((await apply(enough.token, { amount: 10_000, months: 6, purpose: 'commerce' })).status).toBe(201);
    const suspended = await client();
    await t.deps.db.manager.update(User, { id: suspended.client.id }, { status: 'suspended' });
    const res = await apply(tokens.agent, {
      client_id: suspended.client.id,
      amount: 10_000,
      months: 6,
      purpose: 'commerce',
    });
    expectProblem(res, 409, 'conflict');
    expect(await t.deps.db.manager.countBy(LoanApplication, { clientId: suspended.client.id })).toBe(0);
  });

  it('5 × the savings balance is accepted, one franc more is refused; the balance is kept', async () => {
    const c = await client({ balance: 20_000 });
    const over = await apply(c.token, { amount: 100_001, months: 12, purpose: 'agriculture' });
    expectProblem(over, 409, 'amount-over-limit');
    expect(over.body.detail).toBe('at most 100000 XOF (5 × the savings balance)');
    const res = await apply(c.token, {
      amount: 100_000,
      months: 12,
      purpose: 'agriculture',
      monthly_income: 60_000,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      client_id: c.client.id,
      sfd_id: sfd.id,
      status: 'soumis',
      amount: 100_000,
      months: 12,
      purpose: 'agriculture',
      monthly_income: 60_000,
      savings_account_id: c.savings.id,
      savings_balance: 20_000,
      channel: 'back_office',
      requested_by: null,
    });
    expect(res.body).not.toHaveProperty('review_comment');
    // A second one while this one is in progress.
    const again = await apply(c.token, { amount: 10_000, months: 1, purpose: 'autre' });
    expectProblem(again, 409, 'loan-in-progress');
    expect(again.body.errors).toEqual({ reasons: ['loan_in_progress'] });
  });

  it('the SMS, the superviseurs notice and the audit row of a new application', async () => {
    const c = await client();
    const { body } = await apply(c.token, { amount: 150_000, months: 10, purpose: 'commerce' });
    expect(await smsOf(c.client)).toEqual([
      `TontiFlex: demande de pret de 150 000 FCFA sur 10 mois recue (ref P${body.id}). Un superviseur va l'examiner.`,
    ]);
    const notices = await noticesOf('loan_review_pending', { application_id: body.id });
    expect(notices.map((n) => [n.userId, n.title, n.message, n.readAt])).toEqual([
      [
        superviseur.id,
        'Demande de prêt à examiner',
        `Awa Dossou demande un prêt de 150 000 FCFA sur 10 mois (réf. P${body.id}).`,
        null,
      ],
    ]);
    expect(
      (await auditOf(t, 'loan_application', body.id)).map((e) => [e.action, e.actorId, e.after]),
    ).toEqual([
      [
        'loan.application.submit',
        c.client.id,
        {
          status: 'soumis',
          client_id: c.client.id,
          amount: 150_000,
          months: 10,
          savings_balance: 100_000,
          channel: 'back_office',
        },
      ],
    ]);
  });

  it('staff file for a client of their SFD; bad input is a 400 naming the field', async () => {
    const c = await client();
    expectProblem(
      await apply(tokens.agent, { amount: 50_000, months: 6, purpose: 'commerce' }),
      400,
      'validation',
    );
    const low = await apply(tokens.agent, {
      client_id: c.client.id,
      amount: 9_999,
      months: 6,
      purpose: 'commerce',
    });
    expectProblem(low, 400, 'validation');
    expect(Object.keys(low.body.errors)).toEqual(['amount']);
    const long = await apply(tokens.agent, {
      client_id: c.client.id,
      amount: 10_000,
      months: 61,
      purpose: 'x',
    });
    expect(Object.keys(long.body.errors).sort()).toEqual(['months', 'purpose']);
    expect(
      (await apply(tokens.agent, { client_id: c.client.id, amount: 10_000, months: 0, purpose: 'sante' }))
        .status,
    ).toBe(400);
    const res = await apply(tokens.agent, {
      client_id: c.client.id,
      amount: 10_000,
      months: 60,
      purpose: 'sante',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      client_id: c.client.id,
      requested_by: agent.id,
      months: 60,
      review_comment: null,
    });
    // The other SFD's admin does not reach this client.
    const c2 = await client();
    expectProblem(
      await apply(tokens.otherAdmin, {
        client_id: c2.client.id,
        amount: 10_000,
        months: 6,
        purpose: 'sante',
      }),
      404,
    );
  });

  it('5 applications at once: one is made, four are 409 loan_in_progress', async () => {
    const c = await client();
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        apply(c.token, { amount: 10_000 + i, months: 6, purpose: 'commerce' }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.type).toMatch(/loan-in-progress$/);
    expect(await t.deps.db.manager.countBy(LoanApplication, { clientId: c.client.id })).toBe(1);
    expect((await smsOf(c.client)).length).toBe(1);
  });
});

describe('review, forward, grant', () => {
  it('soumis → en_cours_examen → transfere_admin → accorde: the loan, the hold, notices, SMS, audits', async () => {
    const c = await client({ balance: 40_000 });
    const { body: asked } = await apply(c.token, { amount: 100_000, months: 12, purpose: 'commerce' });
    const id = asked.id as number;

    // The superviseur sets terms with fees: TEG 15.86; then revises them without: 12.00.
    const first = await processApp(tokens.superviseur, id, {
      ...TERMS,
      fees: 2000,
      savings_guarantee_pct: 10,
      comment: 'Epargne reguliere',
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'en_cours_examen',
      reviewed_by: superviseur.id,
      review_comment: 'Epargne reguliere',
      forwarded_at: null,
      teg: 15.86,
      schedule: { instalment: 8885, totals: { principal: 100_000, interest: 6619, total: 106_619 } },
      terms: {
        amount: 100_000,
        annual_rate: 12,
        months: 12,
        method: 'annuity',
        fees: 2000,
        daily_penalty_rate: 0.1,
        savings_guarantee_pct: 10,
        guarantee_amount: 10_000,
        teg: 15.86,
        set_by: superviseur.id,
      },
    });
    const revised = await processApp(tokens.superviseur, id, { ...TERMS, savings_guarantee_pct: 10 });
    expect(revised.body).toMatchObject({
      status: 'en_cours_examen',
      teg: 12,
      review_comment: 'Epargne reguliere',
    });
    expect(revised.body.terms.id).toBe(first.body.terms.id);
    expect(await t.deps.db.manager.countBy(LoanTerms, { applicationId: id })).toBe(1);
    // Still under review: nothing asked of the admins yet, the client not told.
    expect(await noticesOf('loan_decision_pending', { application_id: id })).toEqual([]);
    expectProblem(await decideApp(tokens.admin, id, { decision: 'approve' }), 409);

    const forwarded = await processApp(tokens.superviseur, id, {
      ...TERMS,
      savings_guarantee_pct: 10,
      forward: true,
    });
    expect(forwarded.body).toMatchObject({ status: 'transfere_admin', teg: 12 });
    expect(forwarded.body.forwarded_at).toBe(t.clock.now().toISOString());
    expect(
      (await noticesOf('loan_review_pending', { application_id: id })).every((n) => n.readAt !== null),
    ).toBe(true);
    const decisionNotices = await noticesOf('loan_decision_pending', { application_id: id });
    expect(decisionNotices.map((n) => n.userId).sort((a, b) => a - b)).toHaveLength(2); // both admins
    expect(decisionNotices[0].message).toBe(
      `La demande de prêt P${id} de Awa Dossou (100 000 FCFA sur 12 mois, TEG 12.00 %) vous est transmise pour décision.`,
    );
    // Terms are closed once forwarded.
    expectProblem(await processApp(tokens.superviseur, id, TERMS), 409);

    // The superviseur cannot grant; an admin of another SFD does not see it.
    expectProblem(await decideApp(tokens.superviseur, id, { decision: 'approve' }), 403);
    expectProblem(await decideApp(tokens.otherAdmin, id, { decision: 'approve' }), 404);

    const holds = new HoldsService();
    const before = await holds.activeAccountOf(t.deps.db.manager, c.client.id);
    const granted = await decideApp(tokens.admin, id, { decision: 'approve' });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ status: 'accorde', decided_by: admin.id, reason: null });
    const loan = await t.deps.db.manager.findOneByOrFail(Loan, { applicationId: id });
    expect(granted.body.loan_id).toBe(loan.id);
    expect(loan).toMatchObject({
      sfdId: sfd.id,
      clientId: c.client.id,
      status: 'accorde',
      principal: 100_000,
      annualRateBp: 1200,
      months: 12,
      method: 'annuity',
      fees: 0,
      penaltyDailyBp: 10,
      tegBp: 1200,
      savingsAccountId: c.savings.id,
      guaranteeAmount: 10_000,
      grantedBy: admin.id,
      disbursedAt: null,
      firstDueDate: null,
    });
    // The hold: the balance stays, 10 000 of it can no longer be withdrawn.
    const after = await holds.activeAccountOf(t.deps.db.manager, c.client.id);
    expect([before?.balance, before?.available, after?.balance, after?.held, after?.available]).toEqual([
      40_000, 40_000, 40_000, 10_000, 30_000,
    ]);
    expect(
      await t.deps.db.manager.findBy(SavingsHold, { refType: 'loan', refId: String(loan.id) }),
    ).toMatchObject([
      {
        accountId: c.savings.id,
        amount: 10_000,
        reason: 'loan_guarantee',
        createdBy: admin.id,
        releasedAt: null,
      },
    ]);
    const withdraw = await post(c.token, `/api/savings/accounts/${c.savings.id}/withdraw/`, {
      amount: 30_001,
    });
    expectProblem(withdraw, 409, 'insufficient-funds');

    expect((await noticesOf('loan_decision_pending', { application_id: id })).every((n) => n.readAt)).toBe(
      true,
    );
    const toDisburse = await noticesOf('loan_disbursement_pending', { application_id: id, loan_id: loan.id });
    expect(toDisburse.map((n) => n.userId).sort((a, b) => a - b)).toEqual([agent.id, superviseur.id]);
    expect(toDisburse[0].message).toBe(
      `Le prêt P${id} de Awa Dossou (100 000 FCFA) est accordé : à décaisser.`,
    );
    expect(await smsOf(c.client)).toEqual([
      `TontiFlex: demande de pret de 100 000 FCFA sur 12 mois recue (ref P${id}). Un superviseur va l'examiner.`,
      `TontiFlex: votre demande de pret P${id} a ete examinee et transmise pour decision.`,
      `TontiFlex: pret P${id} accorde: 100 000 FCFA sur 12 mois, mensualite 8 885 FCFA, TEG 12.00%. ` +
        'Un agent vous contactera pour le decaissement.',
    ]);
    const trail = await auditOf(t, 'loan_application', id);
    expect(
      trail.map((e) => [e.action, e.actorId, e.before?.status ?? null, e.after?.status ?? null]),
    ).toEqual([
      ['loan.application.submit', c.client.id, null, 'soumis'],
      ['loan.terms.set', superviseur.id, null, null],
      ['loan.application.review', superviseur.id, 'soumis', 'en_cours_examen'],
      ['loan.terms.revise', superviseur.id, null, null],
      ['loan.terms.revise', superviseur.id, null, null],
      ['loan.application.forward', superviseur.id, 'en_cours_examen', 'transfere_admin'],
      ['loan.application.approve', admin.id, 'transfere_admin', 'accorde'],
    ]);
    expect(trail[3]).toMatchObject({
      before: { fees: 2000, teg_bp: 1586 },
      after: { fees: 0, teg_bp: 1200 },
    });
    expect((await auditOf(t, 'loan', loan.id)).map((e) => [e.action, e.after])).toEqual([
      [
        'loan.grant',
        {
          status: 'accorde',
          application_id: id,
          amount: 100_000,
          annual_rate_bp: 1200,
          months: 12,
          method: 'annuity',
          fees: 0,
          penalty_daily_bp: 10,
          guarantee_pct: 10,
          teg_bp: 1200,
          guarantee_amount: 10_000,
          hold_id: expect.any(Number),
        },
      ],
    ]);
    // Decided once.
    expectProblem(await decideApp(tokens.admin2, id, { decision: 'reject', reason: 'Trop tard' }), 409);
    const current = await t.modules.loans.applications.current(c.client.id);
    expect([current?.application.id, current?.loan?.id]).toEqual([id, loan.id]);
    // Still in progress: no new application.
    expectProblem(
      await apply(c.token, { amount: 10_000, months: 6, purpose: 'commerce' }),
      409,
      'loan-in-progress',
    );
  });

  it('rejection: the reason is required, told to the client; they may apply again', async () => {
    const c = await client();
    const { body: asked } = await apply(c.token, { amount: 60_000, months: 6, purpose: 'logement' });
    await processApp(tokens.superviseur, asked.id, { ...TERMS, forward: true });
    expectProblem(await decideApp(tokens.admin, asked.id, { decision: 'reject' }), 400, 'validation');
    const res = await decideApp(tokens.admin, asked.id, {
      decision: 'reject',
      reason: 'Revenus insuffisants',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'rejete',
      reason: 'Revenus insuffisants',
      decided_by: admin.id,
      loan_id: null,
    });
    const row = await t.deps.db.manager.findOneByOrFail(LoanApplication, { id: asked.id });
    expect(row.openClientId).toBeNull();
    expect(await t.deps.db.manager.countBy(Loan, { applicationId: asked.id })).toBe(0);
    expect((await smsOf(c.client)).at(-1)).toBe(
      `TontiFlex: demande de pret P${asked.id} refusee: Revenus insuffisants`,
    );
    expect(
      (await noticesOf('loan_decision_pending', { application_id: asked.id })).every((n) => n.readAt),
    ).toBe(true);
    expect((await auditOf(t, 'loan_application', asked.id)).at(-1)).toMatchObject({
      action: 'loan.application.reject',
      before: { status: 'transfere_admin' },
      after: { status: 'rejete', reason: 'Revenus insuffisants' },
    });
    const again = await apply(c.token, { amount: 20_000, months: 3, purpose: 'logement' });
    expect(again.status).toBe(201);
    expect((await t.modules.loans.applications.current(c.client.id))?.application.id).toBe(again.body.id);
  });

  it('maker-checker: the admin who set the terms does not decide them; another admin does', async () => {
    const c = await client();
    const { body: asked } = await apply(c.token, { amount: 30_000, months: 3, purpose: 'education' });
    expect((await processApp(tokens.admin, asked.id, { ...TERMS, forward: true })).body.status).toBe(
      'transfere_admin',
    );
    expectProblem(await decideApp(tokens.admin, asked.id, { decision: 'approve' }), 403, 'maker-checker');
    expect((await decideApp(tokens.admin2, asked.id, { decision: 'approve' })).body.status).toBe('accorde');
  });

  it('maker-checker: an admin who set the terms once, then let a superviseur resend them, still does not decide', async () => {
    const c = await client();
    const { body: asked } = await apply(c.token, { amount: 30_000, months: 3, purpose: 'commerce' });
    // The admin sets the terms without forwarding; a superviseur resends them and forwards: the columns
    // now name the superviseur, the trail still names the admin.
    expect((await processApp(tokens.admin, asked.id, TERMS)).body.status).toBe('en_cours_examen');
    expect((await processApp(tokens.superviseur, asked.id, { ...TERMS, forward: true })).body.status).toBe(
      'transfere_admin',
    );
    expectProblem(await decideApp(tokens.admin, asked.id, { decision: 'approve' }), 403, 'maker-checker');
    expect((await decideApp(tokens.admin2, asked.id, { decision: 'approve' })).body.status).toBe('accorde');
  });

  it('maker-checker: the admin who filed the application for the client does not decide it', async () => {
    const c = await client();
    const filed = await apply(tokens.admin, {
      client_id: c.client.id,
      amount: 30_000,
      months: 3,
      purpose: 'sante',
    });
    expect(filed.body.requested_by).toBe(admin.id);
    await processApp(tokens.superviseur, filed.body.id, { ...TERMS, forward: true });
    const res = await decideApp(tokens.admin, filed.body.id, { decision: 'reject', reason: 'Non' });
    expectProblem(res, 403, 'maker-checker');
    expect(res.body.detail).toBe('who filed the application or set its terms does not decide on it');
    expect((await decideApp(tokens.admin2, filed.body.id, { decision: 'approve' })).body.status).toBe(
      'accorde',
    );
  });

  it('on USSD (the service H6 calls): channel ussd, the client as the actor; current() answers it', async () => {
    const c = await client();
    const actor = {
      userId: c.client.id,
      role: 'client' as const,
      sfdId: sfd.id,
      jti: 'x',
      familyId: 'x',
      expiresAt: 0,
    };
    const made = await t.modules.loans.applications.apply(actor, {
      amount: 25_000,
      months: 4,
      purpose: 'agriculture',
      channel: 'ussd',
    });
    expect(made).toMatchObject({
      channel: 'ussd',
      requestedBy: null,
      status: 'soumis',
      openClientId: c.client.id,
    });
    const current = await t.modules.loans.applications.current(c.client.id);
    expect([current?.application.id, current?.loan]).toEqual([made.id, null]);
    expect(await t.modules.loans.applications.current(agent.id)).toBeNull();
    await expect(
      t.modules.loans.applications.apply(actor, {
        amount: 9_999,
        months: 4,
        purpose: 'agriculture',
        channel: 'ussd',
      }),
    ).rejects.toMatchObject({ status: 400, code: 'validation', errors: { amount: ['at least 10000'] } });
  });
});

describe('the usury cap and the guarantee', () => {
  it('a TEG over the cap is refused: by the nominal rate, and by fees on a rate under it', async () => {
    const c = await client();
    const { body: asked } = await apply(c.token, { amount: 100_000, months: 12, purpose: 'commerce' });
    const byRate = await processApp(tokens.superviseur, asked.id, { ...TERMS, annual_rate: '24.5' });
    expectProblem(byRate, 409, 'usury-exceeded');
    expect(byRate.body.errors).toEqual({ teg: ['24.50'], usury_cap: ['24.00'] });
    const byFees = await processApp(tokens.superviseur, asked.id, { ...TERMS, annual_rate: 22, fees: 2000 });
    expectProblem(byFees, 409, 'usury-exceeded');
    expect(byFees.body.detail).toBe('TEG 25.95% is over the usury cap of 24.00%');
    // Nothing was written by the refusals.
    expect((await t.deps.db.manager.findOneByOrFail(LoanApplication, { id: asked.id })).status).toBe(
      'soumis',
    );
    expect(await t.deps.db.manager.countBy(LoanTerms, { applicationId: asked.id })).toBe(0);
    // 22 % without fees, and exactly 24 %, are within it.
    expect((await processApp(tokens.superviseur, asked.id, { ...TERMS, annual_rate: 22 })).body.teg).toBe(22);
    expect((await processApp(tokens.superviseur, asked.id, { ...TERMS, annual_rate: 24 })).body.teg).toBe(24);
  });

  it('a cap lowered after the forward refuses the grant, and nothing is written', async () => {
    const c = await client();
    const { body: asked } = await apply(c.token, { amount: 100_000, months: 12, purpose: 'commerce' });
    await processApp(tokens.superviseur, asked.id, {
      ...TERMS,
      annual_rate: 20,
      savings_guarantee_pct: 10,
      forward: true,
    });
    const capped = await t.request
      .put('/api/loans/settings/')
      .set('Authorization', `Bearer ${tokens.admin}`)
      .send({ usury_cap: 18 });
    expect(capped.status).toBe(200);
    try {
      const res = await decideApp(tokens.admin, asked.id, { decision: 'approve' });
      expectProblem(res, 409, 'usury-exceeded');
      expect(res.body.errors).toEqual({ teg: ['20.00'], usury_cap: ['18.00'] });
      expect((await t.deps.db.manager.findOneByOrFail(LoanApplication, { id: asked.id })).status).toBe(
        'transfere_admin',
      );
      expect(await t.deps.db.manager.countBy(Loan, { applicationId: asked.id })).toBe(0);
      expect(await t.deps.db.manager.countBy(SavingsHold, { accountId: c.savings.id })).toBe(0);
    } finally {
      await t.request
        .put('/api/loans/settings/')
        .set('Authorization', `Bearer ${tokens.admin}`)
        .send({ usury_cap: 24 });
    }
  });

  it('a guarantee the savings cannot cover: 409 insufficient_funds, nothing written', async () => {
    const c = await client({ balance: 20_000 });
    const { body: asked } = await apply(c.token, { amount: 100_000, months: 12, purpose: 'commerce' });
    await processApp(tokens.superviseur, asked.id, { ...TERMS, savings_guarantee_pct: 21, forward: true });
    const res = await decideApp(tokens.admin, asked.id, { decision: 'approve' });
    expectProblem(res, 409, 'insufficient-funds');
    expect((await t.deps.db.manager.findOneByOrFail(LoanApplication, { id: asked.id })).status).toBe(
      'transfere_admin',
    );
    expect(await t.deps.db.manager.countBy(Loan, { applicationId: asked.id })).toBe(0);
    expect(await t.deps.db.manager.countBy(SavingsHold, { accountId: c.savings.id })).toBe(0);
    expect((await auditOf(t, 'loan_application', asked.id)).at(-1)?.action).toBe('loan.application.forward');
    expect((await smsOf(c.client)).some((s) => s.includes('accorde'))).toBe(false);
  });

  it('terms that break the rules are 400s naming the field', async () => {
    const c = await client();
    const { body: asked } = await apply(c.token, { amount: 50_000, months: 6, purpose: 'commerce' });
    const cases: [object, string[]][] = [
      [{ ...TERMS, amount: 50_001 }, ['amount']],
      [{ ...TERMS, fees: 50_000 }, ['fees']],
      [{ ...TERMS, annual_rate: '12.345' }, ['annual_rate']],
      [{ ...TERMS, annual_rate: -1 }, ['annual_rate']],
      [{ ...TERMS, daily_penalty_rate: 1.5 }, ['daily_penalty_rate']],
      [{ ...TERMS, savings_guarantee_pct: 101 }, ['savings_guarantee_pct']],
      [{ ...TERMS, months: 61 }, ['months']],
      [{ ...TERMS, comment: 'a\u202eb' }, ['comment']],
      [{ daily_penalty_rate: 0.1 }, ['annual_rate']],
    ];
    for (const [body, fields] of cases) {
      const res = await processApp(tokens.superviseur, asked.id, body);
      expectProblem(res, 400, 'validation');
      expect(Object.keys(res.body.errors)).toEqual(fields);
    }
    expect((await t.deps.db.manager.findOneByOrFail(LoanApplication, { id: asked.id })).status).toBe(
      'soumis',
    );
  });
});
