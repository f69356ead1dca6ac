import type { Sfd, User } from '../../../src/accounts/entities';
import { User as UserEntity } from '../../../src/accounts/entities';
import { SmsOptOut, SmsOutboxEntry } from '../../../src/notifications/entities';
import type { OutboxMessage } from '../../../src/notifications/outbox';
import {
  Reminders,
  REMINDERS_JOB,
  type ReminderKind,
  type ReminderQuery,
} from '../../../src/notifications/reminders';
import { addDays } from '../../../src/shared/sfd-calendar';
import { kycPendingReminder } from '../../../src/accounts/kyc-reminder';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser } from '../../helpers/factories';
import { sleep } from '../../helpers/stubs/provider-kit';

/**
 * The KYC reminder on a simulated calendar. Day 0 is 2025-03-03 (a Monday); Porto-Novo is UTC+1 all
 * year. The clock is the test's: "at(7, 8)" is day 7 at 08:00 UTC, 09:00 in Porto-Novo.
 */
const DAY0 = '2025-03-03';
const at = (day: number, utcHour: number, utcMinute = 0) =>
  new Date(
    `${addDays(DAY0, day)}T${String(utcHour).padStart(2, '0')}:${String(utcMinute).padStart(2, '0')}:00Z`,
  );
const date = (day: number) => addDays(DAY0, day);

