import { User, type Sfd } from '../../../src/accounts/entities';
import { JournalEntry, LedgerAccount, Posting } from '../../../src/ledger/entities';
import { Notification } from '../../../src/notifications/inapp-entities';
import { PaymentTransaction } from '../../../src/payments/entities';
import { formatAccountNumber } from '../../../src/savings/account-number';
import { SavingsAccount, SavingsDocument, SavingsSettings } from '../../../src/savings/entities';
import { auditOf, authed } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, phone, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';
import { jpeg, multipart, pdf, png, storedFiles } from './opening-helpers';

/**
 * Opening a savings account over HTTP: the request with the two identity documents (by an agent) or
 * without them (the client; the documents uploaded later), the agent's decision, the opening fee paid
 * through the payment simulator, the account actif; statuses, SMS texts, notices, ledger entries and
 * audit rows; the rejection and its SMS; one request per client, even in parallel.
 */

let t: TestApp;
let a: Sfd;
const u: Record<string, User> = {};
const tok: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '30' });
  a = await makeSfd(t, 'SAVA');
  Object.assign(u, {
    agentA: await makeUser(t, 'agent_sfd', a),
    agentEn: await makeUser(t, 'agent_sfd', a, { language: 'en' }),
    superA: await makeUser(t, 'superviseur_sfd', a),
    adminA: await makeUser(t, 'admin_sfd', a),
  });
  for (const key of Object.keys(u)) tok[key] = await tokenFor(t, u[key]);
});
afterAll(() => t.close());

const { get, post } = authed(() => t);

/** A client of `sfd` with a token; phones never end in 8 or 9 (the simulator's silent and failing ones). */
async function client(sfd: Sfd, fields: Partial<User> = {}) {
  let number = phone();
  while (/[89]$/.test(number)) number = phone();
  const user = await makeUser(t, 'client', sfd, { phone: number, ...fields });
  return { user, token: await tokenFor(t, user) };
}

const accountRow = (id: number) => t.deps.db.manager.findOneByOrFail(SavingsAccount, { id });
const balance = async (code: string) =>
  (await t.deps.db.manager.findOneBy(LedgerAccount, { code }))?.balance ?? null;

async function settled(reference: string) {
  for (let i = 0; i < 300; i++) {
    const p = await t.deps.db.manager.findOneByOrFail(PaymentTransaction, { reference });
    if (p.status !== 'pending') return p;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`payment ${reference} still pending`);
}

/** Waits until the account's status is `status` (the payment's handler runs after the provider's answer). */
async function reaches(id: number, status: string) {
  for (let i = 0; i < 300; i++) {
    if ((await accountRow(id)).status === status) return accountRow(id);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`account ${id} never ${status}: ${(await accountRow(id)).status}`);
}

const withDocuments = (token: string, clientId: number) =>
  multipart(
    t,
    token,
    '/api/savings/accounts/create-request/',
    { client_id: clientId },
    { id_card: { bytes: jpeg() }, photo: { bytes: png(), name: 'photo.png', type: 'image/png' } },
  );

