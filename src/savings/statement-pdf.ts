import PDFDocument from 'pdfkit';
import { t } from '../infra/i18n';
import { formatXof } from '../shared/money';
import type { Statement } from './statements';

/** `2026-12-03` → `03/12/2026`. */
const dmy = (date: string) => date.split('-').reverse().join('/');

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 40;
const ROW = 15;
/** Date, label, credit, debit, balance: x and width of each column. */
const COLUMNS = [
  { key: 'date', x: MARGIN, width: 62, align: 'left' },
  { key: 'label', x: MARGIN + 66, width: 215, align: 'left' },
  { key: 'credit', x: MARGIN + 285, width: 70, align: 'right' },
  { key: 'debit', x: MARGIN + 359, width: 70, align: 'right' },
  { key: 'balance', x: MARGIN + 433, width: 82, align: 'right' },
] as const;

export interface PdfOptions {
  /** Deflate the page streams (default true; tests may read them plainly). */
  compress?: boolean;
}

/**
 * The statement as an A4 PDF (pdfkit, Helvetica: the standard fonts need no file): the SFD's name, the
 * client, the account number, the period, then the movements with their running balance (the header
 * row repeated on each page), then the totals; `Page n/N` at the foot of each page. Buffered: a year of
 * movements is a few hundred kilobytes at most.
 */
export function renderStatementPdf(statement: Statement, options: PdfOptions = {}): Promise<Buffer> {
  const tr = t(statement.lang, 'statements');
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    compress: options.compress ?? true,
    info: {
      Title: `${tr('title')} ${statement.accountNumber}`,
      Author: statement.sfd.name,
      Creator: 'TontiFlex',
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const bottom = A4.height - MARGIN - 20;
  const client = `${statement.client.firstName} ${statement.client.lastName}`;

  doc.font('Helvetica-Bold').fontSize(16).text(statement.sfd.name, MARGIN, MARGIN);
  doc.font('Helvetica').fontSize(12).text(tr('title'));
  doc.moveDown(0.5).fontSize(10);
  doc.text(`${tr('client')}: ${client}`);
  doc.text(`${tr('account')}: ${statement.accountNumber}`);
  doc.text(tr('period', { from: dmy(statement.from), to: dmy(statement.to) }));
  doc.text(tr('generated', { date: dmy(statement.at.toISOString().slice(0, 10)) }));
  doc.moveDown(1);

  let y = doc.y;
  const row = (cells: Record<(typeof COLUMNS)[number]['key'], string>, bold = false) => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
    for (const c of COLUMNS) {
      doc.text(cells[c.key], c.x, y, { width: c.width, align: c.align, lineBreak: false, ellipsis: true });
    }
    y += ROW;
  };
  const header = () => {
    row(
      {
        date: tr('columns.date'),
        label: tr('columns.label'),
        credit: tr('columns.credit'),
        debit: tr('columns.debit'),
        balance: tr('columns.balance'),
      },
      true,
    );
    doc
      .moveTo(MARGIN, y - 3)
      .lineTo(A4.width - MARGIN, y - 3)
      .lineWidth(0.5)
      .stroke();
  };
  const room = () => {
    if (y + ROW <= bottom) return;
    doc.addPage();
    y = MARGIN;
    header();
  };

  header();
  row({
    date: dmy(statement.from),
    label: tr('opening'),
    credit: '',
    debit: '',
    balance: formatXof(statement.opening),
  });
  for (const line of statement.lines) {
    room();
    row({
      date: dmy(line.date),
      label: line.label,
      credit: line.amount > 0 ? formatXof(line.amount) : '',
      debit: line.amount < 0 ? formatXof(-line.amount) : '',
      balance: formatXof(line.balance),
    });
  }
  if (statement.lines.length === 0) {
    room();
    row({ date: '', label: tr('none'), credit: '', debit: '', balance: '' });
  }
  room();
  doc
    .moveTo(MARGIN, y + 2)
    .lineTo(A4.width - MARGIN, y + 2)
    .lineWidth(0.5)
    .stroke();
  y += 6;
  room();
  row(
    {
      date: dmy(statement.to),
      label: tr('closing'),
      credit: formatXof(statement.totalIn),
      debit: formatXof(statement.totalOut),
      balance: formatXof(statement.closing),
    },
    true,
  );
  y += 4;
  room();
  row({ date: '', label: tr('total_in'), credit: formatXof(statement.totalIn), debit: '', balance: '' });
  room();
  row({ date: '', label: tr('total_out'), credit: '', debit: formatXof(statement.totalOut), balance: '' });

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing below the bottom margin would make pdfkit open a page: the foot sits in the margin.
    doc.page.margins.bottom = 0;
    doc
      .font('Helvetica')
      .fontSize(8)
      .text(
        `${statement.accountNumber} - ${tr('page', { page: i + 1, pages: range.count })}`,
        MARGIN,
        A4.height - MARGIN - 10,
        { width: A4.width - 2 * MARGIN, align: 'right', lineBreak: false },
      );
  }
  doc.end();
  return done;
}
