import { hash } from 'node:crypto';
import { createActor, type AnyMachineSnapshot, type AnyStateNode, type EventObject } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { buildFlows, idNumberKey, type FlowName, type MenuInput, type MenuServices } from '../../../menus';
import { decrypt } from '../../../src/infra/crypto';
import { persistedSnapshot, pureStepper } from '../../../src/ussd/stepper';
import {
  parseResumePoint,
  SESSION_FORMAT,
  textMacWith,
  type Frame,
  type SessionRecord,
} from '../../../src/ussd/session';

/**
 * The engine steps most hops without an actor (restore, transition, persist in one shared inert scope)
 * and keeps the actor for the hops that run something. Both paths must land on the same snapshot: every
 * state of every menu, every input, compared with what an actor does from the same persisted snapshot.
 */
const KEY = 'a-32-character-test-key-for-pins';
const never = () => new Promise<never>(() => undefined); // an invoked service that would still be running
const services = Object.fromEntries(
  [
    'listSfds',
    'registerClient',
    'verifyPin',
    'setPin',
    'sendResetCode',
    'verifyResetCode',
    'setLanguage',
    'loadProfile',
    'listTontines',
    'submitAdhesion',
    'listParticipations',
    'quoteContribution',
    'startContribution',
    'loadBalances',
    'findDisputableReceipt',
    'openDispute',
    'requestWithdrawal',
    'feeDue',
    'listFeesDue',
    'startFeePayment',
    'loadSavings',
    'requestSavingsOpening',
    'startSavingsFee',
    'loadSavingsFigures',
    'startSavingsDeposit',
    'requestSavingsWithdrawal',
    'savingsMiniStatement',
    'loadSavingsLine',
    'loadLoans',
    'quoteLoan',
    'submitLoanApplication',
    'loadLoanDue',
    'startLoanRepayment',
    'loadLoanLine',
  ].map((name) => [name, never]),
) as unknown as MenuServices;
const flows = buildFlows(KEY, services);
const NAMES = Object.keys(flows) as FlowName[];
const INPUTS = [
  '',
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '9',
  '98',
  'Houngbo',
  'CI0042871',
  '5820',
  '1111',
  '482913',
  'k7m2qx',
];

const inputOf = (name: FlowName): MenuInput => ({
  phone: '+2290197000001',
  lang: 'fr',
  userId: name === 'registration' ? null : 7,
});

