import { Agent } from 'node:http';
import { runInThisContext } from 'node:vm';
import fc from 'fast-check';
import { post as postForm, type UssdAnswer } from '../../../src/cli/bench-process';
import { isGsm7 } from '../../../src/ussd/gsm7';
import { embedded, startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser } from '../../helpers/factories';

/**
 * Whatever a phone, a network or a confused operator sends, POST /ussd answers what Africa's Talking
 * can relay: HTTP 200, text/plain, `CON …` or `END …` with a non-empty GSM-7 screen of at most 182
 * characters. Thousands of random hops over random sessions (seeded, so a failure replays), sent over
 * HTTP with a few sessions in parallel; no hop may end in a 5xx or leave an unhandled rejection behind.
 */
const SEED = 20_240_611;
const MIN_HOPS = 5_000;
const PARALLEL = 8;
const SCREEN_LIMIT = 182;

jest.setTimeout(120_000);

type Action =
  | { kind: 'script' } // the next step of the plan's script: keeps the session inside the flows
  | { kind: 'input'; value: string } // the client types something: text grows by `*value`
  | { kind: 'repeat' } // the operator sends the same hop again
  | { kind: 'newSession' } // a brand-new sessionId for the same phone, text ''
  | { kind: 'rewrite'; text: string }; // a text that does not extend the previous one

type Caller = 'client' | 'staff' | 'unknown';

interface Plan {
  caller: Caller;
  pick: number;
  script: number;
  actions: Action[];
}

/**
 * Sensible walks through the menus (registration, account, first PIN, resume prompt). A plan follows
 * one, with random inputs, repeats and rewrites mixed in, so that the fuzz reaches the deep screens
 * instead of ending on "too many invalid entries" at the first menu.
 */
const SCRIPTS: string[][] = [
  ['1', 'Dossou', 'Afi', '1', '1', '5820', '5820'],
  ['9', '1', 'Hounkpè', 'Zoé Ève', '2', 'AB-12345', '5820', '5820'],
  ['1', "N'Dri", 'Jean-Marc', '1', '1', '1234', '5820', '5821', '5820', '5820'],
  ['1', 'Ã©lodie Œuvre', 'Ælfrida Þórunn', '1', '1', '5820', '5820'],
  ['6', '4', '0', '1', '2'],
  ['6', '4', '98', '0', '00', '6', '1', '1'],
  ['6', '2', '4827', '5820', '5820'],
  ['6', '2', '0000', '1111', '9999', '4827'],
  ['6', '3', '123456', '000000'],
  ['1'],
  ['5820', '5820', '6', '4'],
  ['1111', '5820', '5821', '5820', '5820'],
  ['2', '6', '1'],
];

const chars = (s: string) => fc.constantFrom(...s);
const ASCII = '0123456789*#abcxyzABCXYZ -\'.,;:!?@/+=_%&()"';
const ACCENTED = 'éèêëàâäçùûüôöîïœæÉÈÊÀÂÇÙÛÔÎŒÆñÑßÿŸ';
const ODD = '€£¥¤§¿¡~^{}[]\\|`«»“”’‘–—…\u00a0\u202f\u200b\u00ad\t\r\n\u0301ﬁＡ😀漢字ДжÅΩ';

