/**
 * The floor of `npm run bench:contributions`, run as its own process (PORT, MYSQL_URL, KKIAPAY_BASE_URL,
 * PAYMENT_WEBHOOK_SECRET): the same Koa stack and JSON parsing as the gateway's webhook, the same
 * verify call to the KKiaPay stub, then the rows the gateway writes for a contribution, by hand-written
 * SQL (mysql2, a pool of 10 like the gateway's) in one transaction: the payment's status, the cotisation,
 * the carnet(s), the participant's last contribution, the journal entry with its postings and balances,
 * the SMS outbox row and the audit row. The hot row every contribution updates (the SFD's mobile-money
 * clearing account) is updated last, just before the commit, so its lock is held as briefly as can be.
 * No BullMQ hand-off of the outbox row (the gateway's is one Redis call after the commit).
 */
import { createHash } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import { createPool, type PoolConnection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import { safeEqual } from '../infra/crypto';
import { formatXof } from '../shared/money';
import { localDateOf } from '../shared/sfd-calendar';
import { allocate, type Allocation } from '../tontines/carnet';
import { stateOf } from '../tontines/contributions';
import { BENCH_KEYS } from './bench-kkiapay';

const SECRET = process.env.PAYMENT_WEBHOOK_SECRET ?? 'tontiflex-bench-webhook-secret';
const KKIAPAY = (process.env.KKIAPAY_BASE_URL ?? 'http://127.0.0.1:4400').replace(/\/+$/, '');
const TIME_ZONE = 'Africa/Porto-Novo';

const pool = createPool({
  uri: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/tontiflex_bench_contrib',
  connectionLimit: 10,
  timezone: 'Z',
  supportBigNumbers: true,
});

interface PaymentRow extends RowDataPacket {
  id: number;
  reference: string;
  amount: number;
  status: string;
  sfd_id: number;
  client_id: number;
  purpose_ref: string | null;
}

/** KKiaPay's word on a transaction: whether it paid `amount` for `reference`. */
async function verified(transactionId: string, reference: string, amount: number): Promise<boolean> {
  const res = await fetch(`${KKIAPAY}/api/v1/transactions/status`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'x-api-key': BENCH_KEYS.publicKey,
      'x-private-key': BENCH_KEYS.privateKey,
      'x-secret-key': BENCH_KEYS.secretKey,
    },
    body: JSON.stringify({ transactionId }),
    signal: AbortSignal.timeout(10_000),
  });
  const b = (await res.json()) as { status?: string; partnerId?: string; amount?: number };
  return b.status === 'SUCCESS' && b.partnerId === reference && Number(b.amount) === amount;
}

const sfdAccounts = new Map<string, number>();
/** An SFD account's id (they never change: read once). */
async function sfdAccountId(conn: PoolConnection, sfdId: number, name: string): Promise<number> {
  const code = `sfd:${sfdId}:${name}`;
  let id = sfdAccounts.get(code);
  if (id === undefined) {
    const [rows] = await conn.execute<RowDataPacket[]>('SELECT id FROM ledger_accounts WHERE code = ?', [
      code,
    ]);
    id = Number(rows[0].id);
    sfdAccounts.set(code, id);
  }
  return id;
}

