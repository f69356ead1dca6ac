import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';

/**
 * E.164 or null. National numbers are read as Benin's (10 digits since 30 Nov 2024: 01 XX XX XX XX);
 * the `max` metadata knows the new plan and rejects the retired 8-digit numbers.
 */
export function normalizePhone(input: string): string | null {
  const parsed = parsePhoneNumberFromString(input.trim(), 'BJ');
  return parsed?.isValid() ? parsed.number : null;
}

/**
 * The E.164 form of a valid mobile number, else null: the only numbers that dial USSD or send an SMS
 * (a fixed line, a toll-free or premium-rate number is refused: nobody there to answer, and an attacker
 * would choose them). Where the plan does not tell mobiles from fixed lines (North America), the
 * number may be a mobile's.
 */
export function normalizeMobile(input: string): string | null {
  const parsed = parsePhoneNumberFromString(input.trim(), 'BJ');
  if (!parsed?.isValid()) return null;
  const type = parsed.getType();
  return type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE' ? parsed.number : null;
}

export const phoneSchema = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .transform((value, ctx) => {
    const phone = normalizePhone(value);
    if (!phone) {
      ctx.addIssue({ code: 'custom', message: 'phone' });
      return z.NEVER;
    }
    return phone;
  });
