import type { AnyStateMachine } from 'xstate';
import { accountMenu, ACCOUNT_VERSION } from './account';
import { mainMenu, MAIN_VERSION } from './main';
import { registrationMenu, REGISTRATION_VERSION } from './registration';
import { setPinMenu, SET_PIN_VERSION } from './set-pin';
import type { FlowName, MenuServices } from './types';

export * from './types';

/**
 * Every menu machine, built once at boot with the server's menu key (it keys PIN drafts and, derived,
 * seals the ID number a registration keeps) and the domain services.
 * The version of each flow is stored with its snapshots: a snapshot of another version is dropped
 * (the client lands on the main menu) rather than restored into a machine it does not fit.
 */
export interface Flow {
  machine: AnyStateMachine;
  version: number;
}

export type Flows = Record<FlowName, Flow>;

export function definitions(pinKey: string): Record<FlowName, Flow> {
  return {
    main: { machine: mainMenu, version: MAIN_VERSION },
    registration: { machine: registrationMenu(pinKey), version: REGISTRATION_VERSION },
    account: { machine: accountMenu(pinKey), version: ACCOUNT_VERSION },
    setPin: { machine: setPinMenu(pinKey), version: SET_PIN_VERSION },
  };
}

/** The machines with their invoked actors implemented: what the engine runs. */
export function buildFlows(pinKey: string, services: MenuServices): Flows {
  const actors = Object.fromEntries(
    Object.entries(services).map(([name, fn]) => [
      name,
      promiseActor(fn as (input: never) => Promise<unknown>),
    ]),
  );
  const defs = definitions(pinKey);
  return Object.fromEntries(
    Object.entries(defs).map(([name, flow]) => [
      name,
      { ...flow, machine: flow.machine.provide({ actors }) },
    ]),
  ) as Flows;
}

import { fromPromise } from 'xstate';
function promiseActor(fn: (input: never) => Promise<unknown>) {
  return fromPromise(({ input }: { input: unknown }) => fn(input as never));
}
