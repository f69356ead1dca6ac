/**
 * The ledger's refusals answer as RFC 7807 problems, never as a 500: the real `post()` against the
 * test database, behind the real problem handler, in a tiny Koa app (src has no route made for tests).
 * A refusal a caller can meet is a 409 with a stable type; an entry the code built wrong is a 422
 * `ledger_rejected` that still reaches the error log; a row lock that does not come (MySQL's lock wait
 * timeout, a deadlock) is a 409 `account_locked` with Retry-After. No answer names a ledger account.
 */
import Koa from 'koa';
import supertest from 'supertest';
import { QueryFailedError, type EntityManager } from 'typeorm';
import { problemHandler } from '../../../src/http/errors';
import { ensureAccount, post, sfdAccount, type Line } from '../../../src/ledger/service';
import { embedded, startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';

let t: TestApp;
let sfdId: number;
let wallet: string;
let seq = 0;
/** What the tiny app runs for the next request. */
let work: () => Promise<unknown>;
/** What the app emitted as errors (what app.ts logs as `unhandled error`). */
const emitted: unknown[] = [];
let request: ReturnType<typeof supertest>;

beforeAll(async () => {
  t = await startTestApp();
  const sfd = await makeSfd(t, 'LPB');
  sfdId = sfd.id;
  wallet = `test:problems:wallet:${sfd.id}`;
  await ensureAccount(t.deps.db.manager, {
    code: wallet,
    kind: 'test_wallet',
    sfdId,
    mayGoNegative: false,
    at: t.clock.now(),
  });
  const app = new Koa();
  app.on('error', (err: unknown) => emitted.push(err));
  app.use(problemHandler());
  app.use(async (ctx) => {
    await work();
    ctx.body = { ok: true };
  });
  request = supertest(app.callback());
});
afterAll(() => t.close());
beforeEach(() => {
  emitted.length = 0;
});

const posting = (lines: Line[], key = `test:problems:${++seq}`) => ({
  key,
  kind: 'test_problem',
  lines,
  sfdId,
  at: t.clock.now(),
});

const postInTransaction = (lines: Line[], key?: string) => () =>
  t.deps.db.transaction((m: EntityManager) => post(m, posting(lines, key)));

/** The problem `work` answers, in `lang`. */
async function answer(run: () => Promise<unknown>, lang = 'fr') {
  work = run;
  return request.get('/').set('Accept-Language', lang);
}

function expectNoInternals(res: { body: unknown }) {
  const text = JSON.stringify(res.body);
  expect(text).not.toContain(wallet);
  expect(text).not.toContain('sfd:');
  expect(text).not.toMatch(/ledger key|sum to|non-zero|stack/i);
}

it('answers insufficient funds 409 insufficient_funds, and logs nothing as an error', async () => {
  const cash = sfdAccount(sfdId, 'cash');
  const res = await answer(
    postInTransaction([
      { account: wallet, amount: -500 },
      { account: cash, amount: 500 },
    ]),
  );
  expectProblem(res, 409, 'insufficient-funds');
  expect(res.body).toMatchObject({ title: 'Solde insuffisant', detail: 'Solde insuffisant' });
  expectNoInternals(res);
  expect(emitted).toEqual([]);
  const en = await answer(
    postInTransaction([
      { account: wallet, amount: -500 },
      { account: cash, amount: 500 },
    ]),
    'en',
  );
  expect(en.body).toMatchObject({ status: 409, title: 'Insufficient funds' });
});

it('answers a key reused for other lines 409 conflict, and an unknown account 409 account_unavailable', async () => {
  const cash = sfdAccount(sfdId, 'cash');
  const income = sfdAccount(sfdId, 'fee-income');
  const key = `test:problems:reused:${++seq}`;
  await postInTransaction(
    [
      { account: cash, amount: -100 },
      { account: income, amount: 100 },
    ],
    key,
  )();
  const reused = await answer(
    postInTransaction(
      [
        { account: cash, amount: -200 },
        { account: income, amount: 200 },
      ],
      key,
    ),
  );
  expectProblem(reused, 409, 'conflict');
  expectNoInternals(reused);
  const unknown = await answer(
    postInTransaction([
      { account: `savings:${sfdId}:no-such-account`, amount: 100 },
      { account: cash, amount: -100 },
    ]),
  );
  expectProblem(unknown, 409, 'account-unavailable');
  expect(unknown.body).toMatchObject({ title: 'Compte indisponible pour cette operation' });
  expect(JSON.stringify(unknown.body)).not.toContain('no-such-account');
  expect(emitted).toEqual([]);
});

it('answers an unbalanced or invalid entry 422 ledger_rejected without internals, and still logs it as an error', async () => {
  const cash = sfdAccount(sfdId, 'cash');
  const income = sfdAccount(sfdId, 'fee-income');
  const cases: Line[][] = [
    [
      { account: cash, amount: -100 },
      { account: income, amount: 90 },
    ],
    [{ account: cash, amount: -100 }],
    [
      { account: cash, amount: -100.5 },
      { account: income, amount: 100.5 },
    ],
    [
      { account: cash, amount: 0 },
      { account: income, amount: 0 },
    ],
  ];
  for (const lines of cases) {
    const res = await answer(postInTransaction(lines));
    expectProblem(res, 422, 'ledger-rejected');
    expect(res.body).toMatchObject({
      title: 'Operation refusee par la comptabilite',
      detail: 'Operation refusee par la comptabilite',
    });
    expectNoInternals(res);
  }
  expect(emitted.map((e) => [(e as Error).name, (e as { code?: string }).code])).toEqual([
    ['LedgerError', 'unbalanced'],
    ['LedgerError', 'unbalanced'],
    ['LedgerError', 'invalid_amount'],
    ['LedgerError', 'invalid_amount'],
  ]);
});

it('answers a deadlock or a lock wait timeout (as TypeORM reports them) 409 account_locked with Retry-After', async () => {
  const driverErrors = [
    Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), {
      code: 'ER_LOCK_DEADLOCK',
      errno: 1213,
      sqlState: '40001',
    }),
    Object.assign(new Error('Lock wait timeout exceeded; try restarting transaction'), {
      code: 'ER_LOCK_WAIT_TIMEOUT',
      errno: 1205,
      sqlState: 'HY000',
    }),
  ];
  for (const driverError of driverErrors) {
    const sql = 'UPDATE `ledger_accounts` SET `balance` = balance + (100) WHERE id = ?';
    for (const thrown of [new QueryFailedError(sql, [1], driverError), driverError]) {
      const res = await answer(() => Promise.reject(thrown));
      expectProblem(res, 409, 'account-locked');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(JSON.stringify(res.body)).not.toMatch(/ledger_accounts|Lock wait|Deadlock/);
    }
  }
  // Other database errors stay 500s: nothing about them leaves the process.
  const other = new QueryFailedError('SELECT 1', [], Object.assign(new Error('gone away'), { errno: 2006 }));
  const res = await answer(() => Promise.reject(other));
  expectProblem(res, 500, 'internal');
  expect(emitted).toEqual([other]);
});

