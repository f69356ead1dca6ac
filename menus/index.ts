import type { AnyStateMachine } from 'xstate';
import { accountMenu, ACCOUNT_VERSION } from './account';
import { loansMenu, LOANS_VERSION } from './loans';
import { mainMenu, MAIN_VERSION } from './main';
import { registrationMenu, REGISTRATION_VERSION } from './registration';
import { savingsMenu, SAVINGS_VERSION } from './savings';
import { setPinMenu, SET_PIN_VERSION } from './set-pin';
import { tontineBalancesMenu, TONTINE_BALANCES_VERSION } from './tontine-balances';
import { tontineContributeMenu, TONTINE_CONTRIBUTE_VERSION } from './tontine-contribute';
import { tontineDisputeMenu, TONTINE_DISPUTE_VERSION } from './tontine-dispute';
import { tontineFeeMenu, TONTINE_FEE_VERSION } from './tontine-fee';
import { tontineJoinMenu, TONTINE_JOIN_VERSION } from './tontine-join';
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

/** A flow's machine, built with the server's menu key. Each module contributes its own (contract.ts). */
export type FlowDefinition = (pinKey: string) => Flow;

export const mainFlow: FlowDefinition = () => ({ machine: mainMenu, version: MAIN_VERSION });
export const registrationFlow: FlowDefinition = (pinKey) => ({
  machine: registrationMenu(pinKey),
  version: REGISTRATION_VERSION,
});
export const accountFlow: FlowDefinition = (pinKey) => ({
  machine: accountMenu(pinKey),
  version: ACCOUNT_VERSION,
});
export const setPinFlow: FlowDefinition = (pinKey) => ({
  machine: setPinMenu(pinKey),
  version: SET_PIN_VERSION,
});
export const tontineJoinFlow: FlowDefinition = () => ({
  machine: tontineJoinMenu(),
  version: TONTINE_JOIN_VERSION,
});
export const tontineContributeFlow: FlowDefinition = () => ({
  machine: tontineContributeMenu(),
  version: TONTINE_CONTRIBUTE_VERSION,
});
export const tontineBalancesFlow: FlowDefinition = () => ({
  machine: tontineBalancesMenu(),
  version: TONTINE_BALANCES_VERSION,
});
export const tontineDisputeFlow: FlowDefinition = () => ({
  machine: tontineDisputeMenu(),
  version: TONTINE_DISPUTE_VERSION,
});
export const tontineFeeFlow: FlowDefinition = () => ({
  machine: tontineFeeMenu(),
  version: TONTINE_FEE_VERSION,
});

export const savingsFlow: FlowDefinition = () => ({
  machine: savingsMenu(),
  version: SAVINGS_VERSION,
});

export const loansFlow: FlowDefinition = () => ({
  machine: loansMenu(),
  version: LOANS_VERSION,
});

/** Every flow of this folder: the catalogue the graph and the menu tests walk. */
export const FLOW_DEFINITIONS: Record<FlowName, FlowDefinition> = {
  main: mainFlow,
  registration: registrationFlow,
  account: accountFlow,
  setPin: setPinFlow,
  tontineJoin: tontineJoinFlow,
  tontineContribute: tontineContributeFlow,
  tontineBalances: tontineBalancesFlow,
  tontineFee: tontineFeeFlow,
  tontineDispute: tontineDisputeFlow,
  savings: savingsFlow,
  loans: loansFlow,
};

export function definitions(
  pinKey: string,
  defs: Partial<Record<FlowName, FlowDefinition>> = FLOW_DEFINITIONS,
) {
  const flows = Object.fromEntries(Object.entries(defs).map(([name, define]) => [name, define(pinKey)]));
  const missing = (Object.keys(FLOW_DEFINITIONS) as FlowName[]).filter((name) => !flows[name]);
  if (missing.length > 0) throw new Error(`no module contributes the USSD flows ${missing.join(', ')}`);
  return flows as Record<FlowName, Flow>;
}

/** The machines with their invoked actors implemented: what the engine runs. */
export function buildFlows(
  pinKey: string,
  services: MenuServices,
  defs: Partial<Record<FlowName, FlowDefinition>> = FLOW_DEFINITIONS,
): Flows {
  const actors = Object.fromEntries(
    Object.entries(services).map(([name, fn]) => [
      name,
      promiseActor(fn as (input: never) => Promise<unknown>),
    ]),
  );
  return Object.fromEntries(
    Object.entries(definitions(pinKey, defs)).map(([name, flow]) => [
      name,
      { ...flow, machine: flow.machine.provide({ actors }) },
    ]),
  ) as Flows;
}

import { fromPromise } from 'xstate';
function promiseActor(fn: (input: never) => Promise<unknown>) {
  return fromPromise(({ input }: { input: unknown }) => fn(input as never));
}
