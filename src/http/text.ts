import { z } from 'zod';
import { LAYOUT_CHARS } from '../infra/layout-chars';

/**
 * Characters free text may not carry, because it ends up on a USSD screen, in an SMS or in the back
 * office: those that reshape or disguise text (LAYOUT_CHARS: controls, line breaks, bidi marks), and
 * `<` and `>`: no name or title needs them, and refusing them keeps markup out of every page that
 * forgets to escape.
 */
const UNSAFE = new RegExp(`[${LAYOUT_CHARS}<>]`, 'u');

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
