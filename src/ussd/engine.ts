import type { TFunction } from 'i18next';
import { createActor, waitFor, type AnyMachineSnapshot } from 'xstate';
import type { FlowName, Flows, InputEvent, Lang, MenuInput } from '../../menus';
import type { Caller } from '../accounts/client-self-service';
import { i18n, t } from '../infra/i18n';
import type { KeyValueStore } from '../infra/kv';
import { maskPhone, type Logger } from '../infra/logger';
import { foldToGsm7 } from './gsm7';
import { persistedSnapshot, pureStepper, type Stepper } from './stepper';
import { clampScreen, memoizeStatic, paginate, screenText, translate } from './render';
import {
  isRepeat,
  MAX_BACK,
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

interface Outcome {
  end: boolean;
  text: string;
  /** The client is in the middle of a flow: a drop now may be resumed. */
  resumable: boolean;
}

class HopTimeout extends Error {}

/** Inputs of a dial string walked at most: a phone dials a few, the rest would be a script's. */
export const MAX_DIALED_INPUTS = 8;

/**
 * One hop of a USSD session: read the session (one Redis round trip), feed the new input to the
 * current menu machine, render its screen, write the session back (one round trip). The machines
 * are built once at boot; nothing per hop is constructed that could be built once.
 */
export class UssdEngine {
  private readonly tr: Record<Lang, TFunction>;
  private readonly mac: TextMac;
  private readonly steppers: Record<FlowName, Stepper>;

  constructor(
    private readonly flows: Flows,
    private readonly kv: KeyValueStore,
    private readonly callers: CallerSource,
    private readonly settings: EngineSettings,
    private readonly logger: Logger,
  ) {
    const tr = (lang: Lang) => memoizeStatic(t(lang, 'ussd'), (key) => i18n().getResource(lang, 'ussd', key));
    this.tr = { fr: tr('fr'), en: tr('en') };
    this.mac = textMacWith(settings.textKey);
    this.steppers = Object.fromEntries(
      Object.entries(flows).map(([name, flow]) => [name, pureStepper(flow.machine)]),
    ) as Record<FlowName, Stepper>;
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
      return `END ${foldToGsm7(this.tr[state.lang]('common.unavailable'))}`;
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
      outcome = this.open(rec, caller, dialString ? null : resume);
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
    return `END ${foldToGsm7(this.tr.fr(key))}`;
  }

  /** First hop: who is calling decides the first flow; a recent drop is offered for resumption. */
  private open(rec: SessionRecord, caller: Caller | null, resume: ResumePoint | null): Outcome {
    if (caller) {
      rec.userId = caller.id;
      rec.lang = caller.language;
      if (caller.role !== 'client') return this.end(rec, 'common.staff_only');
      if (caller.status !== 'active') return this.end(rec, 'common.suspended');
    }
    if (resume) {
      rec.resume = resume;
      return this.resumePrompt(rec);
    }
    return this.start(rec, this.homeFlow(rec, caller));
  }

  private homeFlow(rec: SessionRecord, caller?: Caller | null): FlowName {
    if (rec.userId === null) return 'registration';
    return caller && !caller.hasPin ? 'setPin' : 'main';
  }

  private resumePrompt(rec: SessionRecord, prefix?: string): Outcome {
    rec.frame = null;
    const tr = this.tr[rec.lang];
    const flow = tr(`flows.${rec.resume?.frame.flow ?? 'main'}`);
    return this.show(rec, tr('resume.prompt', { flow }), null, prefix, false);
  }

  private start(rec: SessionRecord, flow: FlowName, notice?: string): Outcome {
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
    return this.renderState(rec, snap, notice ? this.tr[rec.lang](notice) : undefined);
  }

  private async step(rec: SessionRecord, input: string): Promise<Outcome> {
    if (rec.frame === null) return this.answerResumePrompt(rec, input);
    if (input === '00') {
      rec.back = [];
      return this.start(rec, this.homeFlow(rec));
    }
    if (input === '0') {
      const previous = rec.back.pop();
      if (previous) rec.frame = previous;
      return this.renderFrame(rec, rec.frame);
    }
    if (input === '98' && rec.page < rec.pages.length - 1) {
      rec.page += 1;
      return { end: false, text: rec.pages[rec.page], resumable: true };
    }
    return this.send(rec, rec.frame, input);
  }

  private answerResumePrompt(rec: SessionRecord, input: string): Promise<Outcome> | Outcome {
    const resume = rec.resume;
    delete rec.resume;
    if (input === '1' && resume && this.flows[resume.frame.flow].version === resume.frame.v) {
      rec.back = resume.back;
      rec.lang = resume.lang;
      return this.renderFrame(rec, resume.frame);
    }
    if (input === '2' || input === '00' || !resume) return this.start(rec, this.homeFlow(rec));
    rec.resume = resume;
    return this.invalid(rec, () => this.resumePrompt(rec, this.tr[rec.lang]('common.invalid')));
  }

  /** Feeds one input to the current machine and renders where it lands. */
  private async send(rec: SessionRecord, frame: Frame, value: string): Promise<Outcome> {
    const flow = this.flows[frame.flow];
    if (flow.version !== frame.v) return this.start(rec, this.homeFlow(rec)); // menus changed under the session
    const event: InputEvent = { type: 'INPUT', value };
    // Most hops only move from one screen to the next: computed without an actor. A hop that lands
    // where something must run (an invoked service, an action) is sent to an actor instead.
    const stepper = this.steppers[frame.flow];
    const before = stepper.restore(frame);
    const next = stepper.transition(before, event);
    if (next) return this.landed(rec, frame, before, next);
    const actor = createActor(flow.machine, { snapshot: persistedSnapshot(frame) as never }).start();
    try {
      const start = actor.getSnapshot();
      actor.send(event);
      let snap: AnyMachineSnapshot = actor.getSnapshot();
      if (snap !== start && snap.hasTag('busy')) {
        snap = await waitFor(actor, (s) => !s.hasTag('busy') || s.status !== 'active', {
          timeout: this.settings.hopBudgetMs,
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
      return this.invalid(rec, () => this.renderState(rec, before, this.tr[rec.lang](key)));
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
      return this.end(rec, meta.end ?? 'common.goodbye', snap.context as Record<string, unknown>);
    }
    rec.frame = frameOf(frame.flow, frame.v, snap);
    return this.renderState(rec, snap);
  }

  private invalid(rec: SessionRecord, again: () => Outcome): Outcome {
    rec.bad += 1;
    if (rec.bad >= this.settings.maxInvalid) return this.end(rec, 'common.too_many_invalid');
    return again();
  }

  private renderFrame(rec: SessionRecord, frame: Frame): Outcome {
    rec.frame = frame;
    return this.renderState(rec, this.steppers[frame.flow].restore(frame));
  }

  /** The screen of `snap`, a state of the current frame's machine. */
  private renderState(rec: SessionRecord, snap: AnyMachineSnapshot, prefix?: string): Outcome {
    const meta = this.steppers[rec.frame!.flow].meta(snap);
    const tr = this.tr[rec.lang];
    const text = screenText(tr, meta, snap.context as Record<string, unknown>, this.settings.params);
    const resumable = !(meta.root ?? false);
    return this.show(rec, text, meta.root ? null : tr('common.footer'), prefix, resumable);
  }

  private show(
    rec: SessionRecord,
    text: string,
    footer: string | null,
    prefix: string | undefined,
    resumable: boolean,
  ) {
    const tr = this.tr[rec.lang];
    const pages = paginate(
      prefix ? `${prefix}\n${text}` : text,
      this.settings.screenLimit,
      tr('common.more'),
      footer,
    );
    rec.pages = pages.length > 1 ? pages : [];
    rec.page = 0;
    return { end: false, text: pages[0], resumable };
  }

  private end(rec: SessionRecord, key: string, context: Record<string, unknown> = {}): Outcome {
    // An END screen cannot page: a text the client's own data made too long is cut at the limit.
    const text = clampScreen(
      foldToGsm7(translate(this.tr[rec.lang], key, this.settings.params, context)),
      this.settings.screenLimit,
    );
    rec.pages = [];
    return { end: true, text, resumable: false };
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

function frameOf(flow: FlowName, v: number, snap: AnyMachineSnapshot): Frame {
  return { flow, v, state: snap.value, ctx: snap.context as Record<string, unknown> };
}

/** Menus are flat: a state value is a string, compared as such (a nested value, as JSON). */
function sameStateValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}
