import { randomUUID } from 'node:crypto';
import { User, type Sfd } from '../../../src/accounts/entities';
import { agentCashAccount, sfdAccount } from '../../../src/ledger/service';
import { PaymentTransaction } from '../../../src/payments/entities';
import { formatAccountNumber } from '../../../src/savings/account-number';
import { savingsLedgerAccount } from '../../../src/savings/balance';
import { SavingsAccount, SavingsTransaction } from '../../../src/savings/entities';
import { ledgerBalance } from '../../helpers/ledger';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, PIN as FACTORY_PIN, tokenFor } from '../../helpers/factories';
import { Phone } from '../../helpers/ussd';
import { jpeg, multipart, pdf, png } from './opening-helpers';

/**
 * Issue 13's two whole savings conversations over HTTP, as Africa's Talking sends them (USSD hops) and
 * as the back office calls the API, against the real database and the payment simulator (phones ending
 * in 1 are paid):
 * 1. a client registered on USSD asks to open from "4. Epargne"; the agent uploads the ID card and the
 *    photo and validates; the client pays the 1 000 fee from USSD (actif); deposits 10 000 by mobile
 *    money; asks to withdraw 4 000; the agent approves, paid by mobile money; the payout lands; the
 *    balance (6 000), the mini statement and the API statement;
 * 2. an agent asks for a client with both files; another agent rejects it with a reason (SMS with the
 *    reason); a new request, validated, the fee paid; a cash deposit of 7 500 with an Idempotency-Key
 *    (replayed: one deposit), on the agent's cash desk; the balance.
 * The SFD's opening fee is the default 1 000 throughout; every figure is worked out in the comments.
 */
let t: TestApp;
let sfd: Sfd;
let agent: User;
let agentToken: string;
let checkerToken: string;

const FOOTER = '\n0. Retour 00. Accueil';
const PIN = '7391';

beforeAll(async () => {
  t = await startTestApp({ PAYMENT_SIMULATOR_DELAY_MS: '30' });
  sfd = await makeSfd(t, 'EPC');
  agent = await makeUser(t, 'agent_sfd', sfd, { firstName: 'Koffi', lastName: 'Agbo' });
  agentToken = await tokenFor(t, agent);
  checkerToken = await tokenFor(
    t,
    await makeUser(t, 'agent_sfd', sfd, { firstName: 'Ama', lastName: 'Hounsa' }),
  );
});
afterAll(() => t.close());

