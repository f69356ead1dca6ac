import type { FlowName, Flows, Lang } from '../../menus';
import type { Caller } from '../accounts/client-self-service';
import type { KeyValueStore } from '../infra/kv';
import { maskPhone, type Logger } from '../infra/logger';
import { FlowRunner } from './flow-runner';
import { Screens, type Outcome } from './screens';
import { pureStepper, type Stepper } from './stepper';
import {
  isRepeat,
  newInput,
  parseResumePoint,
  parseSession,
  newRecord,
  textMacWith,
  type TextMac,
  resumeKey,
  samePhone,
  sessionKey,
  type Frame,
  type ResumePoint,
  type SessionRecord,
} from './session';

export interface EngineSettings {
  sessionTtlS: number;
  resumeTtlS: number;
  screenLimit: number;
  hopBudgetMs: number;
  maxInvalid: number;
  /** Values every screen may use, e.g. `{ minutes: PIN_LOCK_MINUTES }`. */
  params: Record<string, unknown>;
  /** Server key of the MAC that stands for the session's `text` in the store. */
  textKey: string;
}

export interface HopRequest {
  sessionId: string;
  /**
   * As Africa's Talking sends it: normalized (CallerSource.phone) where a session starts, and on a later
   * hop only if it is not the very string the session was opened with.
   */
  phoneNumber: string;
  text: string;
}

/** Who is calling: read from the store with the session (key, TTL), else loaded. */
export interface CallerSource {
  /** The E.164 form of a `phoneNumber`, or null if it is not a valid mobile number. */
  phone(phoneNumber: string): string | null;
  key(phone: string): string;
  ttlS: number;
  load(phone: string): Promise<Caller | null>;
}

/** What one hop carries besides the session: the language of its apology, a caller to cache. */
interface HopState {
  lang: Lang;
  loadedCaller?: Caller;
}

class HopTimeout extends Error {}

/** Inputs of a dial string walked at most: a phone dials a few, the rest would be a script's. */
export const MAX_DIALED_INPUTS = 8;

/**
 * One hop of a USSD session: read the session (one Redis round trip), feed the new input to the
 * current menu machine (flow-runner.ts), render its screen (screens.ts), write the session back (one
 * round trip). The machines are built once at boot; nothing per hop is constructed that could be built
 * once.
 */
export class UssdEngine {
  private readonly mac: TextMac;
  private readonly steppers: Record<FlowName, Stepper>;
  private readonly screens: Screens;
  private readonly runner: FlowRunner;

  constructor(
    private readonly flows: Flows,
    private readonly kv: KeyValueStore,
    private readonly callers: CallerSource,
    private readonly settings: EngineSettings,
    private readonly logger: Logger,
  ) {
    this.mac = textMacWith(settings.textKey);
    this.steppers = Object.fromEntries(
      Object.entries(flows).map(([name, flow]) => [name, pureStepper(flow.machine)]),
    ) as Record<FlowName, Stepper>;
    this.screens = new Screens(this.steppers, settings);
    this.runner = new FlowRunner(flows, this.steppers, this.screens, settings.hopBudgetMs);
  }

