import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectDocumentType, MAX_DOCUMENT_BYTES } from '../../../src/shared/document-type';

/** A real 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
/** The start of a JFIF JPEG (SOI, APP0 "JFIF") and of an Exif one (a phone's camera: APP1). */
const JFIF = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
const EXIF = Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x18, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00]);
const PDF = Buffer.from(
  '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n',
  'latin1',
);

describe('detectDocumentType', () => {
  it('recognizes JPEG (JFIF and Exif), PNG and PDF by their first bytes', () => {
    expect(detectDocumentType(JFIF)).toBe('image/jpeg');
    expect(detectDocumentType(EXIF)).toBe('image/jpeg');
    expect(detectDocumentType(PNG)).toBe('image/png');
    expect(detectDocumentType(PDF)).toBe('application/pdf');
    expect(detectDocumentType(new Uint8Array(PNG))).toBe('image/png');
  });

  it('reads the bytes, never the name: text named .jpg is refused, a PNG named .pdf is a PNG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tontiflex-document-type-'));
    try {
      writeFileSync(join(dir, 'cni.jpg'), 'Carte nationale d identite de Koffi\n');
      writeFileSync(join(dir, 'photo.png'), '<html><body>not an image</body></html>');
      writeFileSync(join(dir, 'document.pdf'), PNG);
      expect(detectDocumentType(readFileSync(join(dir, 'cni.jpg')))).toBeNull();
      expect(detectDocumentType(readFileSync(join(dir, 'photo.png')))).toBeNull();
      expect(detectDocumentType(readFileSync(join(dir, 'document.pdf')))).toBe('image/png');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['an empty buffer', Buffer.alloc(0)],
    ['one byte of a JPEG', Buffer.from([0xff])],
    ['two bytes of a JPEG', Buffer.from([0xff, 0xd8])],
    ['seven bytes of the PNG signature', PNG.subarray(0, 7)],
    ['%PDF without its dash', Buffer.from('%PDF')],
    ['a PDF with junk before its header', Buffer.concat([Buffer.from('\n'), PDF])],
    ['a PDF behind a byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), PDF])],
    ['a lowercase %pdf-', Buffer.from('%pdf-1.4')],
    [
      'the PNG signature with one byte changed',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0b]),
    ],
    ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1')],
    ['a ZIP (a .docx)', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00])],
    ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')],
    ['a Windows executable', Buffer.from('MZ\x90\x00', 'latin1')],
    ['zeros', Buffer.alloc(64)],
  ])('refuses %s', (_, bytes) => {
    expect(detectDocumentType(bytes)).toBeNull();
  });

  it('caps a document at 5 MiB', () => {
    expect(MAX_DOCUMENT_BYTES).toBe(5_242_880);
  });
});
