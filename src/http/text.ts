import { z } from 'zod';

/**
 * Characters free text may not carry, because it ends up on a USSD screen, in an SMS or in the back
 * office, and each of these would break or disguise what is shown there:
 * - C0 controls (tab, line feed and carriage return included), DEL and C1 controls (NEL included):
 *   a line break in a name adds lines to a USSD screen, the others are garbage on a phone;
 * - U+2028 / U+2029, the Unicode line and paragraph separators: line breaks by another name;
 * - bidi embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069) and the invisible
 *   direction marks LRM, RLM and ALM (U+200E, U+200F, U+061C): they reorder what follows them, so a
 *   name can make an SMS or a back-office line read differently from what it says ("Trojan Source");
 * - `<` and `>`: no name or title needs them, and refusing them keeps markup out of every page that
 *   forgets to escape.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069<>]/u;

/**
 * The field error for such text: a key of locales/xx/errors.json (`field.unsafe_text`), translated
 * by the problem handler.
 */
export const UNSAFE_TEXT = 'unsafe_text';

/** True if the text has none of the characters above. */
export function isSafeText(text: string): boolean {
  return !UNSAFE.test(text);
}

/** The refinement alone, for a string schema with its own rules (`z.string().max(64).check(safeChars)`). */
export const safeChars = z.refine<string>(isSafeText, UNSAFE_TEXT);

/**
 * Free text from a client: trimmed (so surrounding spaces and line breaks are simply dropped), then
 * `min`..`max` characters without control characters, line breaks, bidi marks or `<` `>`.
 */
export function safeText(min: number, max: number) {
  return z.string().trim().min(min).max(max).check(safeChars);
}
