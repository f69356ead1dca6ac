import { createActor, waitFor, type AnyActorRef, type AnyMachineSnapshot } from 'xstate';
import type { FlowName, Flows, InputEvent, MenuInput } from '../../menus';
import type { Outcome, Screens } from './screens';
import { MAX_BACK, type Frame, type SessionRecord } from './session';
import { persistedSnapshot, type Stepper } from './stepper';

/**
 * A session's menu machine moved on: a flow entered at its first state, or one input fed to the current
 * state, and the screen where that lands. Built once at boot with the engine, over its steppers.
 */
export class FlowRunner {
  constructor(
    private readonly flows: Flows,
    private readonly steppers: Record<FlowName, Stepper>,
    private readonly screens: Screens,
    private readonly hopBudgetMs: number,
  ) {}

  /**
   * Enters `flow` at its first state. A first state that loads something (a `busy` state: the main
   * menu asks whether a joining fee awaits the caller, the fee flow loads what is due) is run on an
   * actor and waited for, within the hop budget, like an input's services; where it settles is shown
   * (a screen, an END, or the next flow).
   */
  async start(rec: SessionRecord, flow: FlowName, notice?: string): Promise<Outcome> {
    const { machine, version } = this.flows[flow];
    const input: MenuInput = { phone: rec.phone, lang: rec.lang, userId: rec.userId };
    let snap = this.steppers[flow].initial(input);
    if (!snap) {
      // The first state runs something (an action, an invoked service): an actor starts it.
      const actor = createActor(machine, { input }).start();
      try {
        snap = await this.settle(actor, actor.getSnapshot());
      } finally {
        actor.stop();
      }
    }
    if (snap.status === 'error') throw snap.error;
    if (snap.status === 'done') return this.finished(rec, flow, snap);
    rec.frame = frameOf(flow, version, snap);
    return this.screens.renderState(rec, snap, notice);
  }

  /** Feeds one input to the current machine (of the flow's current version) and renders where it lands. */
  async send(rec: SessionRecord, frame: Frame, value: string): Promise<Outcome> {
    const event: InputEvent = { type: 'INPUT', value };
    // Most hops only move from one screen to the next: computed without an actor. A hop that lands
    // where something must run (an invoked service, an action) is sent to an actor instead.
    const stepper = this.steppers[frame.flow];
    const before = stepper.restore(frame);
    const next = stepper.transition(before, event);
    if (next) return this.landed(rec, frame, before, next);
    const actor = createActor(this.flows[frame.flow].machine, {
      snapshot: persistedSnapshot(frame) as never,
    }).start();
    try {
      const start = actor.getSnapshot();
      actor.send(event);
      const snap: AnyMachineSnapshot = actor.getSnapshot();
      return await this.landed(rec, frame, start, snap === start ? snap : await this.settle(actor, snap));
    } finally {
      actor.stop();
    }
  }

  /** The actor's snapshot once no invoked service runs (bounded by the hop budget). */
  private async settle(actor: AnyActorRef, snap: AnyMachineSnapshot): Promise<AnyMachineSnapshot> {
    if (!snap.hasTag('busy')) return snap;
    return (await waitFor(actor, (s: AnyMachineSnapshot) => !s.hasTag('busy') || s.status !== 'active', {
      timeout: this.hopBudgetMs,
    })) as AnyMachineSnapshot;
  }

  /** A flow that ended: the next flow it names, or its END screen. */
  private finished(rec: SessionRecord, flow: FlowName, snap: AnyMachineSnapshot): Promise<Outcome> | Outcome {
    const meta = this.steppers[flow].meta(snap);
    if (meta.goto) return this.start(rec, meta.goto, meta.notice);
    return this.screens.end(rec, meta.end ?? 'common.goodbye', snap.context as Record<string, unknown>);
  }

  /** Where the input led: the same state (an invalid input), a new screen, or the end of the flow. */
  private landed(
    rec: SessionRecord,
    frame: Frame,
    before: AnyMachineSnapshot,
    snap: AnyMachineSnapshot,
  ): Promise<Outcome> | Outcome {
    if (snap === before) {
      const key = this.steppers[frame.flow].meta(before).invalid ?? 'common.invalid'; // what this screen refused
      return this.screens.invalid(rec, before, key);
    }
    if (snap.status === 'error') throw snap.error;
    rec.bad = 0;
    if (!sameStateValue(snap.value, before.value) || snap.status === 'done') {
      rec.back.push(frame);
      if (rec.back.length > MAX_BACK) rec.back.shift();
    }
    rec.lang = (snap.context as MenuInput).lang;
    if (snap.status === 'done') return this.finished(rec, frame.flow, snap);
    rec.frame = frameOf(frame.flow, frame.v, snap);
    return this.screens.renderState(rec, snap);
  }
}

function frameOf(flow: FlowName, v: number, snap: AnyMachineSnapshot): Frame {
  return { flow, v, state: snap.value, ctx: snap.context as Record<string, unknown> };
}

/** Menus are flat: a state value is a string, compared as such (a nested value, as JSON). */
function sameStateValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}