/** What the invoked services answer in the traversal (as done events: nothing runs in it). */
const OUTCOMES: Record<string, unknown[]> = {
  listSfds: [[{ id: 1, label: 'Caisse' }], []],
  registerClient: [{ userId: 42, firstName: 'Awa' }],
  verifyPin: ['ok', 'wrong', 'locked'],
  setPin: [undefined],
  sendResetCode: [undefined],
  verifyResetCode: ['ok', 'wrong', 'expired'],
  setLanguage: ['fr', 'en'],
  loadProfile: [{ firstName: 'Awa', lastName: 'Houngbo', sfdName: 'Caisse', kyc: 'pending' }],
  listTontines: [
    [
      { id: 1, name: 'Marche', stakeMin: 200, stakeMax: 5000, joiningFee: 1000 },
      { id: 2, name: 'Port', stakeMin: 1000, stakeMax: 2000, joiningFee: 0 },
    ],
    [],
  ],
  submitAdhesion: ['sent', 'already', 'closed'],
  listParticipations: [
    [
      { participantId: 1, name: 'Marche', stake: 500 },
      { participantId: 2, name: 'Port', stake: 1000 },
    ],
    [{ participantId: 1, name: 'Marche', stake: 500 }],
    [],
  ],
  quoteContribution: [
    { amount: 1500, commission: 500, cycle: 1, boxesPaid: 3 },
    { amount: 1500, commission: 0, cycle: 1, boxesPaid: 6 },
  ],
  startContribution: [undefined],
  loadBalances: [
    [
      {
        label: 'Marche: 1 000 FCFA, Carnet 1: 3/31',
        participantId: 1,
        name: 'Marche',
        balance: 1000,
        cycle: 1,
        boxesPaid: 3,
        available: 1000,
        minWithdrawal: 5,
      },
    ],
    [],
  ],
  requestWithdrawal: ['sent', 'insufficient'],
  feeDue: [true, false],
  listFeesDue: [
    [
      { adhesionId: 1, name: 'Marche', fee: 1000 },
      { adhesionId: 2, name: 'Port', fee: 500 },
    ],
    [],
  ],
  startFeePayment: ['started', 'pending'],
  findDisputableReceipt: [
    {
      outcome: 'found',
      receipt: { code: 'K7M2QX', amount: 1500, date: '03/12/2026 09:15', agent: 'Kofi Agbo' },
    },
    { outcome: 'unknown' },
  ],
  openDispute: ['opened', 'already'],
  loadSavings: (['none', 'validee_agent', 'actif', 'rejete'] as const).map((status) => ({
    status,
    accountNumber: 'CSC-0000012-3',
    fee: 1000,
    reason: status === 'rejete' ? 'Photo floue' : null,
  })),
  requestSavingsOpening: ['sent', 'already'],
  startSavingsFee: ['started', 'pending'],
  loadSavingsFigures: [
    { accountNumber: 'CSC-0000012-3', balance: 8000, held: 1000, available: 7000 },
    { accountNumber: 'CSC-0000012-3', balance: 8000, held: 0, available: 8000 },
  ],
  startSavingsDeposit: ['started'],
  requestSavingsWithdrawal: ['sent', 'insufficient'],
  savingsMiniStatement: [
    { page: 1, pages: 2, lines: [{ label: '03/12 +5 000 Depot' }] },
    { page: 2, pages: 2, lines: [{ label: '01/12 -500 Retrait' }] },
    { page: 1, pages: 1, lines: [] },
  ],
  loadSavingsLine: ['Epargne CSC-0000012-3: 8 000 FCFA', null],
  loadLoans: [
    { state: 'eligible', request: null },
    { state: 'eligible', request: { status: 'rejete', reason: 'Revenus insuffisants' } },
    { state: 'refused', refusal: 'savings_too_recent', eligibleFrom: '02/03/2027', request: null },
    { state: 'pending', request: { status: 'accorde' } },
    { state: 'repaying', request: { status: 'en_remboursement' } },
  ].map((over) => ({
    refusal: null,
    eligibleFrom: '',
    minAmount: 10_000,
    maxAmount: 500_000,
    ...over,
    request: over.request && {
      ref: '12',
      amount: 100_000,
      months: 12,
      instalment: 8885,
      reason: null,
      ...over.request,
    },
  })),
  quoteLoan: [8885],
  submitLoanApplication: [{ outcome: 'sent', ref: '12' }, { outcome: 'amount_over_limit' }],
  loadLoanDue: [
    {
      months: 12,
      next: { n: 2, dueDate: '03/02/2027', total: 8885, penalty: 120 },
      overdue: 8885,
      dueNow: 8885,
      payoff: 91_000,
    },
    {
      months: 12,
      next: { n: 2, dueDate: '03/02/2027', total: 8885, penalty: 0 },
      overdue: 0,
      dueNow: 8885,
      payoff: 91_000,
    },
    { months: 12, next: null, overdue: 0, dueNow: 0, payoff: 0 },
  ],
  startLoanRepayment: ['started', 'pending'],
  loadLoanLine: ['Pret: reste 97 000 FCFA, proch. echeance 03/02', null],
};

function eventsFor(snap: AnyMachineSnapshot): EventObject[] {
  const events = INPUTS.map((value): EventObject => ({ type: 'INPUT', value }) as EventObject);
  for (const { id, src } of snap._nodes.flatMap((node) => node.invoke)) {
    for (const output of OUTCOMES[String(src)] ?? []) {
      events.push({ type: `xstate.done.actor.${id}`, output } as EventObject);
    }
  }
  return events;
}

