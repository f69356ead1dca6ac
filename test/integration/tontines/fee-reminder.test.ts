import type { Sfd, User } from '../../../src/accounts/entities';
import { SmsOutboxEntry } from '../../../src/notifications/entities';
import { Adhesion, type Tontine } from '../../../src/tontines/entities';
import { authed } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeTontine, makeUser, tokenFor } from '../../helpers/factories';

/**
 * The joining-fee reminder: an adhesion validated on local day D whose fee is still unpaid gets an SMS
 * on D + 3 and on D + 6, once each, in the client's language; a paid or rejected one gets none.
 */

let t: TestApp;
let sfd: Sfd;
let tontine: Tontine;
let agent: User;

/** Day `day` after 2026-03-02 at `hour`:`minute` UTC (Porto-Novo is UTC+1). */
const at = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, 2, 2 + day, hour, minute));

beforeAll(async () => {
  t = await startTestApp();
  t.clock.set(at(0, 9)); // 10:00 local on day 0
  sfd = await makeSfd(t, 'FEER');
  tontine = await makeTontine(t, sfd, { name: 'Dantokpa', joiningFee: 1500 });
  agent = await makeUser(t, 'agent_sfd', sfd);
});
afterAll(() => t.close());

const { post } = authed(() => t);

/** A client of the SFD whose adhesion the agent validated at the clock's time. */
async function validatedClient(fields: Partial<User> = {}, decision: 'approve' | 'reject' = 'approve') {
  const client = await makeUser(t, 'client', sfd, fields);
  const token = await tokenFor(t, client);
  const { body } = await post(token, '/api/tontines/adhesions/', { tontine_id: tontine.id, stake: 500 });
  const res = await post(await tokenFor(t, agent), `/api/tontines/adhesions/${body.id}/valider-agent/`, {
    decision,
    reason: 'Incomplet',
  });
  expect(res.status).toBe(200);
  return { client, id: body.id as number };
}

const reminders = async (phone: string) =>
  (await t.deps.db.manager.find(SmsOutboxEntry, { where: { toPhone: phone }, order: { id: 'ASC' } }))
    .filter((r) => r.dedupeKey.startsWith('reminder:tontine_fee_unpaid:'))
    .map((r) => [r.dedupeKey, r.body]);

async function tickAt(instant: Date) {
  t.clock.set(instant);
  return t.notifications.reminderRunner.tick();
}

it('reminds on day 3 and day 6 after the validation, once each, until the fee is paid', async () => {
  t.clock.set(at(0, 9));
  const fr = await validatedClient();
  const en = await validatedClient({ language: 'en' });
  const rejected = await validatedClient({}, 'reject');
  const paid = await validatedClient();
  await t.deps.db.manager.update(Adhesion, { id: paid.id }, { status: 'adherent' });

  await tickAt(at(2, 14));
  expect(await reminders(fr.client.phone)).toEqual([]);

  await tickAt(at(3, 8, 30)); // 09:30 local, day 3
  const frText =
    "TontiFlex: votre adhesion a la tontine Dantokpa attend les frais d'adhesion de 1 500 FCFA. " +
    'Payez-les pour commencer a cotiser. Envoyez ARRET pour ne plus recevoir de rappels.';
  expect(await reminders(fr.client.phone)).toEqual([
    [`reminder:tontine_fee_unpaid:${fr.client.id}:2026-03-05:${fr.id}`, frText],
  ]);
  expect(await reminders(en.client.phone)).toEqual([
    [
      `reminder:tontine_fee_unpaid:${en.client.id}:2026-03-05:${en.id}`,
      'TontiFlex: your membership of the tontine Dantokpa awaits the joining fee of 1 500 FCFA. ' +
        'Pay it to start contributing. Send STOP to get no more reminders.',
    ],
  ]);
  expect(await reminders(rejected.client.phone)).toEqual([]);
  expect(await reminders(paid.client.phone)).toEqual([]);

  // The same day again, then the catch-up days: no second reminder.
  await tickAt(at(3, 20));
  await tickAt(at(4, 10));
  await tickAt(at(5, 10));
  expect((await reminders(fr.client.phone)).length).toBe(1);

  // Day 6: the second one; the English client paid meanwhile and hears nothing more.
  await t.deps.db.manager.update(Adhesion, { id: en.id }, { status: 'adherent' });
  await tickAt(at(6, 10));
  expect(await reminders(fr.client.phone)).toEqual([
    [`reminder:tontine_fee_unpaid:${fr.client.id}:2026-03-05:${fr.id}`, frText],
    [`reminder:tontine_fee_unpaid:${fr.client.id}:2026-03-08:${fr.id}`, frText],
  ]);
  expect((await reminders(en.client.phone)).length).toBe(1);

  // Past the second one and its catch-up window: nothing more, ever.
  for (const day of [7, 9, 10, 12]) await tickAt(at(day, 10));
  expect((await reminders(fr.client.phone)).length).toBe(2);
});