describe('scheduled reminders: KYC still pending 7 days after registration', () => {
  let t: TestApp;
  let reminders: Reminders;

  /**
   * A Reminders of its own (the SFDs from the accounts directory), with the KYC kind only, and settings
   * that may differ from the app's (a test-local REMINDER_HOUR, batch size…).
   */
  const withConfig = (config: Partial<TestApp['config']> = {}, ...kinds: ReminderKind[]) => {
    const own = new Reminders(
      { ...t.deps, config: { ...t.deps.config, ...config } },
      t.modules.accounts.service,
    );
    for (const kind of kinds.length > 0 ? kinds : [kycPendingReminder]) own.register(kind);
    return own;
  };

  beforeAll(async () => {
    t = await startTestApp({ REMINDER_EVERY_MS: '100' });
    reminders = withConfig();
  });
  afterAll(() => t.close());

  const rowsTo = (phone: string) =>
    t.deps.db.manager.find(SmsOutboxEntry, { where: { toPhone: phone }, order: { id: 'ASC' } });

  /** A pending client of `sfd`, registered at the clock's current time. */
  const client = (sfd: Sfd, fields: Partial<User> = {}) => makeUser(t, 'client', sfd, fields);

  async function tickAt(instant: Date, r = reminders): Promise<number> {
    t.clock.set(instant);
    return r.tick();
  }

  it('day 6: nothing; day 7: one reminder in her language; day 7 again and day 8: no second', async () => {
    const sfd = await makeSfd(t);
    t.clock.set(at(0, 9)); // 10:00 local on day 0
    const amina = await client(sfd, { language: 'en', firstName: 'Amina' });

    await tickAt(at(6, 15));
    expect(await rowsTo(amina.phone)).toEqual([]);

    await tickAt(at(7, 8, 30));
    const [row, ...more] = await rowsTo(amina.phone);
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      kind: 'reminder',
      lang: 'en',
      dedupeKey: `reminder:kyc_pending:${amina.id}:${date(7)}`,
      encoding: 'GSM-7',
    });
    expect(row.body).toBe(
      `TontiFlex: Amina, your account with ${sfd.name} is still waiting for identity verification. ` +
        'Visit an agent with your ID document. Send STOP to get no more reminders.',
    );
    const received = await t.inbox.to(amina.phone);
    expect(received).toEqual([{ to: amina.phone, kind: 'reminder', body: row.body }]);

    await tickAt(at(7, 16)); // a later tick the same day: skipped, the day's run is done
    expect(await reminders.run(kycPendingReminder, sfd, date(7))).toBe(0); // forced: the key holds
    await tickAt(at(8, 9)); // day 8 selects her again (catch-up window): the key is the same
    await tickAt(at(9, 9));
    expect(await rowsTo(amina.phone)).toHaveLength(1);
    expect(await t.inbox.to(amina.phone)).toHaveLength(1);
  });

  it('waits for REMINDER_HOUR in the SFD: 08:59 local nothing, 09:00 local the reminder (in French)', async () => {
    const sfd = await makeSfd(t);
    t.clock.set(at(0, 9));
    const kofi = await client(sfd, { firstName: 'Kofi' });
    await tickAt(at(7, 7, 59)); // 08:59 in Porto-Novo
    expect(await rowsTo(kofi.phone)).toEqual([]);
    await tickAt(at(7, 8, 0)); // 09:00
    const rows = await rowsTo(kofi.phone);
    expect(rows).toHaveLength(1);
    expect(rows[0].body).toMatch(/^TontiFlex: Kofi, votre compte chez .* attend toujours la verification/);
  });

  it("counts days in the SFD's time zone: 23:30 UTC is already the next day in Porto-Novo", async () => {
    const midnight = withConfig({ REMINDER_HOUR: 0 });
    const portoNovo = await makeSfd(t);
    const utc = await makeSfd(t);
    await t.deps.db.manager.update('sfds', { id: utc.id }, { timeZone: 'UTC' });
    t.clock.set(at(0, 9));
    const a = await client(portoNovo);
    const b = await client(utc);
    t.clock.set(at(0, 23, 30)); // day 1 at 00:30 in Porto-Novo, still day 0 in UTC
    const late = await client(portoNovo);

    await tickAt(at(6, 23, 30), midnight); // day 7, 00:30 in Porto-Novo; day 6 in UTC
    expect(await rowsTo(a.phone)).toHaveLength(1);
    expect((await rowsTo(a.phone))[0].dedupeKey).toBe(`reminder:kyc_pending:${a.id}:${date(7)}`);
    expect(await rowsTo(b.phone)).toEqual([]);
    expect(await rowsTo(late.phone)).toEqual([]); // registered on local day 1: due on day 8

    await tickAt(at(7, 0, 30), midnight); // day 7 in UTC
    expect(await rowsTo(b.phone)).toHaveLength(1);
    await tickAt(at(7, 23, 30), midnight); // day 8 in Porto-Novo
    expect((await rowsTo(late.phone)).map((r) => r.dedupeKey)).toEqual([
      `reminder:kyc_pending:${late.id}:${date(8)}`,
    ]);
    expect(await rowsTo(a.phone)).toHaveLength(1);
  });

  it('reminds no one whose KYC was checked, who is suspended, who is staff or of a suspended SFD', async () => {
    const sfd = await makeSfd(t);
    const closed = await makeSfd(t, undefined, 'suspended');
    t.clock.set(at(0, 9));
    const verified = await client(sfd);
    const rejected = await client(sfd);
    const suspended = await client(sfd);
    const agent = await makeUser(t, 'agent_sfd', sfd);
    const elsewhere = await client(closed);
    t.clock.set(at(3, 9));
    await t.deps.db.manager.update(UserEntity, { id: verified.id }, { kycStatus: 'verified' });
    await t.deps.db.manager.update(UserEntity, { id: rejected.id }, { kycStatus: 'rejected' });
    await t.deps.db.manager.update(UserEntity, { id: suspended.id }, { status: 'suspended' });
    await tickAt(at(7, 9));
    for (const user of [verified, rejected, suspended, agent, elsewhere]) {
      expect(await rowsTo(user.phone)).toEqual([]);
    }
  });

  it('sends a reminder missed on its day (downtime) up to REMINDER_CATCH_UP_DAYS late, once', async () => {
    const sfd = await makeSfd(t);
    t.clock.set(at(0, 9));
    const missed = await client(sfd);
    t.clock.set(at(-4, 9));
    const tooOld = await client(sfd); // due on day 3, and day 3 + 3 < day 9: dropped
    await tickAt(at(9, 9)); // the first run since day 6
    expect((await rowsTo(missed.phone)).map((r) => r.dedupeKey)).toEqual([
      `reminder:kyc_pending:${missed.id}:${date(7)}`,
    ]);
    expect(await rowsTo(tooOld.phone)).toEqual([]);
    await tickAt(at(10, 9));
    expect(await rowsTo(missed.phone)).toHaveLength(1);
  });

  it('STOP: no reminder to that phone, while a receipt to it is still queued', async () => {
    const sfd = await makeSfd(t);
    t.clock.set(at(0, 9));
    const stopped = await client(sfd);
    const other = await client(sfd);
    await t.deps.db.manager.insert(SmsOptOut, { phone: stopped.phone, createdAt: t.clock.now() });
    await tickAt(at(7, 9));
    expect(await rowsTo(stopped.phone)).toEqual([]);
    expect(await rowsTo(other.phone)).toHaveLength(1);
    // The selection does not read notifications' opt-outs (accounts' query): the outbox leaves it out.
    const selected = await kycPendingReminder.select(t.deps.db.manager, {
      sfd,
      timeZone: sfd.timeZone,
      localDate: date(7),
      catchUpDays: 0,
      afterId: 0,
      limit: 10,
    });
    expect(selected.map((r) => r.userId)).toEqual([stopped.id, other.id]);

    // The outbox itself refuses a reminder to the phone, whoever selected it.
    const reminder: OutboxMessage = {
      to: stopped.phone,
      kind: 'reminder',
      lang: 'fr',
      template: 'reminders.kyc_pending',
      params: { firstName: 'X', sfd: sfd.name },
    };
    expect(await t.deps.outbox.queue(t.deps.db.manager, reminder)).toBe(false);
    expect(await t.deps.db.transaction((m) => t.deps.outbox.queueMany(m, [reminder]))).toBe(0);
    const receipt: OutboxMessage = {
      to: stopped.phone,
      kind: 'receipt',
      lang: 'fr',
      template: 'payments.receipt',
      params: { amount: '5 000', reference: 'TF-STOP-1' },
    };
    expect(await t.deps.outbox.queue(t.deps.db.manager, receipt)).toBe(true);
    const code: OutboxMessage = {
      ...receipt,
      kind: 'otp',
      template: 'signup_code',
      params: { code: '123456', minutes: 5 },
    };
    expect(await t.deps.db.transaction((m) => t.deps.outbox.queueMany(m, [code]))).toBe(1);
    expect((await rowsTo(stopped.phone)).map((r) => r.kind)).toEqual(['receipt', 'otp']);
    expect((await t.inbox.to(stopped.phone)).map((m) => m.kind)).toEqual(['receipt', 'otp']);
  });

  it('selects in batches: batch size 2, five clients, three pages, five reminders', async () => {
    const sfd = await makeSfd(t);
    t.clock.set(at(0, 9));
    const clients = [];
    for (let i = 0; i < 5; i++) clients.push(await client(sfd));
    const pages: number[] = [];
    const counting: ReminderKind = {
      ...kycPendingReminder,
      async select(manager, query) {
        const rows = await kycPendingReminder.select(manager, query);
        expect(rows.length).toBeLessThanOrEqual(query.limit);
        pages.push(rows.length);
        return rows;
      },
    };
    const small = withConfig({ REMINDER_BATCH_SIZE: 2 }, counting);
    t.clock.set(at(7, 9));
    expect(await small.run(counting, sfd, date(7))).toBe(5);
    expect(pages).toEqual([2, 2, 1]);
    for (const c of clients) expect(await rowsTo(c.phone)).toHaveLength(1);
    expect(await small.run(counting, sfd, date(7))).toBe(0);
  });

  it('the scheduled job drives it end to end (the app queue: BullMQ, or in-process when embedded)', async () => {
    const sfd = await makeSfd(t);
    t.clock.set(at(0, 9));
    const fatou = await client(sfd);
    t.clock.set(at(7, 10));
    // The notifications module's periodic job, on the app's queue, every REMINDER_EVERY_MS = 100 ms.
    await t.deps.queue.every(REMINDERS_JOB, t.deps.config.REMINDER_EVERY_MS, () => reminders.tick());
    const until = Date.now() + 10_000;
    while ((await rowsTo(fatou.phone)).length === 0) {
      if (Date.now() > until) throw new Error('the scheduled reminders did not run');
      await sleep(20);
    }
    await sleep(400); // several more ticks
    expect(await rowsTo(fatou.phone)).toHaveLength(1);
    expect(await t.inbox.to(fatou.phone)).toHaveLength(1);
  });
});