/** Persisted snapshots of every screen (state, context) each machine reaches. */
function reachedPersisted(name: FlowName): unknown[] {
  const { machine } = flows[name];
  const paths = getShortestPaths(machine, { input: inputOf(name), events: eventsFor });
  return paths
    .map((p) => p.state as AnyMachineSnapshot)
    .filter((s) => s.status === 'active' && !s.hasTag('busy'))
    .map((s) => JSON.parse(JSON.stringify(machine.getPersistedSnapshot(s))) as unknown);
}

const json = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
/**
 * `json`, with each sealed value (an ID number: a fresh nonce each time it is sealed) opened: two paths
 * that seal the same input agree on what they sealed, not on the ciphertext.
 */
const opened = (x: unknown) =>
  JSON.parse(JSON.stringify(x), (_, v: unknown) =>
    typeof v === 'string' && v.startsWith('v1.') ? { opened: decrypt(v, idNumberKey(KEY)) } : v,
  ) as unknown;

/** The stored frame of a persisted snapshot, through JSON as the store keeps it. */
const frameOf = (name: FlowName, persisted: unknown): Frame => {
  const { value, context } = persisted as { value: string; context: Record<string, unknown> };
  return json({ flow: name, v: flows[name].version, state: value, ctx: context }) as Frame;
};

describe.each(NAMES)('flow %s: pure steps and actor steps agree', (name) => {
  const { machine } = flows[name];
  const stepper = pureStepper(machine);

  it('starts in the same state, or leaves to the actor a first state that loads something', () => {
    const snap = stepper.initial(inputOf(name));
    const actor = createActor(machine, { input: inputOf(name) }).start();
    try {
      const loads = actor.getSnapshot().hasTag('busy'); // the main menu, the fee flow
      expect(snap === null).toBe(loads);
      if (loads) return;
      expect(json(machine.getPersistedSnapshot(snap!))).toEqual(json(actor.getPersistedSnapshot()));
    } finally {
      actor.stop();
    }
  });

  it('lands where an actor lands, for every reached state and input', () => {
    const persisted = reachedPersisted(name);
    const screens = (Object.values(machine.root.states) as AnyStateNode[])
      .filter((node) => node.type !== 'final' && node.invoke.length === 0)
      .map((node) => node.key);
    const reached = new Set(persisted.map((p) => (p as { value: string }).value));
    expect([...reached].sort()).toEqual(screens.sort());
    let pure = 0;
    let busy = 0;
    for (const snap of persisted) {
      for (const value of INPUTS) {
        const before = stepper.restore(frameOf(name, snap));
        const next = stepper.transition(before, { type: 'INPUT', value });

        const actor = createActor(machine, { snapshot: json(snap) as never }).start();
        try {
          const start = actor.getSnapshot();
          actor.send({ type: 'INPUT', value });
          const after = actor.getSnapshot();
          expect(before.value).toEqual(start.value);
          if (next === null) {
            // Left to the actor: only where a service runs.
            busy += 1;
            expect(after.hasTag('busy')).toBe(true);
            continue;
          }
          pure += 1;
          // An invalid input leaves the very same snapshot on both paths.
          expect(next === before).toBe(after === start);
          expect(next.status).toBe(after.status);
          expect(next.value).toEqual(after.value);
          expect(opened(machine.getPersistedSnapshot(next))).toEqual(opened(actor.getPersistedSnapshot()));
        } finally {
          actor.stop();
        }
      }
    }
    expect(pure).toBeGreaterThan(0);
    // Every flow with an invoked service past its first state reaches it from some screen (main's only
    // one is its first state, the fee check).
    const first = machine.root.initial?.target?.[0];
    const nodes = (Object.values(machine.root.states) as AnyStateNode[]).filter((node) => node !== first);
    const invokes = nodes.some((node) => node.invoke.length > 0);
    expect(busy > 0).toBe(invokes);
  });

  it('renders a restored frame as the actor restores it', () => {
    for (const snap of reachedPersisted(name)) {
      const restored = stepper.restore(frameOf(name, snap));
      const actorSnap = createActor(machine, { snapshot: json(snap) as never }).getSnapshot();
      // Everything the actor's restored snapshot holds (state nodes, value, tags, status, children,
      // history, methods): the stepper copies a per-state template.
      expect({ ...restored }).toEqual({ ...actorSnap });
      expect(restored.getMeta()).toEqual(actorSnap.getMeta());
      expect(stepper.meta(restored)).toEqual(Object.values(actorSnap.getMeta()).at(-1) ?? {});
    }
  });

  it('gives each restored frame its own context, children and history', () => {
    const [snap] = reachedPersisted(name);
    const a = stepper.restore({ ...frameOf(name, snap), ctx: { lang: 'fr', tag: 'a' } });
    const b = stepper.restore({ ...frameOf(name, snap), ctx: { lang: 'en', tag: 'b' } });
    expect(a.context).toEqual({ lang: 'fr', tag: 'a' });
    expect(b.context).toEqual({ lang: 'en', tag: 'b' });
    expect(a.children).not.toBe(b.children);
    expect(a.historyValue).not.toBe(b.historyValue);
  });

  it('loses nothing by storing a frame instead of the persisted snapshot', () => {
    // Where a frame is stored nothing runs: no child actor, no history, status active.
    for (const snap of reachedPersisted(name)) {
      expect(json(persistedSnapshot(frameOf(name, snap)))).toEqual(snap);
    }
  });
});

