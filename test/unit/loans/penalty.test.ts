import { isInDefault, oldestUnpaidDue } from '../../../src/loans/default-status';
import { DUE_SOON_DAYS, OVERDUE_DAYS, reminderDueDates } from '../../../src/loans/loan-reminders';
import { smsDate } from '../../../src/loans/notices';
import { dailyPenalty, daysToAccrue } from '../../../src/loans/penalties';

describe('a day of penalty: round half up(base × bp / 10 000), exact', () => {
  it.each([
    // base, bp/day, base × bp / 10 000 worked out, rounded half up
    [8885, 10, 9], // 8.885
    [1500, 10, 2], // 1.5: the half goes up
    [1499, 10, 1], // 1.499
    [50, 100, 1], // 0.5
    [49, 100, 0], // 0.49: nothing (and not written)
    [100_000, 25, 250], // 250 exactly
    [7_406, 33, 24], // 24.4398
    [0, 10, 0],
    [8885, 0, 0],
  ])('%d at %d bp → %d', (base, bp, expected) => {
    expect(dailyPenalty(base, bp)).toBe(expected);
  });

  it('stays exact past 2^53 in the product (BigInt), a float would not', () => {
    // 900 719 925 474 099 × 10 000 / 10 000 is the base itself; 900 719 925 474 099 × 15 / 10 000 =
    // 1 351 079 888 211.1485 → 1 351 079 888 211.
    expect(dailyPenalty(900_719_925_474_099, 10_000)).toBe(900_719_925_474_099);
    expect(dailyPenalty(900_719_925_474_099, 15)).toBe(1_351_079_888_211);
  });
});

describe('the days an instalment accrues for', () => {
  it('is late from the day after its due date, through today', () => {
    expect(daysToAccrue('2026-04-05', null, '2026-04-05')).toEqual([]);
    expect(daysToAccrue('2026-04-05', null, '2026-04-06')).toEqual(['2026-04-06']);
    expect(daysToAccrue('2026-04-28', null, '2026-05-02')).toEqual([
      '2026-04-29',
      '2026-04-30',
      '2026-05-01',
      '2026-05-02',
    ]);
  });

  it('starts after the mark: once a day, and the missed days caught up', () => {
    expect(daysToAccrue('2026-04-05', '2026-04-08', '2026-04-08')).toEqual([]);
    expect(daysToAccrue('2026-04-05', '2026-04-08', '2026-04-11')).toEqual([
      '2026-04-09',
      '2026-04-10',
      '2026-04-11',
    ]);
    // Across a year's end and a leap day.
    expect(daysToAccrue('2027-12-30', '2027-12-31', '2028-01-01')).toEqual(['2028-01-01']);
    expect(daysToAccrue('2028-02-27', null, '2028-03-01')).toEqual([
      '2028-02-28',
      '2028-02-29',
      '2028-03-01',
    ]);
  });
});

describe('the default status', () => {
  const rows = [
    { status: 'paye' as const, dueDate: '2026-01-05' },
    { status: 'a_payer' as const, dueDate: '2026-03-05' },
    { status: 'a_payer' as const, dueDate: '2026-02-05' },
  ];
  it('counts from the oldest unpaid instalment', () => {
    expect(oldestUnpaidDue(rows)).toBe('2026-02-05');
    expect(oldestUnpaidDue([{ status: 'paye', dueDate: '2026-01-05' }])).toBeNull();
  });
  it('is en_defaut when late by MORE than N days', () => {
    // 2026-02-05 + 30 days = 2026-03-07: 30 days late is not more than 30; 31 is.
    expect(isInDefault(rows, '2026-03-07', 30)).toBe(false);
    expect(isInDefault(rows, '2026-03-08', 30)).toBe(true);
    expect(isInDefault([{ status: 'paye', dueDate: '2026-01-05' }], '2027-01-01', 30)).toBe(false);
  });
});

describe('reminder days', () => {
  const asObject = (m: Map<string, number>) => Object.fromEntries(m);
  it('before a due date: 3 days and 1 day before, caught up until the next one or the due day', () => {
    // On 2026-04-10, catching up 3 days: due 04-13 (3 before), 04-12 (3 before, a day late),
    // 04-11 (1 before), 04-10 (1 before, due today).
    expect(asObject(reminderDueDates('2026-04-10', DUE_SOON_DAYS, 3, 0))).toEqual({
      '2026-04-13': -3,
      '2026-04-12': -3,
      '2026-04-11': -1,
      '2026-04-10': -1,
    });
    // Without catch-up: on the days themselves only.
    expect(asObject(reminderDueDates('2026-04-10', DUE_SOON_DAYS, 0, 0))).toEqual({
      '2026-04-13': -3,
      '2026-04-11': -1,
    });
  });
  it('after it: 1 and 7 days late, each caught up for catchUpDays', () => {
    expect(asObject(reminderDueDates('2026-04-10', OVERDUE_DAYS, 3))).toEqual({
      '2026-04-09': 1,
      '2026-04-08': 1,
      '2026-04-07': 1,
      '2026-04-06': 1,
      '2026-04-03': 7,
      '2026-04-02': 7,
      '2026-04-01': 7,
      '2026-03-31': 7,
    });
  });
  it('writes dates day/month/year', () => {
    expect(smsDate('2026-04-05')).toBe('05/04/2026');
  });
});
