import { hash } from 'node:crypto';
import type { StateValue } from 'xstate';
import type { FlowName, Lang } from '../../menus';

/**
 * A machine's place: which flow, its version, its state and its context. Not XState's whole persisted
 * snapshot: a frame is stored only where no invoked actor is running (the engine waits for those), so
 * status, children and history are always the same and are rebuilt on restore (see stepper.ts); the
 * record stays about half the size.
 */
export interface Frame {
  flow: FlowName;
  v: number;
  state: StateValue;
  ctx: Record<string, unknown>;
}

/** Bumped when the stored shape changes: a record of another format is dropped (a fresh session). */
export const SESSION_FORMAT = 3;

/**
 * Everything the engine keeps between two hops of one session, in one Redis key (`ussd:s:<sessionId>`),
 * so that any process can answer the next hop with one read and one write.
 */
export interface SessionRecord {
  fmt: number;
  /** The caller, E.164: a session belongs to the phone that opened it. */
  phone: string;
  /**
   * `phoneNumber` as Africa's Talking sent it on the first hop: a later hop that sends the same string is
   * the same phone without normalizing it again (records written before this field: normalized).
   */
  dialed?: string;
  /** The session's id, so that its copy in the phone's resume key says which session it was. */
  sid?: string;
  userId: number | null;
  lang: Lang;
  /** The current machine; null while the resume prompt is shown. */
  frame: Frame | null;
  /** Previous frames, for "0. Retour" (most recent last, bounded). */
  back: Frame[];
  /** A dropped session's place, offered by the resume prompt. */
  resume?: ResumePoint;
  /**
   * The last `text` Africa's Talking sent, kept only as its length and a keyed MAC: `text` holds every
   * input of the session, PINs included, and a PIN must never rest in the store. The full reply is kept
   * for repeated hops.
   */
  textLen: number;
  textMac: string;
  reply: string;
  /** The pages of the current screen and the one shown. */
  pages: string[];
  page: number;
  /** Invalid inputs in a row. */
  bad: number;
  hops: number;
  /**
   * Whether the phone's resume key may hold a place (this session's, or the one its prompt offers): only
   * then does leaving a flow need to delete it, a command spared on most hops.
   */
  resumeSaved: boolean;
}

/** The record of a session that starts: no flow yet, French until the caller is known. */
export function newRecord(phone: string, dialed: string = phone, sid?: string): SessionRecord {
  return {
    fmt: SESSION_FORMAT,
    phone,
    dialed,
    sid,
    userId: null,
    lang: 'fr',
    frame: null,
    back: [],
    textLen: 0,
    textMac: '',
    reply: '',
    pages: [],
    page: 0,
    bad: 0,
    hops: 0,
    resumeSaved: false,
  };
}

/**
 * A dropped session's place. The phone's resume key (`ussd:resume:<phone>`) holds the session's whole
 * record, the very JSON written to its session key (one serialization per hop); this is what is read
 * from it.
 */
export interface ResumePoint {
  frame: Frame;
  back: Frame[];
  lang: Lang;
  /** The id of the session that left it (records written before this field: none). */
  sid?: string;
}

export const sessionKey = (sessionId: string) => `ussd:s:${sessionId}`;
export const resumeKey = (phone: string) => `ussd:resume:${phone}`;

export const MAX_BACK = 8;

export type TextMac = (text: string) => string;

/**
 * A keyed digest of a session's `text`, short enough to store on every hop: SHA-256 of the server key
 * and the text, truncated. It only lets the next hop check that `text` still starts with what the
 * session saw (equality), and keeps a store reader from trying the 10,000 PINs against it; a one-shot
 * hash costs a fifth of an HMAC object per call, on a path that takes two per hop. The digest of the
 * empty `text` (every session's first hop) is computed once.
 */
export function textMacWith(key: string): TextMac {
  const prefix = `${key}\u0000`;
  const mac = (text: string) => hash('sha256', prefix + text, 'base64url').slice(0, 22);
  const empty = mac('');
  return (text) => (text.length === 0 ? empty : mac(text));
}

/** The stored session, or null if there is none or it has another format. */
export function parseSession(raw: string | null): SessionRecord | null {
  if (!raw) return null;
  const rec = JSON.parse(raw) as SessionRecord;
  return rec.fmt === SESSION_FORMAT ? rec : null;
}

/** The place a record left in a resume key, or null if it has none or another format. */
export function parseResumePoint(raw: string | null): ResumePoint | null {
  const rec = parseSession(raw);
  return rec?.frame ? { frame: rec.frame, back: rec.back, lang: rec.lang, sid: rec.sid } : null;
}

/**
 * Whether a hop's `phoneNumber` is the session's phone: the very string the session was opened with
 * (the usual case, a string comparison), else its E.164 form (`normalize` answers null for a number
 * that is not one).
 */
export function samePhone(
  rec: Pick<SessionRecord, 'phone' | 'dialed'>,
  phoneNumber: string,
  normalize: (phoneNumber: string) => string | null,
): boolean {
  return phoneNumber === rec.dialed || normalize(phoneNumber) === rec.phone;
}

export function isRepeat(
  rec: Pick<SessionRecord, 'textLen' | 'textMac'>,
  text: string,
  mac: TextMac,
): boolean {
  return text.length === rec.textLen && mac(text) === rec.textMac;
}

/** What `text` adds to the previous `text`: robust to `*` typed inside an input. */
export function newInput(
  rec: Pick<SessionRecord, 'textLen' | 'textMac'>,
  text: string,
  mac: TextMac,
): string {
  if (rec.textLen === 0) return text;
  if (
    text.length > rec.textLen &&
    text[rec.textLen] === '*' &&
    mac(text.slice(0, rec.textLen)) === rec.textMac
  ) {
    return text.slice(rec.textLen + 1);
  }
  // The operator rewrote the history (rare): take the last segment.
  const star = text.lastIndexOf('*');
  return star >= 0 ? text.slice(star + 1) : text;
}
