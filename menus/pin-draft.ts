import { createHmac } from 'node:crypto';
import { isWeakPin } from '../src/accounts/pin';
import { PIN_RE } from './types';

/**
 * A PIN typed once and to be confirmed on the next hop must survive between hops without being stored:
 * the snapshot keeps an HMAC under a server key (never in Redis), which a 4-digit brute force cannot
 * invert without that key.
 */
export function pinDigest(key: string, pin: string): string {
  return createHmac('sha256', key).update(`pin-draft:${pin}`).digest('base64url');
}

export const isAcceptablePin = (pin: string) => PIN_RE.test(pin) && !isWeakPin(pin);
export const isWeakButWellFormed = (pin: string) => PIN_RE.test(pin) && isWeakPin(pin);
