import { createHmac, createSecretKey } from 'node:crypto';
import type { FlowName, Lang } from '../../menus';

/** A machine's place: which flow, its version, and its persisted snapshot. */
export interface Frame {
  flow: FlowName;
  v: number;
  snap: unknown;
}

/**
 * Everything the engine keeps between two hops of one session, in one Redis key (`ussd:s:<sessionId>`),
 * so that any process can answer the next hop with one read and one write.
 */
export interface SessionRecord {
  phone: string;
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
}

/** Kept per phone (`ussd:resume:<phone>`) while a client is in the middle of a flow. */
export interface ResumePoint {
  frame: Frame;
  back: Frame[];
  lang: Lang;
}

export const sessionKey = (sessionId: string) => `ussd:s:${sessionId}`;
export const resumeKey = (phone: string) => `ussd:resume:${phone}`;

export const MAX_BACK = 8;

export type TextMac = (text: string) => string;

/**
 * A keyed MAC of a session's `text`, short enough to store on every hop: HMAC-SHA256 under the server
 * key, truncated. The key is imported once (a KeyObject spares each MAC the key import), and the MAC of
 * the empty `text` (every session's first hop) is computed once.
 */
export function textMacWith(key: string): TextMac {
  const secret = createSecretKey(Buffer.from(key, 'utf8'));
  const mac = (text: string) => createHmac('sha256', secret).update(text).digest('base64url').slice(0, 22);
  const empty = mac('');
  return (text) => (text.length === 0 ? empty : mac(text));
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

/**
 * The stored JSON of a session and of its resume point, which share the frame and the back stack: each
 * is serialized once. `JSON.parse` of either gives what `JSON.stringify` of the object would have given
 * back (the keys come in another order).
 */
export function serializeSession(rec: SessionRecord): { session: string; resume: () => string } {
  const { frame, back, ...rest } = rec;
  const frameJson = JSON.stringify(frame);
  const backJson = JSON.stringify(back);
  const restJson = JSON.stringify(rest);
  return {
    session: `{"frame":${frameJson},"back":${backJson}${restJson.length > 2 ? `,${restJson.slice(1)}` : '}'}`,
    resume: () => `{"frame":${frameJson},"back":${backJson},"lang":${JSON.stringify(rec.lang)}}`,
  };
}