async function until<T>(read: () => Promise<T | null | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await read();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what}: not in time`);
}

const settled = (where: { clientId: number; purpose: string; purposeRef: string }) =>
  until(async () => {
    const p = await t.deps.db.manager.findOneBy(PaymentTransaction, where);
    return p && p.status !== 'pending' ? p : null;
  }, `payment ${where.purpose} ${where.purposeRef}`);

const accountStatus = (id: number, status: string) =>
  until(async () => {
    const a = await t.deps.db.manager.findOneByOrFail(SavingsAccount, { id });
    return a.status === status ? a : null;
  }, `account ${id} ${status}`);

const txStatus = (id: number, status: string) =>
  until(async () => {
    const row = await t.deps.db.manager.findOneByOrFail(SavingsTransaction, { id });
    return row.status === status ? row : null;
  }, `savings transaction ${id} ${status}`);

const balanceOf = (code: string) => ledgerBalance(t, code, true);

/** Dials: on the main menu (a screen left open last time is offered to resume: declined). */
async function home(p: Phone): Promise<void> {
  if ((await p.dial()).startsWith('CON Session interrompue.'))
    expect(await p.send('2')).toMatch(/^CON TontiFlex\n/);
}

const smsTo = async (phone: string) => (await t.inbox.to(phone)).map((m) => m.body);

/** The agent validates an opening request through the API (approve or reject with a reason). */
async function decide(token: string, id: number, body: object) {
  const res = await t.request
    .post(`/api/savings/accounts/${id}/validate-request/`)
    .set('Authorization', `Bearer ${token}`)
    .send(body);
  expect(res.status).toBe(200);
  return res.body;
}

/** The client pays the validated request's fee from "4. Epargne", PIN last; waits for the account to open. */
async function payFeeOnUssd(p: Phone, user: User, id: number, pin: string): Promise<PaymentTransaction> {
  await home(p);
  expect(await p.send('4')).toBe(
    `CON Compte epargne valide par l'agent.\nFrais d'ouverture: 1 000 FCFA\n1. Payer les frais${FOOTER}`,
  );
  expect(await p.send('1')).toBe(`CON Entrez votre PIN:${FOOTER}`);
  expect(await p.send(pin)).toBe(
    'END Confirmez le paiement de 1 000 FCFA sur votre telephone. Un SMS vous dira quand votre compte sera ouvert.',
  );
  const fee = await settled({
    clientId: user.id,
    purpose: 'frais_creation_epargne',
    purposeRef: String(id),
  });
  expect(fee).toMatchObject({
    status: 'success',
    amount: 1000,
    type: 'frais_creation_epargne',
    phone: p.number,
  });
  const opened = await accountStatus(id, 'actif');
  expect(opened.openedAt).not.toBeNull();
  return fee;
}

describe('conversation 1: opened on USSD, mobile-money deposit and withdrawal, balance and statements', () => {
  let p: Phone;
  let user: User;
  let account: SavingsAccount;
  let number: string;
  const mm = () => sfdAccount(sfd.id, 'mobile-money');
  const feeIncome = () => sfdAccount(sfd.id, 'fee-income');

  beforeAll(() => {
    p = new Phone(t, '+2290196600021');
  });

  it('registers on USSD and asks to open a savings account from 4. Epargne', async () => {
    await p.dial();
    const sfds = await p.sendAll('1', 'dossou', 'afi');
    const pick = /(\d+)\. SFD EPC/.exec(sfds);
    expect(pick).not.toBeNull();
    await p.send(pick![1]);
    expect(await p.sendAll('1', PIN, PIN)).toMatch(/^END Bienvenue /);
    user = await t.deps.db.manager.findOneByOrFail(User, { phone: p.number });

    await p.dial();
    expect(await p.send('4')).toBe(
      `CON Epargne\nVous n'avez pas de compte epargne.\n1. Ouvrir un compte${FOOTER}`,
    );
    expect(await p.send('1')).toBe(
      "CON Ouvrir un compte epargne\nFrais d'ouverture: 1 000 FCFA, a payer apres validation.\nApportez votre piece d'identite et une photo a l'agence.\n1. Confirmer" +
        FOOTER,
    );
    expect(await p.send('1')).toBe(
      "END Demande envoyee. Apportez votre piece d'identite et une photo a l'agence: un agent ouvrira votre compte. Vous recevrez un SMS.",
    );
    account = await t.deps.db.manager.findOneByOrFail(SavingsAccount, { clientId: user.id });
    expect(account).toMatchObject({
      sfdId: sfd.id,
      status: 'en_cours_creation',
      openingFee: 1000,
      requestedBy: null,
    });
    number = formatAccountNumber(account.id);
  });

  it('the agent finds it, uploads the ID card and photo, validates; the client pays the fee on USSD', async () => {
    const pending = await t.request
      .get(`/api/savings/accounts/?status=en_cours_creation&client_id=${user.id}`)
      .set('Authorization', `Bearer ${agentToken}`);
    expect(pending.status).toBe(200);
    expect(pending.body.results.map((a: { id: number }) => a.id)).toEqual([account.id]);

    // Without the documents the request cannot be approved.
    const early = await t.request
      .post(`/api/savings/accounts/${account.id}/validate-request/`)
      .set('Authorization', `Bearer ${agentToken}`)
      .send({ decision: 'approve' });
    expect(early.status).toBe(409);

    const uploaded = await multipart(
      t,
      agentToken,
      `/api/savings/accounts/${account.id}/documents/`,
      {},
      {
        id_card: { bytes: pdf('CARTE-AFI'), name: 'cni.pdf', type: 'application/pdf' },
        photo: { bytes: jpeg('PHOTO-AFI'), name: 'photo.jpg', type: 'image/jpeg' },
      },
    );
    expect(uploaded.status).toBe(200);
    expect(uploaded.body.status).toBe('en_cours_creation');
    expect(
      uploaded.body.documents
        .map((d: { kind: string; content_type: string }) => [d.kind, d.content_type])
        .sort(),
    ).toEqual([
      ['id_card', 'application/pdf'],
      ['photo', 'image/jpeg'],
    ]);

    // The client did not make the request through staff: the same agent may decide it.
    expect(await decide(agentToken, account.id, { decision: 'approve' })).toMatchObject({
      status: 'validee_agent',
      account_number: number,
    });

    await payFeeOnUssd(p, user, account.id, PIN);
    // The fee: mobile-money clearing −1 000, fee income +1 000.
    expect(await balanceOf(mm())).toBe(-1000);
    expect(await balanceOf(feeIncome())).toBe(1000);
    expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(0);

    await home(p);
    expect(await p.send('4')).toBe(
      `CON Epargne ${number}\n1. Deposer\n2. Retirer\n3. Solde\n4. Mini releve${FOOTER}`,
    );
  });

  it('deposits 10 000 by mobile money, asks to withdraw 4 000; the agent approves; the payout lands', async () => {
    expect(await p.send('1')).toBe(`CON Deposer par mobile money\nMontant en FCFA (minimum 100):${FOOTER}`);
    expect(await p.send('10000')).toBe(
      `CON Depot de 10 000 FCFA\nCompte: ${number}\nPaiement par mobile money.\n1. Confirmer${FOOTER}`,
    );
    expect(await p.sendAll('1', PIN)).toBe(
      'END Confirmez le paiement de 10 000 FCFA sur votre telephone. Vous recevrez un SMS une fois le depot credite.',
    );
    const depositPayment = await settled({
      clientId: user.id,
      purpose: 'depot_epargne',
      purposeRef: String(account.id),
    });
    expect(depositPayment).toMatchObject({ status: 'success', amount: 10_000, direction: 'collection' });
    const deposit = await until(async () => {
      const d = await t.deps.db.manager.findOneBy(SavingsTransaction, {
        paymentReference: depositPayment.reference,
      });
      return d?.status === 'confirmee' ? d : null;
    }, 'deposit confirmee');
    expect(deposit).toMatchObject({ type: 'depot', method: 'mobile_money', amount: 10_000 });
    // 0 + 10 000; the clearing −1 000 − 10 000 = −11 000.
    expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(10_000);
    expect(await balanceOf(mm())).toBe(-11_000);

    await home(p);
    await p.send('4');
    expect(await p.send('2')).toBe(`CON Retirer\nMontant en FCFA (minimum 500):${FOOTER}`);
    expect(await p.send('4000')).toBe(
      `CON Retrait de 4 000 FCFA\nCompte: ${number}\nUn agent validera la demande.\n1. Confirmer${FOOTER}`,
    );
    expect(await p.sendAll('1', PIN)).toBe(
      'END Demande de retrait de 4 000 FCFA envoyee; un agent va la valider. Vous recevrez un SMS.',
    );
    const withdrawal = await t.deps.db.manager.findOneByOrFail(SavingsTransaction, {
      accountId: account.id,
      type: 'retrait',
    });
    expect(withdrawal).toMatchObject({ status: 'en_cours', amount: 4000, decidedAt: null });
    // Nothing moves on the ledger before the agent's decision.
    expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(10_000);

    // The agent finds it among the SFD's pending requests and approves it, paid by mobile money.
    const pending = await t.request
      .get(`/api/savings/transactions/?status=en_cours&type=retrait&account_id=${account.id}`)
      .set('Authorization', `Bearer ${agentToken}`);
    expect(pending.status).toBe(200);
    expect(pending.body.results.map((r: { id: number }) => r.id)).toEqual([withdrawal.id]);
    const approved = await t.request
      .post(`/api/savings/transactions/${withdrawal.id}/validate/`)
      .set('Authorization', `Bearer ${agentToken}`)
      .send({ decision: 'approve', method: 'mobile_money' });
    expect(approved.status).toBe(200);
    const payout = await settled({
      clientId: user.id,
      purpose: 'retrait_epargne',
      purposeRef: String(withdrawal.id),
    });
    expect(payout).toMatchObject({
      direction: 'payout',
      status: 'success',
      amount: 4000,
      phone: p.number,
      type: 'retrait_epargne',
    });
    expect(await txStatus(withdrawal.id, 'confirmee')).toMatchObject({
      method: 'mobile_money',
      paymentReference: payout.reference,
    });

    // 10 000 − 4 000 = 6 000; the clearing −11 000 + 4 000 = −7 000; fee income still 1 000.
    expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(6000);
    expect(await balanceOf(mm())).toBe(-7000);
    expect(await balanceOf(feeIncome())).toBe(1000);
  });

  it('reads the balance and the mini statement on USSD and the statement from the API', async () => {
    await home(p);
    await p.send('4');
    expect(await p.sendAll('3', PIN)).toBe(
      `CON Compte ${number}\nSolde: 6 000 FCFA\nDisponible: 6 000 FCFA${FOOTER}`,
    );
    await home(p);
    await p.send('4');
    const mini = await p.sendAll('4', PIN);
    // Newest first: the withdrawal, then the deposit.
    expect(mini.replace(/\d\d\/\d\d/g, 'JJ/MM')).toBe(
      `CON Mini releve ${number} (1/1)\n1. JJ/MM -4 000 Retrait\n2. JJ/MM +10 000 Depot${FOOTER}`,
    );

    const releve = await t.request
      .get(`/api/savings/accounts/${account.id}/releve/`)
      .set('Authorization', `Bearer ${agentToken}`);
    expect(releve.status).toBe(200);
    expect(releve.body).toMatchObject({
      account_id: account.id,
      account_number: number,
      sfd: { id: sfd.id, name: 'SFD EPC' },
      client: { id: user.id, first_name: 'Afi', last_name: 'Dossou' },
      opening_balance: 0,
      total_credits: 10_000,
      total_debits: 4000,
      closing_balance: 6000,
    });
    expect(
      releve.body.movements.map((m: { type: string; method: string; amount: number; balance: number }) => [
        m.type,
        m.method,
        m.amount,
        m.balance,
      ]),
    ).toEqual([
      ['depot', 'mobile_money', 10_000, 10_000],
      ['retrait', 'mobile_money', -4000, 6000],
    ]);

    // Every SMS of the conversation, exact; sorted (SMS queued in one transaction arrive in any order).
    const refs = (
      await t.deps.db.manager.find(PaymentTransaction, { where: { clientId: user.id }, order: { id: 'ASC' } })
    ).map((x) => x.reference);
    expect(refs).toHaveLength(3);
    const withdrawal = await t.deps.db.manager.findOneByOrFail(SavingsTransaction, {
      accountId: account.id,
      type: 'retrait',
    });
    expect((await smsTo(p.number)).sort()).toEqual(
      [
        "Bienvenue sur TontiFlex, Afi ! Votre compte chez SFD EPC est cree. Passez en agence avec votre piece d'identite pour le valider.",
        `TontiFlex: votre demande de compte epargne ${number} chez SFD EPC est validee. Payez les frais d'ouverture de 1 000 FCFA pour l'activer.`,
        `TontiFlex: paiement de 1 000 FCFA recu. Ref ${refs[0]}. Merci.`,
        `TontiFlex: votre compte epargne ${number} chez SFD EPC est ouvert. Deposez des 100 FCFA par USSD ou aupres de votre agent.`,
        `TontiFlex: depot de 10 000 FCFA recu sur votre compte epargne ${number}. Nouveau solde: 10 000 FCFA. Ref ${refs[1]}.`,
        `TontiFlex: demande de retrait de 4 000 FCFA sur votre compte epargne ${number} recue (ref E${withdrawal.id}). Un agent va la traiter.`,
        `TontiFlex: retrait de 4 000 FCFA (compte epargne ${number}, ref E${withdrawal.id}) accepte. L'argent est envoye sur votre compte mobile money.`,
        `TontiFlex: 4 000 FCFA envoyes sur votre compte mobile money. Ref ${refs[2]}.`,
      ].sort(),
    );
  });
});