describe('the whole opening', () => {
  it('an agent asks with both documents, validates, the client pays the fee: actif, fee income, SMS', async () => {
    const { user, token } = await client(a, { firstName: 'Awa', lastName: 'Houngbo' });
    const feeIncome = (await balance(`sfd:${a.id}:fee-income`)) ?? 0;
    const clearing = (await balance(`sfd:${a.id}:mobile-money`)) ?? 0;

    const res = await withDocuments(tok.agentA, user.id);
    expect(res.status).toBe(201);
    const id = res.body.id as number;
    const now = t.clock.now().toISOString();
    expect(res.body).toEqual({
      id,
      account_number: formatAccountNumber(id),
      sfd_id: a.id,
      client_id: user.id,
      status: 'en_cours_creation',
      opening_fee: 1000,
      reason: null,
      requested_by: u.agentA.id,
      decided_by: null,
      decided_at: null,
      fee_payment_reference: null,
      opened_at: null,
      created_at: now,
      updated_at: now,
      documents: [
        {
          id: expect.any(Number),
          kind: 'id_card',
          content_type: 'image/jpeg',
          size: jpeg().length,
          uploaded_by: u.agentA.id,
          created_at: now,
        },
        {
          id: expect.any(Number),
          kind: 'photo',
          content_type: 'image/png',
          size: png().length,
          uploaded_by: u.agentA.id,
          created_at: now,
        },
      ],
    });
    expect(res.body.account_number).toMatch(/^CSC-\d{7}-\d$/);
    expect(await t.deps.db.manager.countBy(SavingsDocument, { accountId: id })).toBe(2);

    // The agents and the supervisor are told, each in their language.
    const data = JSON.stringify({ account_id: id });
    const notices = await t.deps.db.manager.findBy(Notification, { type: 'savings_ouverture_pending', data });
    const number = formatAccountNumber(id);
    expect(new Map(notices.map((n) => [n.userId, [n.title, n.message, n.readAt]]))).toEqual(
      new Map([
        [
          u.agentA.id,
          [
            'Demande de compte épargne',
            `Awa Houngbo demande l'ouverture du compte épargne ${number} : pièces à vérifier et décision à prendre.`,
            null,
          ],
        ],
        [
          u.agentEn.id,
          [
            'Savings account request',
            `Awa Houngbo asks to open the savings account ${number}: check the documents and decide.`,
            null,
          ],
        ],
        [
          u.superA.id,
          [
            'Demande de compte épargne',
            `Awa Houngbo demande l'ouverture du compte épargne ${number} : pièces à vérifier et décision à prendre.`,
            null,
          ],
        ],
      ]),
    );

    // The client sees it (without the documents); paying before the decision is a 409.
    const mine = await get(token, '/api/savings/accounts/my-account/');
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ id, status: 'en_cours_creation' });
    expect(mine.body.documents).toBeUndefined();
    expectProblem(await post(token, `/api/savings/accounts/${id}/pay-fees/`), 409);

    // The agent validates: validee_agent, the KYC verified, the client told, the notices closed.
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: user.id })).kycStatus).toBe('pending');
    // Maker-checker: the agent who made the request does not decide it.
    const self = await post(tok.agentA, `/api/savings/accounts/${id}/validate-request/`, {
      decision: 'approve',
    });
    expectProblem(self, 403);
    expect((await accountRow(id)).status).toBe('en_cours_creation');
    const ok = await post(tok.agentEn, `/api/savings/accounts/${id}/validate-request/`, {
      decision: 'approve',
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'validee_agent', decided_by: u.agentEn.id, decided_at: now });
    expect((await t.deps.db.manager.findOneByOrFail(User, { id: user.id })).kycStatus).toBe('verified');
    const closed = await t.deps.db.manager.findBy(Notification, { type: 'savings_ouverture_pending', data });
    expect(closed.map((n) => n.readAt?.toISOString())).toEqual([now, now, now]);
    expectProblem(
      await post(tok.superA, `/api/savings/accounts/${id}/validate-request/`, { decision: 'approve' }),
      409,
    );

    // The client pays the fee through the simulator; the account stays validee_agent until it succeeds.
    const pay = await post(token, `/api/savings/accounts/${id}/pay-fees/`);
    expect(pay.status).toBe(200);
    expect(pay.body.status).toBe('validee_agent');
    const reference = pay.body.fee_payment_reference as string;
    expect(reference).toEqual(expect.any(String));
    expectProblem(await post(token, `/api/savings/accounts/${id}/pay-fees/`), 409);
    const payment = await settled(reference);
    expect(payment).toMatchObject({
      status: 'success',
      type: 'frais_creation_epargne',
      purpose: 'frais_creation_epargne',
      purposeRef: String(id),
      amount: 1000,
      clientId: user.id,
      sfdId: a.id,
      phone: user.phone,
    });
    const opened = await reaches(id, 'actif');
    expect(opened.openedAt).toEqual(expect.any(Date));
    expect(opened.feePaymentReference).toBe(reference);
    expect(opened.openClientId).toBe(user.id);

    // The ledger: one entry, clearing → fee income; the savings account exists at 0.
    const entry = await t.deps.db.manager.findOneByOrFail(JournalEntry, { key: `payment:${reference}` });
    expect(entry).toMatchObject({
      kind: 'savings_opening_fee',
      refType: 'savings_account',
      refId: String(id),
      sfdId: a.id,
    });
    const postings = await t.deps.db.manager.findBy(Posting, { entryId: entry.id });
    const codeOf = new Map((await t.deps.db.manager.find(LedgerAccount)).map((c) => [c.id, c.code]));
    expect(postings.map((p) => [codeOf.get(p.accountId), p.amount]).sort()).toEqual(
      [
        [`sfd:${a.id}:fee-income`, 1000],
        [`sfd:${a.id}:mobile-money`, -1000],
      ].sort(),
    );
    expect(await balance(`sfd:${a.id}:fee-income`)).toBe(feeIncome + 1000);
    expect(await balance(`sfd:${a.id}:mobile-money`)).toBe(clearing - 1000);
    expect(await t.deps.db.manager.findOneByOrFail(LedgerAccount, { code: `savings:${id}` })).toMatchObject({
      kind: 'savings',
      balance: 0,
      ownerId: user.id,
      sfdId: a.id,
      mayGoNegative: false,
    });

    // The client's SMS, exactly.
    expect((await t.inbox.to(user.phone)).map((m) => m.body).sort()).toEqual(
      [
        `TontiFlex: votre demande de compte epargne ${number} chez ${a.name} est validee. Payez les frais d'ouverture de 1 000 FCFA pour l'activer.`,
        `TontiFlex: paiement de 1 000 FCFA recu. Ref ${reference}. Merci.`,
        `TontiFlex: votre compte epargne ${number} chez ${a.name} est ouvert. Deposez des 100 FCFA par USSD ou aupres de votre agent.`,
      ].sort(),
    );
    const audit = await auditOf(t, 'savings_account', id);
    expect(audit.map((e) => [e.action, e.actorId])).toEqual([
      ['savings.account.request', u.agentA.id],
      ['savings.account.approve', u.agentEn.id],
      ['savings.account.pay_fees', user.id],
      ['savings.account.fee_paid', null],
      ['savings.account.open', null],
    ]);

    // Nothing more to pay; a second request for the client is a 409.
    expectProblem(await post(token, `/api/savings/accounts/${id}/pay-fees/`), 409);
    expectProblem(await post(token, '/api/savings/accounts/', {}), 409);
    const again = await withDocuments(tok.agentA, user.id);
    expectProblem(again, 409);
    expect(again.body.errors).toEqual({ client_id: ['Cette valeur est deja utilisee'] });
  });

  it('from the phone without documents: the agent uploads them, then validates; the SFD’s fee applies', async () => {
    const { user } = await client(a, { language: 'en' });
    const put = await t.request
      .put('/api/savings/settings/')
      .set('Authorization', `Bearer ${tok.adminA}`)
      .send({ opening_fee: 1500 });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      sfd_id: a.id,
      opening_fee: 1500,
      updated_by: u.adminA.id,
      updated_at: t.clock.now().toISOString(),
    });
    try {
      const account = await t.modules.savings.opening.requestFromPhone(user.id);
      expect(account).toMatchObject({ status: 'en_cours_creation', openingFee: 1500, requestedBy: null });
      // Approving without the documents is a 409 naming them.
      const early = await post(tok.agentA, `/api/savings/accounts/${account.id}/validate-request/`, {
        decision: 'approve',
      });
      expectProblem(early, 409);
      expect(Object.keys(early.body.errors).sort()).toEqual(['id_card', 'photo']);

      const first = await multipart(
        t,
        tok.agentA,
        `/api/savings/accounts/${account.id}/documents/`,
        {},
        {
          id_card: { bytes: pdf(), name: 'cni.pdf', type: 'application/pdf' },
        },
      );
      expect(first.status).toBe(200);
      expect(
        first.body.documents.map((d: { kind: string; content_type: string }) => [d.kind, d.content_type]),
      ).toEqual([['id_card', 'application/pdf']]);
      expectProblem(
        await post(tok.agentA, `/api/savings/accounts/${account.id}/validate-request/`, {
          decision: 'approve',
        }),
        409,
      );
      // The photo, and the ID card again (replaced: its old file is gone from the store).
      const before = storedFiles(t).length;
      const second = await multipart(
        t,
        tok.agentA,
        `/api/savings/accounts/${account.id}/documents/`,
        {},
        {
          id_card: { bytes: jpeg('CNI-2') },
          photo: { bytes: png('PHOTO') },
        },
      );
      expect(second.status).toBe(200);
      expect(
        second.body.documents
          .map((d: { kind: string; content_type: string }) => [d.kind, d.content_type])
          .sort(),
      ).toEqual([
        ['id_card', 'image/jpeg'],
        ['photo', 'image/png'],
      ]);
      expect(storedFiles(t).length).toBe(before + 1);
      const ok = await post(tok.agentA, `/api/savings/accounts/${account.id}/validate-request/`, {
        decision: 'approve',
      });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ status: 'validee_agent', opening_fee: 1500 });
      // Closed to uploads once decided.
      expectProblem(
        await multipart(
          t,
          tok.agentA,
          `/api/savings/accounts/${account.id}/documents/`,
          {},
          {
            photo: { bytes: png() },
          },
        ),
        409,
      );
      // Staff pay for the client: the SFD's fee, 1 500.
      const pay = await post(tok.agentA, `/api/savings/accounts/${account.id}/pay-fees/`);
      expect(pay.status).toBe(200);
      const payment = await settled(pay.body.fee_payment_reference);
      expect(payment.amount).toBe(1500);
      await reaches(account.id, 'actif');
      expect((await t.inbox.to(user.phone as string)).map((m) => m.body)).toContain(
        `TontiFlex: your savings account ${formatAccountNumber(account.id)} at ${a.name} is open. Deposit from 100 FCFA by USSD or with your agent.`,
      );
    } finally {
      await t.deps.db.manager.delete(SavingsSettings, { sfdId: a.id });
    }
  });

  it('rejected with a reason: rejete, the reason by SMS, and the client may ask again', async () => {
    const { user, token } = await client(a);
    const res = await post(token, '/api/savings/accounts/', {});
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ client_id: user.id, requested_by: null, status: 'en_cours_creation' });
    const id = res.body.id as number;
    const noReason = await post(tok.superA, `/api/savings/accounts/${id}/validate-request/`, {
      decision: 'reject',
    });
    expectProblem(noReason, 400, 'validation');
    const rej = await post(tok.superA, `/api/savings/accounts/${id}/validate-request/`, {
      decision: 'reject',
      reason: 'Piece d identite illisible',
    });
    expect(rej.status).toBe(200);
    expect(rej.body).toMatchObject({ status: 'rejete', reason: 'Piece d identite illisible' });
    expect((await accountRow(id)).openClientId).toBeNull();
    expect((await t.inbox.to(user.phone as string)).map((m) => m.body)).toEqual([
      `TontiFlex: ${a.name} a refuse votre demande de compte epargne: Piece d identite illisible`,
    ]);
    expect((await auditOf(t, 'savings_account', id)).map((e) => e.action)).toEqual([
      'savings.account.request',
      'savings.account.reject',
    ]);
    expectProblem(await post(token, `/api/savings/accounts/${id}/pay-fees/`), 409);
    // my-account shows the rejected one (with its reason) until a new request.
    expect((await get(token, '/api/savings/accounts/my-account/')).body).toMatchObject({
      id,
      status: 'rejete',
    });
    const again = await post(token, '/api/savings/accounts/', {});
    expect(again.status).toBe(201);
    expect((await get(token, '/api/savings/accounts/my-account/')).body.id).toBe(again.body.id);
  });

  it('a fee of another amount, or for an account not awaiting it, is parked in suspense', async () => {
    const { user, token } = await client(a);
    const { body } = await post(token, '/api/savings/accounts/', {});
    const suspense = (await balance(`sfd:${a.id}:suspense`)) ?? 0;
    // Not validated yet: a fee payment started by hand for it cannot open it.
    const payment = await t.payments.service.collect({
      type: 'frais_creation_epargne',
      purpose: 'frais_creation_epargne',
      purposeRef: String(body.id),
      amount: 1000,
      phone: user.phone as string,
      clientId: user.id,
      sfdId: a.id,
      initiatedBy: user.id,
    });
    expect((await settled(payment.reference)).status).toBe('success');
    expect(await balance(`sfd:${a.id}:suspense`)).toBe(suspense + 1000);
    expect((await accountRow(body.id)).status).toBe('en_cours_creation');
    const parked = await t.deps.db.manager.findOneByOrFail(JournalEntry, {
      key: `payment:${payment.reference}`,
    });
    expect(parked.kind).toBe('unmatched_collection');

    // Validated now, but paid 999 instead of its fee: parked too, the account still awaits its fee.
    await multipart(
      t,
      tok.agentA,
      `/api/savings/accounts/${body.id}/documents/`,
      {},
      {
        id_card: { bytes: jpeg() },
        photo: { bytes: png() },
      },
    );
    expect(
      (await post(tok.agentA, `/api/savings/accounts/${body.id}/validate-request/`, { decision: 'approve' }))
        .status,
    ).toBe(200);
    const wrong = await t.payments.service.collect({
      type: 'frais_creation_epargne',
      purpose: 'frais_creation_epargne',
      purposeRef: String(body.id),
      amount: 999,
      phone: user.phone as string,
      clientId: user.id,
      sfdId: a.id,
      initiatedBy: user.id,
    });
    expect((await settled(wrong.reference)).status).toBe('success');
    expect(await balance(`sfd:${a.id}:suspense`)).toBe(suspense + 1999);
    expect((await accountRow(body.id)).status).toBe('validee_agent');
    // The right fee still opens it.
    const pay = await post(token, `/api/savings/accounts/${body.id}/pay-fees/`);
    expect(pay.status).toBe(200);
    await settled(pay.body.fee_payment_reference);
    await reaches(body.id, 'actif');
    expect(await balance(`sfd:${a.id}:suspense`)).toBe(suspense + 1999);
  });

  it('a failed fee payment may be started again; the account opens on the one that succeeds', async () => {
    const { user, token } = await client(a);
    const res = await withDocuments(tok.agentA, user.id);
    const id = res.body.id as number;
    await post(tok.superA, `/api/savings/accounts/${id}/validate-request/`, { decision: 'approve' });
    const first = await post(token, `/api/savings/accounts/${id}/pay-fees/`, { phone: '+2290196000019' });
    expect(first.status).toBe(200);
    expect((await settled(first.body.fee_payment_reference)).status).toBe('failed');
    expect((await accountRow(id)).status).toBe('validee_agent');
    const second = await post(token, `/api/savings/accounts/${id}/pay-fees/`);
    expect(second.status).toBe(200);
    expect(second.body.fee_payment_reference).not.toBe(first.body.fee_payment_reference);
    expect((await settled(second.body.fee_payment_reference)).status).toBe('success');
    expect((await reaches(id, 'actif')).feePaymentReference).toBe(second.body.fee_payment_reference);
  });

  it('the unique index decides when the early check misses a request: 409, and its files removed', async () => {
    const { user } = await client(a);
    expect((await withDocuments(tok.agentA, user.id)).status).toBe(201);
    const files = storedFiles(t).length;
    // As if the other request committed between the early check and the insert.
    const spy = jest.spyOn(t.deps.db.manager, 'exists').mockResolvedValue(false);
    try {
      const res = await withDocuments(tok.agentEn, user.id);
      expectProblem(res, 409);
      expect(res.body.errors).toEqual({ client_id: ['Cette valeur est deja utilisee'] });
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect(storedFiles(t).length).toBe(files);
    expect(await t.deps.db.manager.countBy(SavingsAccount, { clientId: user.id })).toBe(1);
  });

  it('a failed write after the files were stored removes them: no orphan file', async () => {
    const { user } = await client(a);
    const files = storedFiles(t).length;
    const spy = jest
      .spyOn(t.accounts.service, 'staffOf')
      .mockRejectedValueOnce(new Error('database went away'));
    try {
      expectProblem(await withDocuments(tok.agentA, user.id), 500);
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect(storedFiles(t).length).toBe(files);
    expect(await t.deps.db.manager.countBy(SavingsAccount, { clientId: user.id })).toBe(0);
  });

  it('one request per client: a second is a 409, and of two at once one is created, no file left over', async () => {
    const { user } = await client(a);
    const filesBefore = storedFiles(t).length;
    const both = await Promise.all([withDocuments(tok.agentA, user.id), withDocuments(tok.agentEn, user.id)]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await t.deps.db.manager.countBy(SavingsAccount, { clientId: user.id })).toBe(1);
    // Only the created request's two documents are stored: the refused one's files were removed.
    expect(storedFiles(t).length).toBe(filesBefore + 2);
    expectProblem(await withDocuments(tok.agentA, user.id), 409);
    expect(storedFiles(t).length).toBe(filesBefore + 2);
  });

  it('lists: a client their own, staff their SFD’s, with status, client and date filters', async () => {
    const c1 = await client(a);
    const r1 = await post(c1.token, '/api/savings/accounts/', {});
    const ids = async (token: string, qs = '') =>
      ((await get(token, `/api/savings/accounts/${qs}`)).body.results as { id: number }[]).map((r) => r.id);
    expect(await ids(c1.token)).toEqual([r1.body.id]);
    expect(await ids(tok.agentA, `?client_id=${c1.user.id}`)).toEqual([r1.body.id]);
    expect(await ids(tok.agentA, `?client_id=${c1.user.id}&status=actif`)).toEqual([]);
    const today = t.clock.now().toISOString().slice(0, 10);
    expect(await ids(tok.agentA, `?client_id=${c1.user.id}&date_from=${today}&date_to=${today}`)).toEqual([
      r1.body.id,
    ]);
    expect(await ids(tok.agentA, `?client_id=${c1.user.id}&date_from=2000-01-01&date_to=2000-01-02`)).toEqual(
      [],
    );
    const page = await get(tok.agentA, '/api/savings/accounts/?page_size=1');
    expect(page.body.results).toHaveLength(1);
    expect(page.body.count).toBeGreaterThan(1);
    expect(page.body.next).toEqual(expect.stringContaining('page=2'));
  });

  it('the opening fee setting: 500 to 5 000, the SFD admin only; staff read it', async () => {
    const put = (token: string, fee: unknown) =>
      t.request
        .put('/api/savings/settings/')
        .set('Authorization', `Bearer ${token}`)
        .send({ opening_fee: fee });
    expectProblem(await put(tok.adminA, 499), 400, 'validation');
    expectProblem(await put(tok.adminA, 5001), 400, 'validation');
    expectProblem(await put(tok.superA, 1000), 403);
    expect((await get(tok.agentA, '/api/savings/settings/')).body).toEqual({
      sfd_id: a.id,
      opening_fee: 1000,
      updated_by: null,
      updated_at: null,
    });
    expect((await put(tok.adminA, 5000)).status).toBe(200);
    expect((await get(tok.agentA, '/api/savings/settings/')).body.opening_fee).toBe(5000);
    const audit = await auditOf(t, 'savings_settings', a.id);
    expect([audit.at(-1)?.before, audit.at(-1)?.after, audit.at(-1)?.actorId]).toEqual([
      { opening_fee: 1000 },
      { opening_fee: 5000 },
      u.adminA.id,
    ]);
    await t.deps.db.manager.delete(SavingsSettings, { sfdId: a.id });
  });
});
