import { csvField, toCsv } from '../../../src/shared/csv';

describe('CSV (RFC 4180)', () => {
  it('quotes a field with a comma, a quote or a line break, doubling its quotes', () => {
    expect(['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r'].map(csvField)).toEqual([
      'plain',
      '"a,b"',
      '"say ""hi"""',
      '"two\nlines"',
      '"cr\r"',
    ]);
  });

  it('defuses a text a spreadsheet would run as a formula; numbers stay numbers', () => {
    expect(['=1+1', '+33', '-2', '@SUM(A1)', '=HYPERLINK("x","y")'].map(csvField)).toEqual([
      "'=1+1",
      "'+33",
      "'-2",
      "'@SUM(A1)",
      `"'=HYPERLINK(""x"",""y"")"`,
    ]);
    expect([-5, 0, 1200, null].map(csvField)).toEqual(['-5', '0', '1200', '']);
  });

  it('a header row, then one row per record in the columns order, CRLF', () => {
    expect(
      toCsv(
        ['b', 'a'],
        [
          { a: 1, b: 'x' },
          { a: 2, b: 'y,z' },
        ],
      ),
    ).toBe('b,a\r\nx,1\r\n"y,z",2\r\n');
    expect(toCsv(['a'], [])).toBe('a\r\n');
  });
});