function linesHash(lines: { account: string; amount: number }[]): string {
  const sorted = [...lines].sort((a, b) => a.account.localeCompare(b.account) || a.amount - b.amount);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

/** The contribution's rows, in one transaction. False when the payment was no longer pending. */
async function contribute(payment: PaymentRow, transactionId: string): Promise<boolean> {
  const [pid, days] = (payment.purpose_ref ?? '').split(':').map(Number);
  const now = new Date();
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const [moved] = await conn.execute<ResultSetHeader>(
      `UPDATE payment_transactions SET status = 'success', provider_transaction_id = ?, completed_at = ?,
         updated_at = ? WHERE id = ? AND status = 'pending'`,
      [transactionId, now, now, payment.id],
    );
    if (!moved.affectedRows) {
      await conn.rollback();
      return false;
    }
    // The participant and their tontine account, locked: their contributions take turns.
    const [[p]] = await conn.execute<RowDataPacket[]>(
      `SELECT p.id, p.sfd_id, p.tontine_id, p.client_id, p.stake, p.next_stake, p.status,
         a.id AS account_id, a.balance
       FROM tontine_participants p JOIN ledger_accounts a ON a.code = CONCAT('tontine:', p.id)
       WHERE p.id = ? FOR UPDATE`,
      [pid],
    );
    const [[carnet]] = await conn.execute<RowDataPacket[]>(
      `SELECT id, cycle, boxes_paid, stake FROM tontine_carnets WHERE participant_id = ?
       ORDER BY cycle DESC LIMIT 1 FOR UPDATE`,
      [pid],
    );
    const [[ctx]] = await conn.execute<RowDataPacket[]>(
      `SELECT t.status AS tontine_status, u.phone, u.language FROM tontines t JOIN users u ON u.id = ?
       WHERE t.id = ?`,
      [p.client_id, p.tontine_id],
    );
    if (p.status !== 'actif' || ctx.tontine_status !== 'active') throw new Error('not active');
    const stake = Number(p.stake);
    const a: Allocation = allocate(
      stateOf(
        { stake, nextStake: p.next_stake === null ? null : Number(p.next_stake) },
        carnet ? { cycle: carnet.cycle, boxesPaid: carnet.boxes_paid, stake: Number(carnet.stake) } : null,
      ),
      days,
    );
    if (a.amount !== Number(payment.amount)) throw new Error('amount mismatch');
    const key = `tontine:cotisation:${payment.reference}`;

    const [cot] = await conn.execute<ResultSetHeader>(
      `INSERT INTO tontine_cotisations (sfd_id, participant_id, tontine_id, client_id, amount, days,
         commission, status, method, collected_by, payment_reference, journal_entry_key, idempotency_key,
         receipt_code, created_at, updated_at, confirmed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'confirmee', 'mobile_money', NULL, ?, ?, NULL, NULL, ?, ?, ?)`,
      [
        p.sfd_id,
        pid,
        p.tontine_id,
        p.client_id,
        a.amount,
        days,
        a.commission,
        payment.reference,
        key,
        now,
        now,
        now,
      ],
    );

    const startedOn = localDateOf(now, TIME_ZONE);
    const byCycle = new Map<number, { boxesPaid: number; stake: number }>();
    for (const b of a.boxes) byCycle.set(b.cycle, { boxesPaid: b.box, stake: b.stake });
    for (const [cycle, c] of byCycle) {
      const completedAt = a.carnetsCompleted.includes(cycle) ? now : null;
      if (carnet && carnet.cycle === cycle) {
        const starts = a.cyclesStarted.includes(cycle);
        await conn.execute(
          `UPDATE tontine_carnets SET boxes_paid = ?, completed_at = ?, updated_at = ?,
             started_on = IF(?, ?, started_on), stake = IF(?, ?, stake) WHERE id = ?`,
          [c.boxesPaid, completedAt, now, starts, startedOn, starts, c.stake, carnet.id],
        );
      } else {
        await conn.execute(
          `INSERT INTO tontine_carnets (sfd_id, participant_id, cycle, stake, started_on, boxes_paid,
             completed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [p.sfd_id, pid, cycle, c.stake, startedOn, c.boxesPaid, completedAt, now, now],
        );
      }
    }
    if (a.nextStakeApplied) {
      await conn.execute(
        `UPDATE tontine_participants SET last_contribution_at = ?, stake = ?, next_stake = NULL,
           updated_at = ? WHERE id = ?`,
        [now, a.after.stake, now, pid],
      );
    } else {
      await conn.execute(
        'UPDATE tontine_participants SET last_contribution_at = ?, updated_at = ? WHERE id = ?',
        [now, now, pid],
      );
    }

    // The entry: mobile-money clearing −amount, the participant +credit, commission income +commission.
    const mobileMoney = await sfdAccountId(conn, p.sfd_id, 'mobile-money');
    const lines: { account: string; id: number; amount: number }[] = [
      { account: `sfd:${p.sfd_id}:mobile-money`, id: mobileMoney, amount: -a.amount },
    ];
    if (a.credit > 0) lines.push({ account: `tontine:${pid}`, id: Number(p.account_id), amount: a.credit });
    if (a.commission > 0) {
      const id = await sfdAccountId(conn, p.sfd_id, 'commission-income');
      lines.push({ account: `sfd:${p.sfd_id}:commission-income`, id, amount: a.commission });
    }
    const balance = Number(p.balance) + a.credit;
    const body =
      `TontiFlex: cotisation de ${formatXof(a.amount)} FCFA recue (${days} case(s)). Carnet ` +
      `${a.after.cycle}: ${a.after.boxesPaid}/31. Nouveau solde tontine: ${formatXof(balance)} FCFA. ` +
      `Ref ${payment.reference}.`;
    await conn.execute(
      `INSERT IGNORE INTO sms_outbox (to_phone, body, kind, status, provider_message_id, segments, encoding,
         cost, attempts, dedupe_key, failure_reason, lang, created_at, updated_at, sent_at, delivered_at,
         template, params, secret_params_enc)
       VALUES (?, ?, 'receipt', 'queued', NULL, ?, 'GSM-7', NULL, 0, ?, NULL, ?, ?, ?, NULL, NULL, NULL, NULL, NULL)`,
      [
        ctx.phone,
        body,
        body.length <= 160 ? 1 : Math.ceil(body.length / 153),
        `payment:${payment.reference}:receipt`,
        ctx.language,
        now,
        now,
      ],
    );
    const view = { amount: a.amount, reference: payment.reference, type: 'cotisation_tontine' };
    await conn.execute(
      `INSERT INTO audit_events (actor_id, actor_role, sfd_id, action, target_type, target_id, \`before\`,
         \`after\`, created_at) VALUES (NULL, NULL, ?, 'payment.success', 'payment', ?, ?, ?, ?)`,
      [
        p.sfd_id,
        String(payment.id),
        JSON.stringify({ ...view, status: 'pending', provider_transaction_id: null }),
        JSON.stringify({ ...view, status: 'success', provider_transaction_id: transactionId }),
        now,
      ],
    );
    const [entry] = await conn.execute<ResultSetHeader>(
      `INSERT INTO journal_entries (idem_key, kind, ref_type, ref_id, sfd_id, actor_id, lines_hash, created_at)
       VALUES (?, 'tontine_cotisation', 'cotisation', ?, ?, NULL, ?, ?)`,
      [key, String(cot.insertId), p.sfd_id, linesHash(lines), now],
    );
    // Last, the ledger: the balances in one statement, then the postings. The clearing account is every
    // contribution's hot row: its lock is taken as late as can be, and before the postings' foreign key
    // check would take a shared lock on it (two shared locks both waiting to become exclusive deadlock).
    await conn.query(
      `UPDATE ledger_accounts SET balance = balance + CASE id ${lines.map(() => 'WHEN ? THEN ?').join(' ')} END,
         updated_at = ? WHERE id IN (?)`,
      [...lines.flatMap((l) => [l.id, l.amount]), now, lines.map((l) => l.id)],
    );
    await conn.query('INSERT INTO postings (entry_id, account_id, amount, created_at) VALUES ?', [
      lines.map((l) => [entry.insertId, l.id, l.amount, now]),
    ]);

    await conn.commit();
    return true;
  } catch (err) {
    await conn.rollback();
    throw err;
  } finally {
    conn.release();
  }
}

function floor(): void {
  const app = new Koa();
  const router = new Router();
  router.post('/api/payments/webhook', async (ctx) => {
    if (!safeEqual(ctx.get('x-kkiapay-secret'), SECRET)) {
      ctx.status = 401;
      ctx.body = { title: 'unauthorized' };
      return;
    }
    const hint = ctx.request.body as { transactionId?: unknown; partnerId?: unknown } | undefined;
    if (typeof hint?.transactionId !== 'string' || typeof hint.partnerId !== 'string') {
      ctx.status = 400;
      ctx.body = { title: 'validation failed' };
      return;
    }
    const [[payment]] = await pool.execute<PaymentRow[]>(
      `SELECT id, reference, amount, status, sfd_id, client_id, purpose_ref FROM payment_transactions
       WHERE reference = ?`,
      [hint.partnerId],
    );
    if (!payment) {
      ctx.body = { status: 'ignored' };
      return;
    }
    payment.amount = Number(payment.amount);
    if (
      payment.status === 'pending' &&
      (await verified(hint.transactionId, payment.reference, payment.amount))
    ) {
      await contribute(payment, hint.transactionId);
    }
    ctx.body = { status: 'ok' };
  });
  app.use(bodyParser({ enableTypes: ['json', 'form'] }));
  app.use(router.routes());
  const server = app.listen(Number(process.env.PORT ?? 4301), '127.0.0.1');
  server.keepAliveTimeout = 65_000;
  // Requests in flight finish first (the bench counts the rows after the stop).
  const stop = () => {
    server.close(() => {
      pool
        .end()
        .catch(() => undefined)
        .finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

floor();
