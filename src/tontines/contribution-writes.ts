import type { EntityManager } from 'typeorm';
import type { LocalDate } from '../shared/sfd-calendar';
import { agentCashAccount, ensureAccount, post, sfdAccount, type Line } from '../ledger/service';
import type { Allocation } from './carnet';
import type { ContributionInput } from './contributions';
import { Carnet, Cotisation, type TontineParticipant } from './entities';

/** The ledger account holding a participant's savings in one tontine (owner: the client; never negative). */
export const tontineAccount = (participantId: number) => `tontine:${participantId}`;
/** The collector's cash account: the ledger's (savings deposits share it). */
export { agentCashAccount };
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
 * The accounts a contribution moves (the participant's, and the collecting agent's cash for cash), opened
 * if new. Answers the participant's balance before it: the caller holds the participant's lock, which
 * every write to that account takes first, so the balance after is this plus the credit.
 */
export async function contributionAccounts(
  manager: EntityManager,
  participant: TontineParticipant,
  input: Pick<ContributionInput, 'method' | 'collectedBy' | 'at'>,
): Promise<number> {
  const { at } = input;
  const account = await ensureAccount(manager, {
    code: tontineAccount(participant.id),
    kind: 'tontine',
    sfdId: participant.sfdId,
    ownerId: participant.clientId,
    mayGoNegative: false,
    at,
  });
  if (input.method === 'cash') {
    const agentId = input.collectedBy as number;
    await ensureAccount(manager, {
      code: agentCashAccount(agentId),
      kind: 'agent-cash',
      sfdId: participant.sfdId,
      ownerId: agentId,
      mayGoNegative: true,
      at,
    });
  }
  return account.balance;
}

/**
 * One balanced entry: the money's source −amount (the SFD's mobile-money clearing, or the agent's cash),
 * the participant +credit, the SFD's commission income +commission (a zero line is left out: the ledger
 * refuses it). The accounts exist (contributionAccounts). It is the transaction's last write: the SFD's
 * clearing and income rows, which nearly every contribution updates, stay locked from here to the commit.
 */
export async function postContribution(
  manager: EntityManager,
  r: {
    participant: TontineParticipant;
    cotisation: Cotisation;
    allocation: Allocation;
    input: ContributionInput;
  },
): Promise<void> {
  const { participant, cotisation, allocation, input } = r;
  const source =
    input.method === 'cash'
      ? agentCashAccount(input.collectedBy as number)
      : sfdAccount(participant.sfdId, 'mobile-money');
  const lines: Line[] = [{ account: source, amount: -allocation.amount }];
  if (allocation.credit > 0)
    lines.push({ account: tontineAccount(participant.id), amount: allocation.credit });
  if (allocation.commission > 0) {
    lines.push({
      account: sfdAccount(participant.sfdId, 'commission-income'),
      amount: allocation.commission,
    });
  }
  await post(manager, {
    key: cotisation.journalEntryKey as string,
    kind: 'tontine_cotisation',
    lines,
    ref: { type: 'cotisation', id: cotisation.id },
    sfdId: participant.sfdId,
    actorId: input.collectedBy ?? null,
    at: input.at,
  });
}
