import type { Contact } from '../../../src/accounts/directory';
import type { SavingsAccount } from '../../../src/savings/entities';
import { renderStatementPdf } from '../../../src/savings/statement-pdf';
import type { Statement, StatementLine } from '../../../src/savings/statements';
import { pdfPageCount, pdfTextLines } from '../../helpers/pdf-text';

function statementOf(lines: StatementLine[], lang: 'fr' | 'en' = 'fr'): Statement {
  const opening = 2000;
  const totalIn = lines.filter((l) => l.amount > 0).reduce((s, l) => s + l.amount, 0);
  const totalOut = -lines.filter((l) => l.amount < 0).reduce((s, l) => s + l.amount, 0);
  return {
    account: { id: 1234, sfdId: 1, clientId: 9 } as SavingsAccount,
    accountNumber: 'CSC-0001234-7',
    sfd: { id: 1, name: 'SFD Alafia', timeZone: 'Africa/Porto-Novo' },
    client: { id: 9, firstName: 'Awa', lastName: 'Dossou', language: lang } as Contact,
    lang,
    from: '2026-11-01',
    to: '2026-11-30',
    opening,
    closing: opening + totalIn - totalOut,
    totalIn,
    totalOut,
    lines,
    at: new Date('2026-12-03T10:00:00Z'),
  };
}

function linesOf(n: number): StatementLine[] {
  let balance = 2000;
  return Array.from({ length: n }, (_, i) => {
    const amount = i % 3 === 2 ? -500 : 1500;
    balance += amount;
    return {
      at: new Date(Date.UTC(2026, 10, 1 + (i % 28), 9)),
      date: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}`,
      type: amount > 0 ? 'depot' : 'retrait',
      method: 'cash',
      agent: 'Koffi Agbo',
      transactionId: i + 1,
      label: amount > 0 ? 'Depot especes (agent Koffi Agbo)' : 'Retrait especes',
      amount,
      balance,
    } satisfies StatementLine;
  });
}

it('draws the SFD, the client, the account number, the period, every line and the totals (deflated)', async () => {
  const statement = statementOf(linesOf(3));
  const pdf = await renderStatementPdf(statement);
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(pdf.toString('latin1')).toContain('/FlateDecode');
  const text = pdfTextLines(pdf);
  expect(text).toEqual(
    expect.arrayContaining([
      'SFD Alafia',
      'Releve de compte epargne',
      'Client: Awa Dossou',
      'Compte: CSC-0001234-7',
      'Periode: du 01/11/2026 au 30/11/2026',
      "Solde d'ouverture",
      'Depot especes (agent Koffi Agbo)',
      'Retrait especes',
      '1 500',
      '3 500',
      '5 000',
      '4 500',
      'Solde de cloture',
      'CSC-0001234-7 - Page 1/1',
    ]),
  );
  // The closing row: 3 000 in, 500 out, 4 500 left.
  const closing = text.indexOf('Solde de cloture');
  expect(text.slice(closing - 1, closing + 4)).toEqual([
    '30/11/2026',
    'Solde de cloture',
    '3 000',
    '500',
    '4 500',
  ]);
  expect(pdfPageCount(pdf)).toBe(1);
});

it('runs over pages with the header repeated and the page count at each foot, in English', async () => {
  const pdf = await renderStatementPdf(statementOf(linesOf(120), 'en'), { compress: false });
  const pages = pdfPageCount(pdf);
  expect(pages).toBeGreaterThanOrEqual(3);
  const text = pdfTextLines(pdf);
  expect(text.filter((l) => l === 'Description')).toHaveLength(pages);
  for (let p = 1; p <= pages; p++) expect(text).toContain(`CSC-0001234-7 - Page ${p}/${pages}`);
  expect(text).toContain('Savings account statement');
  expect(text).toContain('Closing balance');
  // Sized sensibly: 120 lines in well under 100 kB.
  expect(pdf.length).toBeLessThan(100_000);
});

it('says when the period has no movement', async () => {
  const text = pdfTextLines(await renderStatementPdf(statementOf([])));
  expect(text).toContain('Aucun mouvement sur la periode.');
  expect(text).toContain('2 000');
});
