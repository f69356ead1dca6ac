import type { EntityManager } from 'typeorm';
import { recordAudit, type AuditInput } from '../accounts/audit';
import { conflict } from '../http/errors';
import { ensureAccount } from '../ledger/service';
import type { AccountsDirectory } from '../accounts/directory';
import type { SmsOutbox } from '../notifications/outbox';
import { tontineAccount } from './contributions';
import { Adhesion, Carnet, Tontine, TontineParticipant } from './entities';
import { adherentSms } from './notices';

/**
 * Making a participant of an adhesion whose fee is paid. Written for a caller's transaction: the fee's
 * purpose handler (in the payment's transaction) and the agent's `integrer` both call it.
 */

export interface Integrated {
  adhesion: Adhesion;
  participant: TontineParticipant;
  /** False when the client already was an active participant (the adhesion is linked to it). */
  created: boolean;
}

/**
 * paiement_effectue → adherent, by a conditional update (a concurrent integration: 409, nothing
 * changes); the participant `actif` with the adhesion's stake (a former one of the same tontine is
 * reactivated with it), its first carnet (cycle 1, not started) when it has none, its ledger account
 * (`tontine:<id>`, never negative), and the audit row `tontine.adhesion.integrate`.
 */
export async function integrate(
  manager: EntityManager,
  adhesion: Adhesion,
  actor: AuditInput['actor'],
  at: Date,
): Promise<Integrated> {
  const moved = await manager.update(
    Adhesion,
    { id: adhesion.id, status: 'paiement_effectue' },
    { status: 'adherent', updatedAt: at },
  );
  if (!moved.affected) throw conflict('no longer paiement_effectue');

  let participant = await manager.findOne(TontineParticipant, {
    where: { tontineId: adhesion.tontineId, clientId: adhesion.clientId },
  });
  let created = false;
  if (!participant) {
    participant = await manager.save(
      manager.create(TontineParticipant, {
        sfdId: adhesion.sfdId,
        tontineId: adhesion.tontineId,
        clientId: adhesion.clientId,
        stake: adhesion.stake,
        nextStake: null,
        status: 'actif',
        joinedAt: at,
        lastContributionAt: null,
        createdAt: at,
        updatedAt: at,
      }),
    );
    created = true;
  } else if (participant.status !== 'actif') {
    // Back after leaving: the new stake applies from the next cycle if a cycle is under way.
    const open = await manager.findOne(Carnet, {
      where: { participantId: participant.id },
      order: { cycle: 'DESC' },
    });
    const midCycle = open !== null && open.completedAt === null && open.boxesPaid > 0;
    const changes = midCycle
      ? { status: 'actif' as const, nextStake: adhesion.stake, updatedAt: at }
      : { status: 'actif' as const, stake: adhesion.stake, nextStake: null, updatedAt: at };
    await manager.update(TontineParticipant, { id: participant.id }, changes);
    participant = { ...participant, ...changes };
    created = true;
  }

  if (!(await manager.exists(Carnet, { where: { participantId: participant.id } }))) {
    await manager.insert(
      Carnet,
      manager.create(Carnet, {
        sfdId: participant.sfdId,
        participantId: participant.id,
        cycle: 1,
        stake: participant.stake,
        startedOn: null,
        boxesPaid: 0,
        completedAt: null,
        createdAt: at,
        updatedAt: at,
      }),
    );
  }
  await ensureAccount(manager, {
    // The account contributions credit (contributions.ts), opened now so balances show it from day one.
    code: tontineAccount(participant.id),
    kind: 'tontine',
    sfdId: participant.sfdId,
    ownerId: participant.clientId,
    mayGoNegative: false,
    at,
  });
  await manager.update(Adhesion, { id: adhesion.id }, { participantId: participant.id });
  await recordAudit(
    manager,
    {
      actor,
      sfdId: adhesion.sfdId,
      action: 'tontine.adhesion.integrate',
      targetType: 'tontine_adhesion',
      targetId: adhesion.id,
      before: { status: 'paiement_effectue' },
      after: { status: 'adherent', participant_id: participant.id, stake: participant.stake },
    },
    at,
  );
  const after = (await manager.findOne(Adhesion, { where: { id: adhesion.id } })) as Adhesion;
  return { adhesion: after, participant, created };
}

/** What the welcome SMS needs. */
export interface IntegrationNotices {
  accounts: Pick<AccountsDirectory, 'contact'>;
  outbox: Pick<SmsOutbox, 'queue'>;
}

/** integrate() on adhesion `id`, then the welcome SMS; the tontine must be active (409 otherwise). */
export async function integrateAdhesion(
  manager: EntityManager,
  notices: IntegrationNotices,
  id: number,
  actor: AuditInput['actor'],
  at: Date,
): Promise<Adhesion> {
  const adhesion = await manager.findOneOrFail(Adhesion, { where: { id } });
  const tontine = await manager.findOneOrFail(Tontine, { where: { id: adhesion.tontineId } });
  if (tontine.status !== 'active') throw conflict(`tontine ${tontine.status}`);
  const done = await integrate(manager, adhesion, actor, at);
  const client = await notices.accounts.contact(adhesion.clientId, manager);
  const sms = client && adherentSms(client, done.adhesion, tontine);
  if (sms) await notices.outbox.queue(manager, sms);
  return done.adhesion;
}