describe('conversation 2: a request with both files rejected, a new one, a cash deposit', () => {
  let p: Phone;
  let user: User;
  let first: number;
  let account: SavingsAccount;
  let number: string;

  beforeAll(async () => {
    user = await makeUser(t, 'client', sfd, {
      phone: '+2290196600031',
      firstName: 'Bola',
      lastName: 'Kpade',
    });
    p = new Phone(t, user.phone);
  });

  const requestWithFiles = () =>
    multipart(
      t,
      agentToken,
      '/api/savings/accounts/create-request/',
      { client_id: user.id },
      {
        id_card: { bytes: jpeg('CARTE-BOLA'), name: 'cni.jpg', type: 'image/jpeg' },
        photo: { bytes: png('PHOTO-BOLA'), name: 'photo.png', type: 'image/png' },
      },
    );

  it('the agent asks with both files; the maker may not decide; another agent rejects with a reason', async () => {
    const made = await requestWithFiles();
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ status: 'en_cours_creation', client_id: user.id, opening_fee: 1000 });
    expect(made.body.documents).toHaveLength(2);
    first = made.body.id;

    // Maker-checker: the agent who made the request does not decide it.
    const own = await t.request
      .post(`/api/savings/accounts/${first}/validate-request/`)
      .set('Authorization', `Bearer ${agentToken}`)
      .send({ decision: 'reject', reason: 'Photo floue' });
    expect(own.status).toBe(403);

    expect(await decide(checkerToken, first, { decision: 'reject', reason: 'Photo floue' })).toMatchObject({
      status: 'rejete',
      reason: 'Photo floue',
    });
    expect(await smsTo(p.number)).toEqual([
      'TontiFlex: SFD EPC a refuse votre demande de compte epargne: Photo floue',
    ]);
    await p.dial();
    expect(await p.send('4')).toBe(
      `CON Votre demande de compte epargne a ete rejetee: Photo floue\n1. Nouvelle demande${FOOTER}`,
    );
  });

  it('a new request, validated by the other agent, the fee paid on USSD', async () => {
    const made = await requestWithFiles();
    expect(made.status).toBe(201);
    expect(made.body.id).not.toBe(first);
    account = await t.deps.db.manager.findOneByOrFail(SavingsAccount, { id: made.body.id });
    number = formatAccountNumber(account.id);
    expect(await decide(checkerToken, account.id, { decision: 'approve' })).toMatchObject({
      status: 'validee_agent',
    });
    await payFeeOnUssd(p, user, account.id, FACTORY_PIN);
    // Two fees now, 1 000 each.
    expect(await balanceOf(sfdAccount(sfd.id, 'fee-income'))).toBe(2000);
  });

  it('the agent records a 7 500 cash deposit with an Idempotency-Key (replayed: one deposit); the balance', async () => {
    const cashBefore = await balanceOf(agentCashAccount(agent.id));
    const deskBefore = await t.request
      .get('/api/tontines/collecte/caisse/')
      .set('Authorization', `Bearer ${agentToken}`);
    expect(deskBefore.status).toBe(200);

    const key = randomUUID();
    const cash = () =>
      t.request
        .post(`/api/savings/accounts/${account.id}/deposit/`)
        .set('Authorization', `Bearer ${agentToken}`)
        .set('Idempotency-Key', key)
        .send({ amount: 7500, method: 'cash' });
    const recorded = await cash();
    expect(recorded.status).toBe(201);
    expect(recorded.body).toMatchObject({
      type: 'depot',
      method: 'cash',
      status: 'confirmee',
      amount: 7500,
      account_id: account.id,
    });
    // The network drops the answer; the agent's app sends the same request again: the same deposit.
    const replay = await cash();
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(recorded.body.id);
    expect(await t.deps.db.manager.countBy(SavingsTransaction, { accountId: account.id })).toBe(1);

    // The savings account 0 + 7 500; the cash in the agent's hands 7 500 more (the desk shows it).
    expect(await balanceOf(savingsLedgerAccount(account.id))).toBe(7500);
    expect(cashBefore).toBe(0);
    expect(await balanceOf(agentCashAccount(agent.id))).toBe(-7500);
    // The SFD's mobile-money clearing: conversation 1's −7 000, and this fee's −1 000 = −8 000.
    expect(await balanceOf(sfdAccount(sfd.id, 'mobile-money'))).toBe(-8000);
    const desk = await t.request
      .get('/api/tontines/collecte/caisse/')
      .set('Authorization', `Bearer ${agentToken}`);
    expect(desk.body.cash_on_hand).toBe(deskBefore.body.cash_on_hand + 7500);
    expect(desk.body.cash_on_hand).toBe(7500);

    const releve = await t.request
      .get(`/api/savings/accounts/${account.id}/releve/`)
      .set('Authorization', `Bearer ${checkerToken}`);
    expect(releve.status).toBe(200);
    expect(releve.body).toMatchObject({ opening_balance: 0, total_credits: 7500, closing_balance: 7500 });
    expect(releve.body.movements).toHaveLength(1);
    expect(releve.body.movements[0]).toMatchObject({
      type: 'depot',
      method: 'cash',
      agent: 'Koffi Agbo',
      transaction_id: recorded.body.id,
      amount: 7500,
      balance: 7500,
    });

    await home(p);
    await p.send('4');
    expect(await p.sendAll('3', FACTORY_PIN)).toBe(
      `CON Compte ${number}\nSolde: 7 500 FCFA\nDisponible: 7 500 FCFA${FOOTER}`,
    );

    const refs = (
      await t.deps.db.manager.find(PaymentTransaction, { where: { clientId: user.id }, order: { id: 'ASC' } })
    ).map((x) => x.reference);
    expect(refs).toHaveLength(1);
    expect((await smsTo(p.number)).sort()).toEqual(
      [
        'TontiFlex: SFD EPC a refuse votre demande de compte epargne: Photo floue',
        `TontiFlex: votre demande de compte epargne ${number} chez SFD EPC est validee. Payez les frais d'ouverture de 1 000 FCFA pour l'activer.`,
        `TontiFlex: paiement de 1 000 FCFA recu. Ref ${refs[0]}. Merci.`,
        `TontiFlex: votre compte epargne ${number} chez SFD EPC est ouvert. Deposez des 100 FCFA par USSD ou aupres de votre agent.`,
        `TontiFlex: l'agent Koffi Agbo a recu 7 500 FCFA en especes pour votre compte epargne ${number}. Nouveau solde: 7 500 FCFA. Ref D${recorded.body.id}.`,
      ].sort(),
    );
  });
});
