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
