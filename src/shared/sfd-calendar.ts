/**
 * Business days in an SFD's time zone (ARCHITECTURE §4): instants are UTC, reminders are due on local
 * calendar dates. Built on Intl (full ICU in Node 20) rather than a date library: three operations are
 * all we need, and Intl already carries the tz database that luxon or date-fns-tz would only wrap.
 */

/** A local calendar date, `YYYY-MM-DD`: compares and sorts as a string. */
export type LocalDate = string;

export const DEFAULT_TIME_ZONE = 'Africa/Porto-Novo';

export interface LocalTime {
  date: LocalDate;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone: building one costs far more than using it. Throws on an unknown zone. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function wallClock(instant: number, timeZone: string) {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  return {
    y: Number(parts.year),
    mo: Number(parts.month),
    d: Number(parts.day),
    h: Number(parts.hour),
    mi: Number(parts.minute),
    s: Number(parts.second),
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** What a wall clock in `timeZone` shows at `instant`. */
export function localTime(instant: Date, timeZone: string): LocalTime {
  const w = wallClock(instant.getTime(), timeZone);
  return { date: `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)}`, hour: w.h, minute: w.mi };
}

export function localDateOf(instant: Date, timeZone: string): LocalDate {
  return localTime(instant, timeZone).date;
}

/** Pure calendar arithmetic: no zone, no daylight saving. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** How far the zone's wall clock is ahead of UTC at `instant`, in ms (whole seconds). */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(instant / 1000) * 1000;
}

/**
 * The first instant of `date` in `timeZone`, to turn a range of local dates into a UTC range an index
 * can use. Local midnight read with the offset of either side of a transition: the earliest candidate
 * that really falls on `date` (where a zone skips midnight, the day starts at the end of the gap).
 */
export function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  const candidates = [first, second].filter((t) => localDateOf(new Date(t), timeZone) === date);
  return new Date(candidates.length > 0 ? Math.min(...candidates) : Math.max(first, second));
}

/** True when Intl knows the zone (the API validates it on write; old rows may predate that). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}
