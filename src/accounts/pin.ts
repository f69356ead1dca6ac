import { z } from 'zod';

/** PINs a thief tries first: one digit repeated, or a run up or down (0123, 9876, 1234 ...). */
export function isWeakPin(pin: string): boolean {
  const digits = [...pin].map(Number);
  const steps = new Set(digits.slice(1).map((d, i) => d - digits[i]));
  return steps.size === 1 && [0, 1, -1].includes([...steps][0]);
}

export const pinSchema = z
  .string()
  .regex(/^\d{4}$/, 'PIN must be 4 digits')
  .refine((pin) => !isWeakPin(pin), 'weak_pin');
