import type { KeyValueStore } from '../infra/kv';

/**
 * Who is calling, as the USSD engine needs it on the first hop of every session, is kept in the
 * key-value store for a few minutes: read in the same round trip as the session, it spares the hop a
 * MySQL query (with its socket write and read, the largest cost of a first hop).
 *
 * Whatever changes a caller's fields (role, status, language, PIN set, phone) forgets it right after its
 * transaction commits; the TTL bounds what a change made outside this code (by hand in the database)
 * can leave stale. An unknown number is never cached: a client registered elsewhere is known at once.
 */
export const CALLER_TTL_S = 300;

export const callerKey = (phone: string) => `caller:${phone}`;

export async function forgetCallers(kv: KeyValueStore, phones: (string | null | undefined)[]): Promise<void> {
  const keys = phones.filter((p): p is string => Boolean(p)).map(callerKey);
  if (keys.length > 0) await kv.batch([], keys);
}
