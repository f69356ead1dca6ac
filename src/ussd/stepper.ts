import { createActor, type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { InputEvent, MenuInput, ScreenMeta } from '../../menus';
import type { Frame } from './session';

/**
 * A machine's steps computed without an actor: what xstate's pure `transition()` does, minus the
 * throwaway actor it builds on every call (its "inert actor scope": a createActor that also computes
 * the machine's initial state, about 13 µs, half the cost of the actor it replaces). Here the scope is
 * built once per machine and only the ActorLogic methods (`restoreSnapshot`, `transition`,
 * `getInitialSnapshot`) run per hop.
 *
 * Nothing is executed in this scope: a step is pure only if nothing asked to run. A step that would
 * start an invoked actor (the `busy` states), run an action, spawn or schedule anything, or that ends in
 * an error status, returns null, and the engine takes its actor path for it, exactly as before. Actors
 * created while computing such a step (an invoke's, never started) are referenced by nothing once the
 * result is dropped.
 */
export interface Stepper {
  /** The snapshot of a stored frame. */
  restore(frame: Frame): AnyMachineSnapshot;
  /** The next snapshot, or null if reaching it runs something. */
  transition(snap: AnyMachineSnapshot, event: InputEvent): AnyMachineSnapshot | null;
  /** The initial snapshot, or null if entering it runs something. */
  initial(input: MenuInput): AnyMachineSnapshot | null;
  /** The meta of the (deepest) active state, computed once per state. */
  meta(snap: AnyMachineSnapshot): ScreenMeta;
}

/**
 * XState's persisted form of a frame. Frames are taken only where nothing runs (the engine waits for
 * invoked actors to settle), so status, children and history are always the same.
 */
export function persistedSnapshot(frame: Pick<Frame, 'state' | 'ctx'>) {
  return { status: 'active', value: frame.state, context: frame.ctx, children: {}, historyValue: {} };
}

export function pureStepper(machine: AnyStateMachine): Stepper {
  let runs = 0;
  const self = createActor(machine, { input: { phone: '', lang: 'fr', userId: null } satisfies MenuInput });
  const scope: AnyActorScope = {
    self,
    id: '',
    sessionId: '',
    system: self.system,
    logger: () => undefined,
    emit: () => undefined,
    stopChild: () => undefined,
    defer: () => {
      runs += 1;
    },
    actionExecutor: (action) => {
      if (action.exec) runs += 1;
    },
  };
  const metas = new Map<string, ScreenMeta>();
  const restored = new Map<string, AnyMachineSnapshot>();
  const pure = (snap: AnyMachineSnapshot) =>
    runs === 0 && snap.status !== 'error' && !snap.hasTag('busy') ? snap : null;
  const restoreSnapshot = (frame: Pick<Frame, 'state' | 'ctx'>) =>
    machine.restoreSnapshot!(persistedSnapshot(frame) as never, scope) as AnyMachineSnapshot;
  return {
    restore(frame) {
      // A snapshot is a plain object whose state part (_nodes, value, tags: ~2 µs to compute, half of it
      // allocation) depends on the state alone: restored once per state, then copied with the frame's
      // context, and fresh children and history (a transition builds new ones, never mutates these).
      if (typeof frame.state !== 'string') return restoreSnapshot(frame);
      let template = restored.get(frame.state);
      if (!template) restored.set(frame.state, (template = restoreSnapshot({ state: frame.state, ctx: {} })));
      return { ...template, context: frame.ctx, children: {}, historyValue: {} };
    },
    transition(snap, event) {
      runs = 0;
      return pure(machine.transition(snap, event, scope));
    },
    initial(input) {
      runs = 0;
      return pure(machine.getInitialSnapshot(scope, input));
    },
    meta(snap) {
      // Menus are flat: a state value is a string, a key for its meta (a nested value is computed).
      if (typeof snap.value !== 'string') return deepestMeta(snap);
      let meta = metas.get(snap.value);
      if (!meta) metas.set(snap.value, (meta = deepestMeta(snap)));
      return meta;
    },
  };
}

function deepestMeta(snap: AnyMachineSnapshot): ScreenMeta {
  const metas = Object.values(snap.getMeta()) as ScreenMeta[];
  return metas[metas.length - 1] ?? {};
}
