import { Between, LessThan, MoreThanOrEqual, type FindOperator } from 'typeorm';
import type { AccountsDirectory } from '../accounts/directory';
import { addDays, DEFAULT_TIME_ZONE, startOfLocalDay, type LocalDate } from '../shared/sfd-calendar';
import type { Principal } from './auth';
import { notFound } from './errors';
import { isPlatformAdmin } from './roles';

/**
 * The SFD-scope policy, for every staff query: SFD staff reach their own SFD, the platform admin every
 * SFD, and a record outside the caller's reach is a 404 (its existence is not revealed). Clients reach
 * only their own records, which each module checks by owner (`ownedBy`).
 */

/** The SFD a staff caller's queries are limited to; null: all (the platform admin). */
export function sfdScope(p: Pick<Principal, 'role' | 'sfdId'>): number | null {
  if (isPlatformAdmin(p.role)) return null;
  // A staff account without an SFD reaches nothing: -1 names no SFD.
  return p.sfdId ?? -1;
}

/** Whether a record of SFD `sfdId` is within a staff caller's reach. */
export function inScope(p: Pick<Principal, 'role' | 'sfdId'>, sfdId: number | null | undefined): boolean {
  const scope = sfdScope(p);
  return scope === null || (sfdId !== null && sfdId !== undefined && sfdId === scope);
}

/** The record if the caller may see it, else 404 (missing and out of reach look the same). */
export function withinScope<T extends { sfdId: number | null }>(
  p: Pick<Principal, 'role' | 'sfdId' | 'userId'>,
  record: T | null | undefined,
  owner?: (record: T) => number | null,
): T {
  if (!record) throw notFound();
  if (p.role === 'client') {
    if (!owner || owner(record) !== p.userId) throw notFound();
    return record;
  }
  if (!inScope(p, record.sfdId)) throw notFound();
  return record;
}

/**
 * The SFD filter of a staff list: the caller's SFD, or for the platform admin the one asked for (or
 * none). Returns the SFD id to filter on, or null for no filter.
 */
export function scopedSfdFilter(p: Pick<Principal, 'role' | 'sfdId'>, asked?: number): number | null {
  const scope = sfdScope(p);
  return scope === null ? (asked ?? null) : scope;
}

/**
 * A list's `date_from`/`date_to` (SFD-local days, both included) as a condition on a timestamp column:
 * the days of the SFD listed (a client's own, the caller's, or the platform admin's `sfd_id` filter),
 * in its time zone. Undefined when neither is given.
 */
export async function withinLocalDays(
  principal: Principal,
  listedSfdId: number | undefined,
  days: { date_from?: LocalDate; date_to?: LocalDate },
  accounts: Pick<AccountsDirectory, 'sfd'>,
): Promise<FindOperator<Date> | undefined> {
  if (!days.date_from && !days.date_to) return undefined;
  const sfdId = principal.role === 'client' || listedSfdId === undefined ? principal.sfdId : listedSfdId;
  const zone = (sfdId !== null && (await accounts.sfd(sfdId))?.timeZone) || DEFAULT_TIME_ZONE;
  const from = days.date_from ? startOfLocalDay(days.date_from, zone) : undefined;
  const to = days.date_to ? startOfLocalDay(addDays(days.date_to, 1), zone) : undefined;
  if (from && to) return Between(from, new Date(to.getTime() - 1));
  return from ? MoreThanOrEqual(from) : LessThan(to as Date);
}
