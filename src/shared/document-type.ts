/** The identity documents accepted (an ID card scanned or photographed, a photo of the client). */
export type DocumentType = 'image/jpeg' | 'image/png' | 'application/pdf';

/** The most one uploaded document may weigh: 5 MiB. */
export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

/**
 * Each accepted type's signature at the start of the file. A JPEG starts with SOI (FF D8) and the
 * first marker's FF; a PNG with its fixed 8-byte signature; a PDF with `%PDF-` (the spec tolerates
 * junk before it; an upload here must not have any).
 */
const SIGNATURES: ReadonlyArray<readonly [DocumentType, Buffer]> = [
  ['image/jpeg', Buffer.from([0xff, 0xd8, 0xff])],
  ['image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
  ['application/pdf', Buffer.from('%PDF-', 'ascii')],
];

/**
 * What a document is, from its bytes only: never its name or the type its sender declared, which
 * anyone can set. `null`: none of the accepted types (a short or empty buffer included).
 *
 * Not the `file-type` package: it is ESM-only since v17, and this project compiles to CommonJS (and
 * jest runs it as CommonJS); for three fixed signatures a table is all it would do here.
 */
export function detectDocumentType(bytes: Uint8Array): DocumentType | null {
  for (const [type, signature] of SIGNATURES) {
    if (bytes.length >= signature.length && signature.every((b, i) => bytes[i] === b)) return type;
  }
  return null;
}
