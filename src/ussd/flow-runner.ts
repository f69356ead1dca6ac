import { createActor, waitFor, type AnyMachineSnapshot } from 'xstate';
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

  start(rec: SessionRecord, flow: FlowName, notice?: string): Outcome {
    const { machine, version } = this.flows[flow];
    const input: MenuInput = { phone: rec.phone, lang: rec.lang, userId: rec.userId };
    let snap = this.steppers[flow].initial(input);
    if (!snap) {
      // The first state runs something (an action): an actor starts it, as it always did.
      const actor = createActor(machine, { input }).start();
      snap = actor.getSnapshot();
      actor.stop();
    }
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
      let snap: AnyMachineSnapshot = actor.getSnapshot();
      if (snap !== start && snap.hasTag('busy')) {
        snap = await waitFor(actor, (s) => !s.hasTag('busy') || s.status !== 'active', {
          timeout: this.hopBudgetMs,
        });
      }
      return this.landed(rec, frame, start, snap);
    } finally {
      actor.stop();
    }
  }

  /** Where the input led: the same state (an invalid input), a new screen, or the end of the flow. */
  private landed(
    rec: SessionRecord,
    frame: Frame,
    before: AnyMachineSnapshot,
    snap: AnyMachineSnapshot,
  ): Outcome {
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
    const meta = this.steppers[frame.flow].meta(snap);
    if (snap.status === 'done') {
      if (meta.goto) return this.start(rec, meta.goto, meta.notice);
      return this.screens.end(rec, meta.end ?? 'common.goodbye', snap.context as Record<string, unknown>);
    }
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
