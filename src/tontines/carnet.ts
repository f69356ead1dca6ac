/**
 * The carnet arithmetic of the collector tontine ("carte de 31 cases"), pure: no I/O, no clock.
 *
 * A carnet is one cycle of 31 boxes, each worth the cycle's stake. Box 1 of every cycle is the SFD's
 * commission; boxes 2–31 are the participant's savings. The stake is fixed within a cycle: a pending
 * `nextStake` applies from the first box of the next cycle that starts. A payment covers `days` boxes
 * in order; what does not fit in the current cycle overflows into the next one(s), whose box 1 is
 * again commission. A new participant is at cycle 1 with no box paid.
 */

export const BOXES_PER_CARNET = 31;
/**
 * Days one payment may cover. The USSD menu offers 1 to 31; the back office may record more at once
 * (the acceptance pays 40 days in one payment), up to three carnets.
 */
export const MIN_DAYS = 1;
export const MAX_DAYS = 3 * 31;
/** The commission box of every cycle. */
export const COMMISSION_BOX = 1;

export interface CarnetState {
  /** The current cycle, from 1. */
  cycle: number;
  /** Boxes of the current cycle already paid, 0–31 (31: the carnet is complete). */
  boxesPaid: number;
  /** The current cycle's stake (XOF per box). */
  stake: number;
  /** A stake that applies when the next cycle starts. */
  nextStake?: number | null;
}

export interface Box {
  cycle: number;
  /** 1–31. */
  box: number;
  stake: number;
  /** Box 1: the SFD's commission. */
  commission: boolean;
}

export interface Allocation {
  /** The boxes the payment covers, in order: `days` of them. */
  boxes: Box[];
  /** What the payment costs: the sum of the boxes' stakes. */
  amount: number;
  /** The part that goes to the SFD: the stakes of the box-1s covered. */
  commission: number;
  /** The part credited to the participant: amount − commission. */
  credit: number;
  after: { cycle: number; boxesPaid: number; stake: number };
  /** Cycles whose box 1 this payment pays (a carnet to open), in order. */
  cyclesStarted: number[];
  /** Cycles this payment completes (box 31 paid), in order. */
  carnetsCompleted: number[];
  /** Whether the pending `nextStake` took effect (a cycle started with it). */
  nextStakeApplied: boolean;
}

export class CarnetError extends RangeError {
  override readonly name = 'CarnetError';
}

const isPositiveInt = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) > 0;

function check(state: CarnetState, days: number): void {
  if (!Number.isInteger(days) || days < MIN_DAYS || days > MAX_DAYS) {
    throw new CarnetError(`days must be an integer from ${MIN_DAYS} to ${MAX_DAYS}: ${days}`);
  }
  if (!isPositiveInt(state.cycle)) throw new CarnetError(`cycle must be a positive integer: ${state.cycle}`);
  if (!Number.isInteger(state.boxesPaid) || state.boxesPaid < 0 || state.boxesPaid > BOXES_PER_CARNET) {
    throw new CarnetError(`boxesPaid must be an integer from 0 to ${BOXES_PER_CARNET}: ${state.boxesPaid}`);
  }
  if (!isPositiveInt(state.stake)) throw new CarnetError(`stake must be a positive integer: ${state.stake}`);
  if (state.nextStake !== undefined && state.nextStake !== null && !isPositiveInt(state.nextStake)) {
    throw new CarnetError(`nextStake must be a positive integer: ${state.nextStake}`);
  }
}

/**
 * The boxes `days` more days cover from `state`, and what they cost. A cycle with no box paid yet (a
 * new participant's cycle 1) has not started: its first box starts it, with the pending stake if any.
 */
export function allocate(state: CarnetState, days: number): Allocation {
  check(state, days);
  let { cycle, boxesPaid, stake } = state;
  let pending = state.nextStake ?? null;
  const boxes: Box[] = [];
  const cyclesStarted: number[] = [];
  const carnetsCompleted: number[] = [];
  let nextStakeApplied = false;
  let amount = 0;
  let commission = 0;

  for (let i = 0; i < days; i++) {
    if (boxesPaid === BOXES_PER_CARNET) {
      cycle += 1;
      boxesPaid = 0;
    }
    if (boxesPaid === 0) {
      // A cycle starts here: the pending stake, if any, becomes its stake.
      if (pending !== null) {
        stake = pending;
        pending = null;
        nextStakeApplied = true;
      }
      cyclesStarted.push(cycle);
    }
    boxesPaid += 1;
    const isCommission = boxesPaid === COMMISSION_BOX;
    boxes.push({ cycle, box: boxesPaid, stake, commission: isCommission });
    amount += stake;
    if (isCommission) commission += stake;
    if (boxesPaid === BOXES_PER_CARNET) carnetsCompleted.push(cycle);
  }

  return {
    boxes,
    amount,
    commission,
    credit: amount - commission,
    after: { cycle, boxesPaid, stake },
    cyclesStarted,
    carnetsCompleted,
    nextStakeApplied,
  };
}

/** A participant who never paid: cycle 1, nothing paid, at their stake. */
export function freshState(stake: number, nextStake?: number | null): CarnetState {
  return { cycle: 1, boxesPaid: 0, stake, nextStake: nextStake ?? null };
}