  /** Always answers `CON …` or `END …`; failures and overruns become a localized END. */
  async hop(req: HopRequest): Promise<string> {
    const state: HopState = { lang: 'fr' };
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HopTimeout('hop budget exceeded')), this.settings.hopBudgetMs);
    });
    try {
      return await Promise.race([this.run(req, state), overrun]);
    } catch (err) {
      this.logger.warn(
        {
          session_id: req.sessionId,
          phone: maskPhone(req.phoneNumber),
          reason: err instanceof HopTimeout ? 'timeout' : 'error',
          err: err instanceof Error ? err.message : String(err),
        },
        'ussd hop failed',
      );
      return this.screens.endReply(state.lang, 'common.unavailable');
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(req: HopRequest, state: HopState): Promise<string> {
    const key = sessionKey(req.sessionId);
    // Only a session's first hop (Africa's Talking sends an empty text) needs who is calling and the
    // phone's resume point: they are read with it. A later hop reads its session alone, and reads
    // them afterwards only if its session has gone (expired, or lost with Redis).
    const first = req.text === '';
    let phone = first ? this.callers.phone(req.phoneNumber) : '';
    if (phone === null) return this.refuse(req, 'invalid_phone', 'common.invalid_phone'); // nothing read
    const [raw, ...opening] = first
      ? await this.kv.mget([key, resumeKey(phone), this.callers.key(phone)])
      : [await this.kv.get(key)];
    let rec = parseSession(raw);
    // A session belongs to the phone that opened it (see samePhone: the string it was opened with, else
    // its E.164 form): another phone's hop on its id changes nothing, not even as a repeat, whose stored
    // screen is the owner's.
    if (rec && !samePhone(rec, req.phoneNumber, this.callers.phone)) {
      return this.refuse(req, 'phone_mismatch', 'common.wrong_phone');
    }
    if (rec && isRepeat(rec, req.text, this.mac)) return rec.reply; // the operator retried: run nothing again
    let outcome: Outcome;
    if (!rec) {
      if (!first) {
        phone = this.callers.phone(req.phoneNumber);
        if (phone === null) return this.refuse(req, 'invalid_phone', 'common.invalid_phone');
        opening.push(...(await this.kv.mget([resumeKey(phone), this.callers.key(phone)])));
      }
      const [resumeRaw, callerRaw] = opening;
      rec = newRecord(phone, req.phoneNumber, req.sessionId);
      rec.resumeSaved = resumeRaw !== null;
      let caller = callerRaw ? (JSON.parse(callerRaw) as Caller) : null;
      if (!caller) {
        caller = await this.callers.load(phone);
        state.loadedCaller = caller ?? undefined; // cached by this hop's write
      }
      const resume = parseResumePoint(resumeRaw);
      // No session and a `text` already: either a dial string (`*123*6*4#` arrives as `6*4` on the
      // first hop Africa's Talking sends), or a later hop whose session has gone (expired, evicted, lost
      // with Redis). The rule: when the phone's resume point was left by this very session (its id),
      // the session was lost, and is offered its place as before (the text is dropped: it was typed on
      // screens that are gone). Otherwise the text is a dial string, walked from the opening screen;
      // a place another session left is then not offered (the client dialled where to go), and is
      // replaced or cleared by this hop as by any hop. A lost session that left no resume point (it
      // was on the main menu, or the store lost both keys) is walked too: the inputs lead where the
      // client was going, short of a PIN.
      const dialString = !first && resume?.sid !== req.sessionId;
      outcome = await this.open(rec, caller, dialString ? null : resume);
      if (dialString) outcome = await this.walk(rec, outcome, req.text);
    } else {
      state.lang = rec.lang;
      const input = newInput(rec, req.text, this.mac);
      outcome = await this.step(rec, input);
    }
    state.lang = rec.lang;
    rec.textLen = req.text.length;
    rec.textMac = this.mac(req.text);
    rec.hops += 1;
    rec.reply = `${outcome.end ? 'END' : 'CON'} ${outcome.text}`;
    await this.persist(req.sessionId, rec, outcome, state.loadedCaller);
    return rec.reply;
  }

  /**
   * A dial string's inputs, fed one by one as if typed from the opening screen, until the first screen
   * that asks for a secret (a PIN never comes from a dial string: phones keep those in their call
   * history), an END, or an input refused (the walk stays on the screen it failed at, which says so).
   * Inputs left over are dropped; the session's `text` bookkeeping covers the whole dial string, so the
   * next hop's new input is what the client types on the screen shown.
   */
  private async walk(rec: SessionRecord, opened: Outcome, text: string): Promise<Outcome> {
    let outcome = opened;
    for (const input of text.split('*').slice(0, MAX_DIALED_INPUTS)) {
      if (outcome.end || rec.frame === null || this.asksSecret(rec.frame)) break;
      const bad = rec.bad;
      outcome = await this.step(rec, input);
      if (rec.bad > bad) break;
    }
    return outcome;
  }

  private asksSecret(frame: Frame): boolean {
    const stepper = this.steppers[frame.flow];
    return stepper.meta(stepper.restore(frame)).secret === true; // a PIN, a code, an ID number
  }

  /**
   * A hop answered without touching the session: an END in French (the caller is not known), one
   * warning, no write.
   */
  private refuse(req: HopRequest, reason: string, key: string): string {
    this.logger.warn(
      { session_id: req.sessionId, phone: maskPhone(req.phoneNumber), reason },
      'ussd hop refused',
    );
    return this.screens.endReply('fr', key);
  }

  /** First hop: who is calling decides the first flow; a recent drop is offered for resumption. */
  private async open(
    rec: SessionRecord,
    caller: Caller | null,
    resume: ResumePoint | null,
  ): Promise<Outcome> {
    if (caller) {
      rec.userId = caller.id;
      rec.lang = caller.language;
      if (caller.role !== 'client') return this.screens.end(rec, 'common.staff_only');
      if (caller.status !== 'active') return this.screens.end(rec, 'common.suspended');
    }
    if (resume) {
      rec.resume = resume;
      return this.screens.resumePrompt(rec);
    }
    return this.runner.start(rec, this.homeFlow(rec, caller));
  }

  private homeFlow(rec: SessionRecord, caller?: Caller | null): FlowName {
    if (rec.userId === null) return 'registration';
    return caller && !caller.hasPin ? 'setPin' : 'main';
  }

  private async step(rec: SessionRecord, input: string): Promise<Outcome> {
    if (rec.frame === null) return this.answerResumePrompt(rec, input);
    if (input === '00') {
      rec.back = [];
      return this.runner.start(rec, this.homeFlow(rec));
    }
    if (input === '0') {
      const previous = rec.back.pop();
      if (previous) rec.frame = previous;
      return this.screens.renderFrame(rec, rec.frame);
    }
    if (input === '98' && rec.page < rec.pages.length - 1) return this.screens.nextPage(rec);
    if (this.flows[rec.frame.flow].version !== rec.frame.v) {
      return this.runner.start(rec, this.homeFlow(rec)); // menus changed under the session
    }
    return this.runner.send(rec, rec.frame, input);
  }

  private answerResumePrompt(rec: SessionRecord, input: string): Promise<Outcome> | Outcome {
    const resume = rec.resume;
    delete rec.resume;
    if (input === '1' && resume && this.flows[resume.frame.flow].version === resume.frame.v) {
      rec.back = resume.back;
      rec.lang = resume.lang;
      return this.screens.renderFrame(rec, resume.frame);
    }
    if (input === '2' || input === '00' || !resume) return this.runner.start(rec, this.homeFlow(rec));
    rec.resume = resume;
    return this.screens.invalidResumeAnswer(rec);
  }

  /**
   * One write for the hop: the session, the resume point set or cleared, and a caller just loaded from
   * the database, in one round trip.
   */
  private async persist(
    sessionId: string,
    rec: SessionRecord,
    outcome: Outcome,
    loadedCaller: Caller | undefined,
  ): Promise<void> {
    const prompting = rec.frame === null && !outcome.end; // the resume point stays until the client chooses
    const keep = !prompting && outcome.resumable && rec.frame !== null && this.settings.resumeTtlS > 0;
    const clear = !prompting && !keep && rec.resumeSaved;
    if (keep) rec.resumeSaved = true;
    if (clear) rec.resumeSaved = false;
    const json = JSON.stringify(rec);
    const sets: [string, string, number][] = [[sessionKey(sessionId), json, this.settings.sessionTtlS]];
    if (loadedCaller) {
      sets.push([this.callers.key(rec.phone), JSON.stringify(loadedCaller), this.callers.ttlS]);
    }
    if (keep) sets.push([resumeKey(rec.phone), json, this.settings.resumeTtlS]); // see ResumePoint
    await this.kv.batch(sets, clear ? [resumeKey(rec.phone)] : []);
  }
}