(embedded ? it.skip : it)(
  'answers a real MySQL lock wait timeout on an account 409 account_locked with Retry-After',
  async () => {
    const cash = sfdAccount(sfdId, 'cash');
    const income = sfdAccount(sfdId, 'fee-income');
    // Another transaction holds the cash account's row, as a long posting would.
    const holder = t.deps.db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query('SELECT id FROM ledger_accounts WHERE code = ? FOR UPDATE', [cash]);
      const res = await answer(async () => {
        const runner = t.deps.db.createQueryRunner();
        await runner.connect();
        await runner.query('SET SESSION innodb_lock_wait_timeout = 1');
        try {
          await runner.startTransaction();
          await post(
            runner.manager,
            posting([
              { account: cash, amount: -100 },
              { account: income, amount: 100 },
            ]),
          );
          await runner.commitTransaction();
        } catch (err) {
          if (runner.isTransactionActive) await runner.rollbackTransaction();
          throw err;
        } finally {
          await runner.query('SET SESSION innodb_lock_wait_timeout = DEFAULT');
          await runner.release();
        }
      });
      expectProblem(res, 409, 'account-locked');
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toMatchObject({ title: 'Compte en cours de mise a jour, reessayez dans un instant' });
      expect(emitted).toEqual([]);
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
  },
);