describe('text MAC', () => {
  it('is SHA-256 of the key, a NUL and the text, base64url, 22 characters', () => {
    const mac = textMacWith(KEY);
    for (const text of ['', '6', '6*1*0*2', '1*Houngbo*Awa*1*1*5820*5820', 'Françoise*ÀÉ*☎']) {
      const expected = hash('sha256', `${KEY}\u0000${text}`, 'base64url').slice(0, 22);
      expect(mac(text)).toBe(expected);
    }
    expect(textMacWith(`${KEY}x`)('6')).not.toBe(mac('6'));
    expect(mac('6')).not.toBe(mac('7'));
  });
});

describe('resume point', () => {
  const frame: Frame = { flow: 'account', v: 1, state: 'language', ctx: { lang: 'fr' } };
  const base: SessionRecord = {
    fmt: SESSION_FORMAT,
    phone: '+2290197000001',
    userId: 7,
    lang: 'fr',
    frame,
    back: [{ ...frame, state: 'menu' }],
    textLen: 3,
    textMac: 'abcdefghijklmnopqrstuv',
    reply: 'CON Langue\n1. Francais\n"quoted" \\ back',
    pages: ['a', 'b'],
    page: 1,
    bad: 0,
    hops: 3,
    resumeSaved: true,
  };

  it('is the frame, back stack and language of the record written to the resume key', () => {
    expect(parseResumePoint(JSON.stringify(base))).toEqual({ frame, back: base.back, lang: 'fr' });
  });

  it('is none for a record on the resume prompt (no frame) or of another format', () => {
    const prompting = { ...base, frame: null, resume: { frame, back: [], lang: 'en' as const } };
    expect(parseResumePoint(JSON.stringify(prompting))).toBeNull();
    expect(parseResumePoint(JSON.stringify({ ...base, fmt: SESSION_FORMAT - 1 }))).toBeNull();
    expect(parseResumePoint(null)).toBeNull();
  });

  it('reads the resume points written before whole records were (fmt, frame, back, lang)', () => {
    const older = { fmt: SESSION_FORMAT, frame, back: [], lang: 'en' };
    expect(parseResumePoint(JSON.stringify(older))).toEqual({ frame, back: [], lang: 'en' });
  });
});
