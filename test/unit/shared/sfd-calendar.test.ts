import { addDays, isTimeZone, localTime, startOfLocalDay } from '../../../src/shared/sfd-calendar';

const at = (iso: string) => new Date(iso);

describe('reminder calendar (SFD time zone)', () => {
  it('reads the local date and hour: 23:30 UTC is already tomorrow at 00:30 in Porto-Novo (UTC+1)', () => {
    expect(localTime(at('2025-03-09T23:30:00Z'), 'Africa/Porto-Novo')).toEqual({
      date: '2025-03-10',
      hour: 0,
      minute: 30,
    });
    expect(localTime(at('2025-03-09T23:30:00Z'), 'UTC')).toEqual({
      date: '2025-03-09',
      hour: 23,
      minute: 30,
    });
  });

  it('adds days across months, leap days and years', () => {
    expect(addDays('2024-02-25', 7)).toBe('2024-03-03');
    expect(addDays('2025-02-25', 7)).toBe('2025-03-04');
    expect(addDays('2025-12-28', 7)).toBe('2026-01-04');
    expect(addDays('2025-01-03', -7)).toBe('2024-12-27');
  });

  it('finds the UTC instant a local day starts', () => {
    expect(startOfLocalDay('2025-03-10', 'Africa/Porto-Novo').toISOString()).toBe('2025-03-09T23:00:00.000Z');
    expect(startOfLocalDay('2025-03-10', 'UTC').toISOString()).toBe('2025-03-10T00:00:00.000Z');
    expect(startOfLocalDay('2025-03-10', 'Asia/Kolkata').toISOString()).toBe('2025-03-09T18:30:00.000Z');
  });

  it('handles daylight saving: a 23-hour and a 25-hour day', () => {
    // Paris springs forward on 2025-03-30 (at 02:00) and falls back on 2025-10-26 (at 03:00).
    expect(startOfLocalDay('2025-03-30', 'Europe/Paris').toISOString()).toBe('2025-03-29T23:00:00.000Z');
    expect(startOfLocalDay('2025-03-31', 'Europe/Paris').toISOString()).toBe('2025-03-30T22:00:00.000Z');
    expect(startOfLocalDay('2025-10-26', 'Europe/Paris').toISOString()).toBe('2025-10-25T22:00:00.000Z');
    expect(startOfLocalDay('2025-10-27', 'Europe/Paris').toISOString()).toBe('2025-10-26T23:00:00.000Z');
  });

  it('starts a day whose midnight does not exist at the end of the gap', () => {
    // Santiago (Chile) skipped from 00:00 to 01:00 on 2024-09-08.
    const start = startOfLocalDay('2024-09-08', 'America/Santiago');
    expect(start.toISOString()).toBe('2024-09-08T04:00:00.000Z');
    expect(localTime(start, 'America/Santiago')).toEqual({ date: '2024-09-08', hour: 1, minute: 0 });
    expect(localTime(new Date(start.getTime() - 1), 'America/Santiago').date).toBe('2024-09-07');
  });

  it('knows which zones exist', () => {
    expect(isTimeZone('Africa/Porto-Novo')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
