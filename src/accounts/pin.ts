import { z } from 'zod';
import type { OutboxMessage } from '../notifications/outbox';
import type { User } from './entities';

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

/**
 * The notice a client gets when their PIN is replaced (changed or reset), in their language: the only
 * sign they get of a change made by someone else holding their phone or old PIN.
 */
export function pinChangedSms(user: Pick<User, 'phone' | 'language'>): OutboxMessage {
  return { to: user.phone, kind: 'alert', lang: user.language, template: 'pin_changed' };
}
