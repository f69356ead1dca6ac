import type { EntityManager } from 'typeorm';
import type { LocalDate } from '../shared/sfd-calendar';
import { ensureAccount, post, sfdAccount, type Line } from '../ledger/service';
import type { Allocation } from './carnet';
import type { ContributionInput } from './contributions';
import { Carnet, Cotisation, type TontineParticipant } from './entities';

/** The ledger account holding a participant's savings in one tontine (owner: the client; never negative). */
export const tontineAccount = (participantId: number) => `tontine:${participantId}`;
/** Cash in a field collector's hands (may go negative: the remittance to the branch moves it). */
export const agentCashAccount = (agentId: number) => `agent:${agentId}:cash`;
/** The ledger key of a contribution: by payment reference (mobile money) or cotisation id (cash). */
export const contributionEntryKey = (ref: string | number) => `tontine:cotisation:${ref}`;

/** The current carnet's new count, and one row per cycle this payment starts (dated `startedOn`). */
export async function writeCarnets(
  manager: EntityManager,
  r: {
    participant: TontineParticipant;
    current: Carnet | null;
    allocation: Allocation;
    at: Date;
    startedOn: LocalDate;
  },
): Promise<void> {
  const { participant, current, allocation, at, startedOn } = r;
  const byCycle = new Map<number, { boxesPaid: number; stake: number }>();
  for (const b of allocation.boxes) byCycle.set(b.cycle, { boxesPaid: b.box, stake: b.stake });
  for (const [cycle, { boxesPaid, stake }] of byCycle) {
    const completedAt = allocation.carnetsCompleted.includes(cycle) ? at : null;
    if (current && current.cycle === cycle) {
      // A carnet opened empty (when the client joined) starts with this payment: its date and stake.
      const starts = allocation.cyclesStarted.includes(cycle) ? { startedOn, stake } : {};
      await manager.update(Carnet, { id: current.id }, { ...starts, boxesPaid, completedAt, updatedAt: at });
    } else {
      await manager.insert(Carnet, {
        sfdId: participant.sfdId,
        participantId: participant.id,
        cycle,
        stake,
        startedOn,
        boxesPaid,
        completedAt,
        createdAt: at,
        updatedAt: at,
      });
    }
  }
}

/**
 * One balanced entry: the money's source −amount (the SFD's mobile-money clearing, or the agent's cash),
 * the participant +credit, the SFD's commission income +commission (a zero line is left out: the ledger
 * refuses it). Answers the participant's balance after it.
 */
export async function postContribution(
  manager: EntityManager,
  r: {
    participant: TontineParticipant;
    cotisation: Cotisation;
    allocation: Allocation;
    input: ContributionInput;
  },
): Promise<number> {
  const { participant, cotisation, allocation, input } = r;
  const { at } = input;
  const participantAccount = {
    code: tontineAccount(participant.id),
    kind: 'tontine',
    sfdId: participant.sfdId,
    ownerId: participant.clientId,
    mayGoNegative: false,
    at,
  };
  await ensureAccount(manager, participantAccount);
  let source: string;
  if (input.method === 'cash') {
    const agentId = input.collectedBy as number;
    source = agentCashAccount(agentId);
    await ensureAccount(manager, {
      code: source,
      kind: 'agent-cash',
      sfdId: participant.sfdId,
      ownerId: agentId,
      mayGoNegative: true,
      at,
    });
  } else {
    source = sfdAccount(participant.sfdId, 'mobile-money');
  }
  const lines: Line[] = [{ account: source, amount: -allocation.amount }];
  if (allocation.credit > 0) lines.push({ account: participantAccount.code, amount: allocation.credit });
  if (allocation.commission > 0) {
    lines.push({
      account: sfdAccount(participant.sfdId, 'commission-income'),
      amount: allocation.commission,
    });
  }
  const key = contributionEntryKey(input.paymentReference ?? cotisation.id);
  await post(manager, {
    key,
    kind: 'tontine_cotisation',
    lines,
    ref: { type: 'cotisation', id: cotisation.id },
    sfdId: participant.sfdId,
    actorId: input.collectedBy ?? null,
    at,
  });
  await manager.update(Cotisation, { id: cotisation.id }, { journalEntryKey: key });
  cotisation.journalEntryKey = key;
  // Read back in this transaction: the balance this entry left (its own update is visible to it).
  return (await ensureAccount(manager, participantAccount)).balance;
}
