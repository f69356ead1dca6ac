import { randomBytes } from 'node:crypto';
import type { AnyMachineSnapshot } from 'xstate';
import type { FlowName } from '../../menus';
import type { Frame } from './session';
import type { Stepper } from './stepper';

/**
 * Frames this process made, with the snapshots they were made from. A frame is an immutable value with
 * an id unique across processes (a random process prefix and a counter), so the snapshot cached under
 * its id is exactly what restoring the frame would give: the next hop of a session served by this
 * process skips XState's restore (about a tenth of a hop's engine time). A frame made elsewhere, or
 * evicted, is restored as usual. Bounded: the map is emptied when full.
 */
export class FrameSnapshots {
  private readonly prefix = randomBytes(6).toString('base64url');
  private counter = 0;
  private readonly snapshots = new Map<string, AnyMachineSnapshot>();

  constructor(private readonly limit = 10_000) {}

  /** The frame of `snap`, a state of `flow`'s machine. */
  frame(flow: FlowName, v: number, snap: AnyMachineSnapshot): Frame {
    const id = `${this.prefix}${(this.counter++).toString(36)}`;
    this.keep(id, snap);
    return { id, flow, v, state: snap.value, ctx: snap.context as Record<string, unknown> };
  }

  restore(frame: Frame, stepper: Stepper): AnyMachineSnapshot {
    let snap = this.snapshots.get(frame.id);
    if (!snap) {
      snap = stepper.restore(frame);
      this.keep(frame.id, snap);
    }
    return snap;
  }

  private keep(id: string, snap: AnyMachineSnapshot): void {
    if (this.snapshots.size >= this.limit) this.snapshots.clear();
    this.snapshots.set(id, snap);
  }
}
