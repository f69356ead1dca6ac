import { randomUUID } from 'node:crypto';
import type { Sfd, User } from '../../../src/accounts/entities';
import { TontineParticipant } from '../../../src/tontines/entities';
import type { TestApp } from '../../helpers/app';
import { ledgerBalance } from '../../helpers/ledger';
import { makeTontine } from '../../helpers/factories';

/** One incoming SMS as Africa's Talking posts it (form-encoded, WIRE-FORMATS.md); `id` is AT's. */
export function smsIn(
  t: TestApp,
  from: string,
  text: string,
  id = `ATXid_${randomUUID().replace(/-/g, '')}`,
) {
  return t.request.post('/sms/inbound').type('form').send({
    from,
    to: '12345',
    text,
    date: '2026-03-02 10:15:42',
    id,
    linkId: randomUUID(),
    networkCode: '61603',
  });
}

/** An active participant of a fresh tontine of `sfd`, at `stake` a day, who never paid. */
export async function participantOf(t: TestApp, sfd: Sfd, client: User, stake = 500) {
  const m = t.deps.db.manager;
  const now = t.clock.now();
  const tontine = await makeTontine(t, sfd, { name: 'Tontine du marche', stakeMin: 100, stakeMax: 10_000 });
  return m.save(
    m.create(TontineParticipant, {
      sfdId: sfd.id,
      tontineId: tontine.id,
      clientId: client.id,
      stake,
      nextStake: null,
      status: 'actif',
      joinedAt: now,
      createdAt: now,
      updatedAt: now,
    }),
  );
}

/** A cash contribution recorded by the agent through the API: its answer (`receipt_code`…). */
export async function cash(t: TestApp, agentToken: string, participantId: number, days: number) {
  const res = await t.request
    .post(`/api/tontines/participants/${participantId}/cotiser/`)
    .set('Authorization', `Bearer ${agentToken}`)
    .set('Idempotency-Key', randomUUID())
    .send({ days, method: 'cash' });
  if (res.status !== 201) throw new Error(`cash contribution: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: number; amount: number; receipt_code: string };
}

/** A dispute the client opened through the API on a fresh cash contribution: its id. */
export async function openedDispute(
  t: TestApp,
  tokens: { agent: string; client: string },
  participantId: number,
  days = 1,
): Promise<number> {
  const { receipt_code } = await cash(t, tokens.agent, participantId, days);
  const res = await t.request
    .post('/api/tontines/contestations/')
    .set('Authorization', `Bearer ${tokens.client}`)
    .send({ code: receipt_code });
  if (res.status !== 201) throw new Error(`dispute: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as number;
}

export const balanceOf = (t: TestApp, code: string) => ledgerBalance(t, code, true);
