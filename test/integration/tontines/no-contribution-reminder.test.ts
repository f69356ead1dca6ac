import type { Sfd, User } from '../../../src/accounts/entities';
import { SmsOutboxEntry } from '../../../src/notifications/entities';
import { TontineParticipant, type Tontine } from '../../../src/tontines/entities';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeTontine, makeUser, tokenFor } from '../../helpers/factories';

/**
 * The no-contribution reminder: an active participant of an active tontine whose last contribution (or,
 * never having paid, whose joining) fell on local day D gets one SMS on D + 3 — once per gap: not again
 * the next days, again after a new contribution and a new gap. A day missed by the ticks is caught up
 * within REMINDER_CATCH_UP_DAYS (3), under the same key. Porto-Novo is UTC+1; reminders go from 09:00.
 */

let t: TestApp;
let sfd: Sfd;
let tontine: Tontine;
let agent: User;

/** Day `day` after 2026-03-02 at `hour`:`minute` UTC. */
const at = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, 2, 2 + day, hour, minute));
/** The local date of day `day` (after 2026-03-02). */
const date = (day: number) => at(day, 12).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await startTestApp();
  t.clock.set(at(0, 9));
  sfd = await makeSfd(t, 'NOCO');
  tontine = await makeTontine(t, sfd, { name: 'Dantokpa' });
  agent = await makeUser(t, 'agent_sfd', sfd);
});
afterAll(() => t.close());

/** A participant of `tontine` (default the active one) who joined at `joinedAt`. */
async function participant(
  joinedAt: Date,
  fields: { language?: 'fr' | 'en'; status?: TontineParticipant['status']; tontine?: Tontine } = {},
) {
  const client = await makeUser(t, 'client', sfd, { language: fields.language ?? 'fr' });
  const m = t.deps.db.manager;
  const row = await m.save(
    m.create(TontineParticipant, {
      sfdId: sfd.id,
      tontineId: (fields.tontine ?? tontine).id,
      clientId: client.id,
      stake: 1500,
      nextStake: null,
      status: fields.status ?? 'actif',
      joinedAt,
      lastContributionAt: null,
      createdAt: joinedAt,
      updatedAt: joinedAt,
    }),
  );
  return { client, id: row.id };
}

let key = 0;
/** One box in cash, recorded by the agent through the API at `instant`. */
async function contributeAt(participantId: number, instant: Date) {
  t.clock.set(instant);
  const res = await t.request
    .post('/api/tontines/cotisations/')
    .set('Authorization', `Bearer ${await tokenFor(t, agent)}`)
    .set('Idempotency-Key', `noco-${++key}`)
    .send({ participant_id: participantId, days: 1, method: 'cash' });
  expect(res.status).toBe(201);
}

const reminders = async (phone: string) =>
  (await t.deps.db.manager.find(SmsOutboxEntry, { where: { toPhone: phone }, order: { id: 'ASC' } }))
    .filter((r) => r.dedupeKey.startsWith('reminder:tontine_no_contribution:'))
    .map((r) => [r.dedupeKey, r.body]);

async function tickAt(instant: Date) {
  t.clock.set(instant);
  return t.notifications.reminderRunner.tick();
}

const FR =
  "TontiFlex: vous n'avez pas cotise a la tontine Dantokpa depuis 3 jours. Mise: 1 500 FCFA/jour. " +
  'Cotisez aupres de votre agent ou par USSD. Envoyez ARRET pour ne plus recevoir de rappels.';
const EN =
  'TontiFlex: you have not contributed to the tontine Dantokpa for 3 days. Stake: 1 500 FCFA/day. ' +
  'Contribute with your agent or by USSD. Send STOP to get no more reminders.';

it('day 3 of a gap: once; not the next days; again after a new contribution and a new gap', async () => {
  const a = await participant(at(0, 9));
  // Joined local day 1 (23:30 UTC on day 0 is 00:30 in Porto-Novo) and never paid; English.
  const b = await participant(at(0, 23, 30), { language: 'en' });
  const suspended = await participant(at(0, 9), { status: 'suspendu' });
  const closedTontine = await makeTontine(t, sfd, { name: 'Fermee', status: 'fermee' });
  const closed = await participant(at(0, 9), { tontine: closedTontine });
  await contributeAt(a.id, at(0, 10)); // local day 0, 11:00
  const keyOf = (who: { client: User; id: number }, due: number, since: number) =>
    `reminder:tontine_no_contribution:${who.client.id}:${date(due)}:${who.id}:${date(since)}`;

  await tickAt(at(2, 10));
  expect(await reminders(a.client.phone)).toEqual([]);

  await tickAt(at(3, 8, 30)); // 09:30 local, day 3
  expect(await reminders(a.client.phone)).toEqual([[keyOf(a, 3, 0), FR]]);
  expect(await reminders(b.client.phone)).toEqual([]); // their gap began on local day 1
  expect(await reminders(suspended.client.phone)).toEqual([]);
  expect(await reminders(closed.client.phone)).toEqual([]);

  // Later the same day and the next: nothing more for A; day 4 is B's.
  await tickAt(at(3, 20));
  await tickAt(at(4, 8, 30));
  expect(await reminders(a.client.phone)).toEqual([[keyOf(a, 3, 0), FR]]);
  expect(await reminders(b.client.phone)).toEqual([[keyOf(b, 4, 1), EN]]);

  // A pays on day 5: a new gap, reminded on day 8 only.
  await contributeAt(a.id, at(5, 10));
  expect(
    (await t.deps.db.manager.findOneByOrFail(TontineParticipant, { id: a.id })).lastContributionAt,
  ).toEqual(at(5, 10));
  await tickAt(at(5, 12));
  await tickAt(at(6, 9));
  await tickAt(at(7, 9));
  expect((await reminders(a.client.phone)).length).toBe(1);
  await tickAt(at(8, 9));
  expect(await reminders(a.client.phone)).toEqual([
    [keyOf(a, 3, 0), FR],
    [keyOf(a, 8, 5), FR],
  ]);
  // B's gap goes on, reminded once; the inactive ones never.
  expect((await reminders(b.client.phone)).length).toBe(1);
  expect(await reminders(suspended.client.phone)).toEqual([]);
  expect(await reminders(closed.client.phone)).toEqual([]);
});

it('a missed day is caught up within REMINDER_CATCH_UP_DAYS, under its own due date; later, not', async () => {
  const c = await participant(at(20, 9));
  const d = await participant(at(20, 9));
  await contributeAt(d.id, at(28, 10)); // gap from day 28: due day 31
  await tickAt(at(29, 9)); // the last tick before the ticks stop
  await contributeAt(c.id, at(30, 10)); // gap from day 30: due day 33

  // No tick from day 30 to day 35 (the workers were down). Day 36: C is 3 days late (caught up), D 5.
  await tickAt(at(36, 9));
  expect(await reminders(c.client.phone)).toEqual([
    [`reminder:tontine_no_contribution:${c.client.id}:${date(33)}:${c.id}:${date(30)}`, FR],
  ]);
  expect(await reminders(d.client.phone)).toEqual([]);
  // Still nothing more for either.
  await tickAt(at(37, 9));
  await tickAt(at(40, 9));
  expect((await reminders(c.client.phone)).length).toBe(1);
  expect(await reminders(d.client.phone)).toEqual([]);
});