const menuKey = fc.constantFrom('1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '00', '98', '99', '');
const pin = fc.oneof(fc.constantFrom('4827', '5820', '1234', '1111', '0000'), fc.stringMatching(/^\d{4}$/));
const name = fc.constantFrom('Dossou', 'Afi', 'Kossi', 'Hounkpè', 'Zoé', "N'Dri", 'Jean-Marc', 'Ã©lodie');

/** What a client may type: mostly menu choices (to get deep into the flows), and garbage. */
const input: fc.Arbitrary<string> = fc.oneof(
  { weight: 30, arbitrary: menuKey },
  { weight: 8, arbitrary: pin },
  { weight: 6, arbitrary: name },
  { weight: 2, arbitrary: fc.stringMatching(/^\d{6}$/) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Z0-9]{5,12}$/) },
  { weight: 6, arbitrary: fc.string({ unit: chars('0123456789'), maxLength: 12 }) },
  { weight: 8, arbitrary: fc.string({ unit: chars(ASCII), maxLength: 24 }) },
  { weight: 6, arbitrary: fc.string({ unit: chars(`${ACCENTED}abc `), minLength: 1, maxLength: 40 }) },
  { weight: 4, arbitrary: fc.string({ unit: chars(ASCII + ACCENTED + ODD), maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 2,
    arbitrary: fc.string({ unit: chars(ASCII + ACCENTED + ODD), minLength: 100, maxLength: 300 }),
  },
);

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 50, arbitrary: fc.constant<Action>({ kind: 'script' }) },
  { weight: 30, arbitrary: input.map((value): Action => ({ kind: 'input', value })) },
  { weight: 7, arbitrary: fc.constant<Action>({ kind: 'repeat' }) },
  { weight: 5, arbitrary: fc.constant<Action>({ kind: 'newSession' }) },
  {
    weight: 8,
    arbitrary: fc
      .oneof(fc.constantFrom('', '0', '00', '98', '6*4', '1*Dossou'), input)
      .map((text): Action => ({ kind: 'rewrite', text })),
  },
);

const plan: fc.Arbitrary<Plan> = fc.record({
  caller: fc.constantFrom<Caller>('client', 'client', 'client', 'staff', 'unknown', 'unknown'),
  pick: fc.nat(),
  script: fc.nat({ max: SCRIPTS.length - 1 }),
  actions: fc.array(action, { minLength: 1, maxLength: 18 }),
});

/** Seeded: the same sessions every run, enough of them for MIN_HOPS hops. */
function plans(): Plan[] {
  const out: Plan[] = [];
  let hops = 0;
  for (const p of fc.sample(plan, { seed: SEED, numRuns: 2_000 })) {
    out.push(p);
    hops += 1 + p.actions.length;
    if (hops >= MIN_HOPS) return out;
  }
  throw new Error(`the generator produced only ${hops} hops`);
}

interface Failure {
  why: string;
  phone: string;
  text: string;
  answer: UssdAnswer | string;
}

/**
 * The Node process itself: jest gives each test file a copy of `process` whose listeners Node never
 * calls, so a listener for unhandled rejections goes on the real one (the main context's global).
 */
const realProcess = runInThisContext('process') as NodeJS.Process;

