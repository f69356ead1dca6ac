import { inflateSync } from 'node:zlib';

/**
 * The text lines a pdfkit document draws, for tests: every content stream (inflated when deflated), each
 * `[...] TJ` text operation's hex strings decoded (pdfkit writes the standard fonts' WinAnsi codes as hex)
 * and joined. Enough for the PDFs we make; no general PDF parser.
 */
export function pdfTextLines(pdf: Buffer): string[] {
  const raw = pdf.toString('latin1');
  const lines: string[] = [];
  const streams = /stream\r?\n([\s\S]*?)\r?\nendstream/g;
  for (const match of raw.matchAll(streams)) {
    const bytes = Buffer.from(match[1], 'latin1');
    let content: string;
    try {
      content = inflateSync(bytes).toString('latin1');
    } catch {
      content = match[1];
    }
    for (const op of content.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
      const text = [...op[1].matchAll(/<([0-9a-fA-F]*)>/g)]
        .map((h) => Buffer.from(h[1], 'hex').toString('latin1'))
        .join('');
      lines.push(text);
    }
  }
  return lines;
}

/** How many pages the document has. */
export function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
}
