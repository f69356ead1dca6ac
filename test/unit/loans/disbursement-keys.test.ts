import { disbursementEntryKey, disbursementReversalKey } from '../../../src/loans/disbursement-payouts';
import { smsDate } from '../../../src/loans/notices';
import { rowStatus } from '../../../src/loans/loan-reads';

describe('a schedule row as shown', () => {
  it('paye once paid, whatever its date; unpaid: a_payer through its due date, en_retard the day after', () => {
    expect(rowStatus({ status: 'paye', dueDate: '2027-01-10' }, '2027-03-01')).toBe('paye');
    expect(rowStatus({ status: 'a_payer', dueDate: '2027-01-10' }, '2027-01-09')).toBe('a_payer');
    expect(rowStatus({ status: 'a_payer', dueDate: '2027-01-10' }, '2027-01-10')).toBe('a_payer');
    expect(rowStatus({ status: 'a_payer', dueDate: '2027-01-10' }, '2027-01-11')).toBe('en_retard');
    // Local dates compare as strings across months and years.
    expect(rowStatus({ status: 'a_payer', dueDate: '2026-12-31' }, '2027-01-01')).toBe('en_retard');
  });
});

describe('disbursement entry keys', () => {
  it('the first attempt keeps the plain key; each retry after a reversal has its own', () => {
    expect(disbursementEntryKey(12)).toBe('loan:12:disbursement');
    expect(disbursementEntryKey(12, 1)).toBe('loan:12:disbursement');
    expect(disbursementEntryKey(12, 2)).toBe('loan:12:disbursement:2');
    expect(disbursementReversalKey(12)).toBe('loan:12:disbursement:reversal');
    expect(disbursementReversalKey(12, 3)).toBe('loan:12:disbursement:3:reversal');
  });
});

describe('an SMS date', () => {
  it('reads day/month/year', () => {
    expect(smsDate('2027-01-03')).toBe('03/01/2027');
    expect(smsDate('2026-12-31')).toBe('31/12/2026');
  });
});
