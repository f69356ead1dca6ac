/**
 * Characters that reshape or disguise text on a USSD screen, in an SMS or in the back office, as the
 * contents of a regular-expression character class:
 * - C0 controls (tab, line feed and carriage return included), DEL and C1 controls (NEL included):
 *   a line break in a name adds lines to a USSD screen, the others are garbage on a phone;
 * - U+2028 / U+2029, the Unicode line and paragraph separators: line breaks by another name;
 * - bidi embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069) and the invisible
 *   direction marks LRM, RLM and ALM (U+200E, U+200F, U+061C): they reorder what follows them, so a
 *   name can make an SMS or a back-office line read differently from what it says ("Trojan Source").
 * Free text is refused with them (src/http/text.ts); a value shown anyway has them turned into spaces
 * (oneLine, src/infra/i18n.ts).
 */
export const LAYOUT_CHARS =
  '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
