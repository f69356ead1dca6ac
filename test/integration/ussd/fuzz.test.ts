import { Agent } from 'node:http';
import { runInThisContext } from 'node:vm';
import fc from 'fast-check';
import { In } from 'typeorm';
import { User } from '../../../src/accounts/entities';
import { post as postForm, type UssdAnswer } from '../../../src/cli/bench-process';
import { SmsOutboxEntry } from '../../../src/notifications/entities';
import { isGsm7 } from '../../../src/shared/gsm7';
import { normalizeMobile } from '../../../src/accounts/phone';
import { embedded, startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser } from '../../helpers/factories';

/**
 * Whatever a phone, a network or a confused operator sends, POST /ussd answers what Africa's Talking
 * can relay: HTTP 200, text/plain, `CON …` or `END …` with a non-empty GSM-7 screen of at most 182
 * characters. Thousands of random hops over random sessions (seeded, so a failure replays), sent over
 * HTTP with a few sessions in parallel; no hop may end in a 5xx or leave an unhandled rejection behind.
 * Mixed in: callers that are not mobile numbers (every answer END, nothing created for them), hops on
 * another phone's session id (END, the session's owner goes on), bodies over BODY_LIMIT and bodies
 * that are not Africa's Talking's form (bad bytes, JSON, binary, another content type).
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
  | { kind: 'rewrite'; text: string } // a text that does not extend the previous one
  | { kind: 'hijack'; pick: number; input: string } // this phone posts on another live session's id
  | { kind: 'oversized' } // a form over BODY_LIMIT
  | { kind: 'malformed'; variant: number; bytes: Uint8Array }; // a body that is not the form

type Caller = 'client' | 'staff' | 'unknown' | 'invalid';

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

/** Bodies that are not Africa's Talking's form, by variant (see `malformedRequest`). */
const MALFORMED_VARIANTS = 9;

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 50, arbitrary: fc.constant<Action>({ kind: 'script' }) },
  {
    weight: 4,
    arbitrary: fc
      .record({ pick: fc.nat(), input: fc.oneof(menuKey, pin) })
      .map((h): Action => ({ kind: 'hijack', ...h })),
  },
  { weight: 1, arbitrary: fc.constant<Action>({ kind: 'oversized' }) },
  {
    weight: 3,
    arbitrary: fc
      .record({ variant: fc.nat({ max: MALFORMED_VARIANTS - 1 }), bytes: fc.uint8Array({ maxLength: 64 }) })
      .map((m): Action => ({ kind: 'malformed', ...m })),
  },
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
  caller: fc.constantFrom<Caller>('client', 'client', 'client', 'staff', 'unknown', 'unknown', 'invalid'),
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
  const phones: Record<Caller, string[]> = { client: [], staff: [], unknown: [], invalid: [] };
  /** Not mobile numbers: refused at every hop, nothing created for them. */
  const INVALID = [
    'hello',
    '+22912',
    "' OR 1=1--",
    '+22997123456', // retired 8-digit plan: does not normalize
    '+2290121000000', // a fixed line
    '12345',
    'not-a-phone',
  ];

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
    );
    phones.invalid.push(...INVALID);
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

  /** A POST to /ussd with any headers and bytes. */
  function postRaw(headers: Record<string, string>, body: Buffer): Promise<UssdAnswer> {
    const { port } = t.server.address() as { port: number };
    return postForm(port, body, { agent, timeoutMs: 10_000, headers });
  }

  /** A body that is not Africa's Talking's form, of the session at hand (its fields where it has any). */
  function malformedRequest(
    variant: number,
    bytes: Uint8Array,
    sessionId: string,
    phoneNumber: string,
    text: string,
  ) {
    const FORM = 'application/x-www-form-urlencoded';
    const fields = { sessionId, serviceCode: '*123#', phoneNumber, networkCode: '61603', text };
    const form = new URLSearchParams(fields).toString();
    const junk = Buffer.from(bytes);
    switch (variant) {
      case 0: // bytes that are not UTF-8 in an extra field
        return postRaw(
          { 'content-type': FORM },
          Buffer.concat([Buffer.from(`${form}&x=`), junk, Buffer.from([0xff, 0xc3])]),
        );
      case 1:
        return postRaw({ 'content-type': 'application/json' }, Buffer.from(JSON.stringify(fields)));
      case 2:
        return postRaw({ 'content-type': 'text/plain' }, Buffer.from(form));
      case 3:
        return postRaw({ 'content-type': 'application/octet-stream' }, junk);
      case 4: // binary sent as a form
        return postRaw({ 'content-type': FORM }, junk);
      case 5: // a content encoding the body does not have
        return postRaw(
          { 'content-type': FORM, 'content-encoding': 'gzip' },
          Buffer.concat([Buffer.from(form), junk]),
        );
      case 6:
        return postRaw({}, Buffer.from(form));
      case 7: // fields twice
        return postRaw({ 'content-type': FORM }, Buffer.from(`${form}&${form}`));
      default: // broken %-escapes
        return postRaw({ 'content-type': `${FORM}; charset=latin1` }, Buffer.from(`${form}%E0%A4%A&text=%`));
    }
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
    const tally = { hops: 0, con: 0, end: 0, sessions: 0, hijacks: 0, oversized: 0, malformed: 0 };
    let next = 0;
    /** The sessions that got an answer, as the other workers may try them: id, phone, last text. */
    const live: { sessionId: string; phone: string; text: string }[] = [];
    const WRONG_PHONE =
      'END Cette session appartient a un autre numero. Composez a nouveau le code TontiFlex.';
    const INVALID_PHONE = 'END Ce service est reserve aux numeros de mobile valides.';
    const FAILED = 'END Une erreur est survenue. Reessayez plus tard.';
    const check = (answer: UssdAnswer, phone: string, text: string, expected?: (body: string) => boolean) => {
      const why = problem(answer) ?? (expected && !expected(answer.body) ? 'unexpected answer' : null);
      if (why) failures.push({ why, phone, text, answer });
      else if (answer.body.startsWith('CON ')) tally.con += 1;
      else tally.end += 1;
    };

    const run = async (p: Plan, n: number) => {
      const list = phones[p.caller];
      const phone = list[p.pick % list.length];
      let sid = 0;
      let sessionId = `ATUid_fuzz_${SEED}_${n}_${sid}`;
      const script = [...SCRIPTS[p.script]];
      let inputs: string[] = [];
      let text = '';
      const mine = { sessionId, phone, text };
      const invalid = p.caller === 'invalid';
      const send = async (work: () => Promise<UssdAnswer>, expected?: (body: string) => boolean) => {
        tally.hops += 1;
        try {
          check(await work(), phone, text, expected);
        } catch (err) {
          failures.push({ why: 'request failed', phone, text, answer: String(err) });
        }
      };
      // An invalid number is refused; on an id another phone took meanwhile (a hijack), as not its own.
      const refusedInvalid = (b: string) => b === INVALID_PHONE || b === WRONG_PHONE;
      const hop = async () => {
        await send(() => post(sessionId, phone, text), invalid ? refusedInvalid : undefined);
        mine.sessionId = sessionId;
        mine.text = text;
      };
      tally.sessions += 1;
      await hop(); // dial: text ''
      live.push(mine);
      for (const a of p.actions) {
        if (a.kind === 'hijack') {
          const target = live[a.pick % live.length];
          const other = normalizeMobile(target.phone);
          // Another valid phone's session is stored: whatever this phone sends on its id is refused.
          const refused = other !== null && other !== normalizeMobile(phone);
          const hijacked = target.text ? `${target.text}*${a.input}` : a.input;
          tally.hijacks += 1;
          await send(
            () => post(target.sessionId, phone, hijacked),
            refused ? (b) => b === WRONG_PHONE : undefined,
          );
          continue;
        }
        if (a.kind === 'oversized') {
          tally.oversized += 1;
          await send(
            () => post(sessionId, phone, `${text}*${'1'.repeat(110 * 1024)}`),
            (b) => b === FAILED,
          );
          continue;
        }
        if (a.kind === 'malformed') {
          tally.malformed += 1;
          await send(() => malformedRequest(a.variant, a.bytes, sessionId, phone, text));
          continue;
        }
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
        `${tally.sessions} sessions, ${tally.con} CON / ${tally.end} END (${tally.hijacks} hijack attempts, ` +
        `${tally.oversized} oversized, ${tally.malformed} malformed bodies), ${Date.now() - started} ms`,
    );
    expect(tally.hops).toBeGreaterThanOrEqual(MIN_HOPS);
    expect(failures.slice(0, 10)).toEqual([]);
    expect(failures).toHaveLength(0);
    expect(rejections).toEqual([]);
    // The fuzz got past the first screens: some sessions ended, most hops continued.
    expect(tally.con).toBeGreaterThan(tally.hops / 2);
    expect(tally.end).toBeGreaterThan(0);
    expect(tally.hijacks).toBeGreaterThan(50);
    expect(tally.oversized).toBeGreaterThan(10);
    expect(tally.malformed).toBeGreaterThan(50);
    // Nothing was created for a number that is not one.
    await t.inbox.drain();
    expect(await t.deps.db.manager.countBy(User, { phone: In(INVALID) })).toBe(0);
    expect(await t.deps.db.manager.countBy(SmsOutboxEntry, { toPhone: In(INVALID) })).toBe(0);
    for (const number of INVALID) expect(await t.deps.kv.get(`ussd:resume:${number}`)).toBeNull();
  });
});