describe('POST /ussd under random input', () => {
  let t: TestApp;
  let agent: Agent;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  const phones: Record<Caller, string[]> = { client: [], staff: [], unknown: [] };

  beforeAll(async () => {
    realProcess.on('unhandledRejection', onRejection);
    t = await startTestApp();
    agent = new Agent({ keepAlive: true, maxSockets: PARALLEL });
    const sfd = await makeSfd(t);
    await makeSfd(t);
    for (let i = 0; i < 6; i++) phones.client.push((await makeUser(t, 'client', sfd)).phone);
    phones.client.push((await makeUser(t, 'client', sfd, { language: 'en' })).phone);
    phones.client.push((await makeUser(t, 'client', sfd, { pinHash: null })).phone); // first PIN to choose
    phones.client.push((await makeUser(t, 'client', sfd, { status: 'suspended' })).phone);
    // A client's number as a national number: it must reach the same client.
    phones.client.push(phones.client[0].replace(/^\+229/, ''));
    for (const role of ['agent_sfd', 'superviseur_sfd', 'admin_sfd'] as const) {
      phones.staff.push((await makeUser(t, role, sfd)).phone);
    }
    phones.staff.push((await makeUser(t, 'admin_plateforme', null)).phone);
    phones.unknown.push(
      '+2290166000001',
      '+2290166000002',
      '+2290151234567',
      '0161234567',
      '+2250701234567', // valid elsewhere
      '+22997123456', // retired 8-digit plan: does not normalize
      '12345',
      'not-a-phone',
    );
  });

  afterAll(async () => {
    agent?.destroy();
    await t?.close();
    realProcess.off('unhandledRejection', onRejection);
  });

  function post(sessionId: string, phoneNumber: string, text: string): Promise<UssdAnswer> {
    const { port } = t.server.address() as { port: number };
    const body = new URLSearchParams({
      sessionId,
      serviceCode: '*123#',
      phoneNumber,
      networkCode: '61603',
      text,
    }).toString();
    return postForm(port, body, { agent, timeoutMs: 10_000 });
  }

  /** Everything Africa's Talking needs from one answer; null when it is fine. */
  function problem(a: UssdAnswer): string | null {
    if (a.status !== 200) return `HTTP ${a.status}`;
    if (!/^text\/plain\b/.test(a.type)) return `content-type ${a.type}`;
    if (!a.body.startsWith('CON ') && !a.body.startsWith('END ')) return 'neither CON nor END';
    const screen = a.body.slice(4);
    if (screen.trim() === '') return 'empty screen';
    if (screen.length > SCREEN_LIMIT) return `screen of ${screen.length} characters`;
    if (!isGsm7(screen)) return 'not GSM-7';
    return null;
  }

  it(`answers ${MIN_HOPS}+ random hops with a valid CON/END screen`, async () => {
    const sessions = plans();
    const failures: Failure[] = [];
    const tally = { hops: 0, con: 0, end: 0, sessions: 0 };
    let next = 0;

    const run = async (p: Plan, n: number) => {
      const list = phones[p.caller];
      const phone = list[p.pick % list.length];
      let sid = 0;
      let sessionId = `ATUid_fuzz_${SEED}_${n}_${sid}`;
      const script = [...SCRIPTS[p.script]];
      let inputs: string[] = [];
      let text = '';
      const hop = async () => {
        tally.hops += 1;
        let answer: UssdAnswer;
        try {
          answer = await post(sessionId, phone, text);
        } catch (err) {
          failures.push({ why: 'request failed', phone, text, answer: String(err) });
          return;
        }
        const why = problem(answer);
        if (why) failures.push({ why, phone, text, answer });
        else if (answer.body.startsWith('CON ')) tally.con += 1;
        else tally.end += 1;
      };
      tally.sessions += 1;
      await hop(); // dial: text ''
      for (const a of p.actions) {
        if (a.kind === 'script') inputs.push(script.shift() ?? '0');
        else if (a.kind === 'input') inputs.push(a.value);
        else if (a.kind === 'rewrite') inputs = [a.text];
        else if (a.kind === 'newSession') {
          sid += 1;
          sessionId = `ATUid_fuzz_${SEED}_${n}_${sid}`;
          inputs = [];
        }
        text = inputs.join('*'); // as Africa's Talking builds it
        await hop();
      }
    };

    const worker = async () => {
      while (next < sessions.length) {
        const n = next++;
        await run(sessions[n], n);
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    // Let any stray promise of the last hops settle before looking for unhandled rejections.
    await new Promise((resolve) => setTimeout(resolve, 200));

    console.log(
      `ussd fuzz (${embedded ? 'SQLite + memory' : 'MySQL + Redis'}): ${tally.hops} hops in ` +
        `${tally.sessions} sessions, ${tally.con} CON / ${tally.end} END, ${Date.now() - started} ms`,
    );
    expect(tally.hops).toBeGreaterThanOrEqual(MIN_HOPS);
    expect(failures.slice(0, 10)).toEqual([]);
    expect(failures).toHaveLength(0);
    expect(rejections).toEqual([]);
    // The fuzz got past the first screens: some sessions ended, most hops continued.
    expect(tally.con).toBeGreaterThan(tally.hops / 2);
    expect(tally.end).toBeGreaterThan(0);
  });
});
