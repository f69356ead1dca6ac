import { normalizePhone } from '../accounts/phone';
import type { Deps } from '../deps';
import { uniqueViolationField } from '../infra/db-errors';
import { UssdSessionLog } from './entities';
import type { eventBody } from './schemas';
import { samePhone, sessionKey, type SessionRecord } from './session';
import type { z } from 'zod';

/** Africa's Talking's end-of-session notification, what /ussd/events records (module.ts). */
export class SessionEnds {
  constructor(private readonly deps: Pick<Deps, 'db' | 'kv' | 'clock'>) {}

  /**
   * Only the session's own end ends it: a notification naming a live session with another phone changes
   * nothing, not even the log row the genuine notification will write. A session no longer stored
   * (expired, already ended) is recorded, with nothing to delete. A retried notification is recorded once.
   */
  async record(event: z.output<typeof eventBody>): Promise<'recorded' | 'phone_mismatch'> {
    const { db, kv, clock } = this.deps;
    const key = sessionKey(event.sessionId);
    const raw = await kv.get(key);
    const rec = raw ? (JSON.parse(raw) as SessionRecord) : null;
    if (rec && !samePhone(rec, event.phoneNumber, normalizePhone)) return 'phone_mismatch';
    try {
      await db.manager.insert(UssdSessionLog, {
        sessionId: event.sessionId,
        phone: normalizePhone(event.phoneNumber) ?? event.phoneNumber,
        serviceCode: event.serviceCode ?? null,
        networkCode: event.networkCode ?? null,
        status: event.status,
        durationMs: event.durationInMillis,
        hops: event.hopsCount || rec?.hops || 0,
        flow: rec?.frame?.flow ?? null,
        // The app's last screen, never the inputs: they contain PINs.
        lastScreen: event.lastAppResponse ?? rec?.reply ?? null,
        errorMessage: event.errorMessage?.slice(0, 255) ?? null,
        createdAt: clock.now(),
      });
    } catch (err) {
      if (!uniqueViolationField(err)) throw err; // a retried notification: already recorded
    }
    await kv.del(key);
    return 'recorded';
  }
}