describe('the SFDs a tick visits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it("are the accounts directory's active SFDs (an unknown zone falling back to the default)", async () => {
    const listed = await makeSfd(t);
    await makeSfd(t); // active, but not listed by the directory below: not visited
    const asked: ReminderQuery[] = [];
    const probe: ReminderKind = {
      name: 'probe',
      template: 'reminders.kyc_pending',
      select(_manager, query) {
        asked.push(query);
        return Promise.resolve([]);
      },
    };
    const directory = {
      activeSfds: () => Promise.resolve([{ id: listed.id, name: 'Listed', timeZone: 'Mars/Olympus' }]),
    };
    const reminders = new Reminders({ ...t.deps, config: { ...t.deps.config, REMINDER_HOUR: 0 } }, directory);
    reminders.register(probe);
    t.clock.set(at(7, 12));
    expect(await reminders.tick()).toBe(0);
    expect(asked).toEqual([
      expect.objectContaining({
        sfd: { id: listed.id, name: 'Listed', timeZone: 'Mars/Olympus' },
        timeZone: 'Africa/Porto-Novo',
        localDate: date(7),
        afterId: 0,
      }),
    ]);

    // The app's runner asks the accounts module: every active SFD, the suspended ones left out.
    const suspended = await makeSfd(t, undefined, 'suspended');
    const ids = (await t.modules.accounts.service.activeSfds()).map((s) => s.id);
    expect(ids).toContain(listed.id);
    expect(ids).not.toContain(suspended.id);
  });
});
