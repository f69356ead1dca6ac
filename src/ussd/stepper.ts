import { createActor, type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { InputEvent, MenuInput } from '../../menus';

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
  /** The snapshot of a persisted frame; null if it has live children (only an actor can run those). */
  restore(persisted: unknown): AnyMachineSnapshot | null;
  /** The next snapshot, or null if reaching it runs something. */
  transition(snap: AnyMachineSnapshot, event: InputEvent): AnyMachineSnapshot | null;
  /** The initial snapshot, or null if entering it runs something. */
  initial(input: MenuInput): AnyMachineSnapshot | null;
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
  const pure = (snap: AnyMachineSnapshot) =>
    runs === 0 && snap.status !== 'error' && !snap.hasTag('busy') ? snap : null;
  return {
    restore(persisted) {
      const children = (persisted as { children?: Record<string, unknown> }).children;
      for (const _ in children) return null;
      return machine.restoreSnapshot!(persisted as never, scope) as AnyMachineSnapshot;
    },
    transition(snap, event) {
      runs = 0;
      return pure(machine.transition(snap, event, scope));
    },
    initial(input) {
      runs = 0;
      return pure(machine.getInitialSnapshot(scope, input));
    },
  };
}
