import type { Context } from 'koa';
import multer, { MulterError } from 'multer';
import { recordAudit } from '../accounts/audit';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { forbidden, notFound, Problem, validationFailed } from '../http/errors';
import { isPlatformAdmin } from '../http/roles';
import { withinScope } from '../http/scope';
import type { StoredDocument } from '../infra/documents';
import { detectDocumentType, MAX_DOCUMENT_BYTES, type DocumentType } from '../shared/document-type';
import { SavingsAccount, SavingsDocument, type SavingsDocumentKind } from './entities';

/**
 * The identity documents of an opening request: the multipart upload (multer, in memory, never more
 * than MAX_DOCUMENT_BYTES a file: a larger one stops the read at the limit), the type recognized from
 * the bytes, the encrypted store, and the audited download by the SFD's staff.
 */

export const DOCUMENT_FIELDS: readonly SavingsDocumentKind[] = ['id_card', 'photo'];

/** A document read from the upload and recognized, not stored yet. */
export interface UploadedDocument {
  kind: SavingsDocumentKind;
  bytes: Buffer;
  contentType: DocumentType;
}

export interface Multipart {
  fields: Record<string, string>;
  documents: UploadedDocument[];
}

const upload = multer({
  storage: multer.memoryStorage(),
  limits: {
    fileSize: MAX_DOCUMENT_BYTES,
    // One more than accepted: a file under another name is refused naming its field (LIMIT_UNEXPECTED_FILE).
    files: DOCUMENT_FIELDS.length + 1,
    fields: 4,
    fieldSize: 1024,
    parts: DOCUMENT_FIELDS.length + 5,
    headerPairs: 200,
  },
}).fields(DOCUMENT_FIELDS.map((name) => ({ name, maxCount: 1 })));

type Files = Partial<Record<SavingsDocumentKind, Express.Multer.File[]>>;

/** What multer refuses, as a problem naming the field. */
function multerProblem(err: MulterError): Problem {
  const field = err.field ?? 'non_field_errors';
  switch (err.code) {
    case 'LIMIT_FILE_SIZE':
      return new Problem(
        413,
        'payload_too_large',
        `${field} is larger than 5 MiB (${MAX_DOCUMENT_BYTES} bytes)`,
        {
          [field]: ['document_too_large'],
        },
      );
    case 'LIMIT_UNEXPECTED_FILE':
    case 'LIMIT_FILE_COUNT':
      return new Problem(400, 'validation', `only one id_card and one photo may be sent`, {
        [field]: ['unexpected_file'],
      });
    default:
      return new Problem(400, 'bad_request', err.message);
  }
}

/**
 * Reads a multipart/form-data body: its text fields and the documents (`id_card`, `photo`), each
 * recognized by its bytes (detectDocumentType): anything else is a 400 naming the field, whatever
 * its name or declared type. Another content type is a 415.
 */
export async function readMultipart(ctx: Context): Promise<Multipart> {
  if (!ctx.is('multipart/form-data')) {
    throw new Problem(415, 'unsupported_media_type', 'send multipart/form-data');
  }
  const req = ctx.req as typeof ctx.req & { body?: Record<string, unknown>; files?: Files };
  await new Promise<void>((resolve, reject) => {
    upload(req as never, ctx.res as never, (err: unknown) => (err ? reject(err) : resolve()));
  }).catch((err: unknown) => {
    if (err instanceof MulterError) throw multerProblem(err);
    // A malformed body (busboy's "Unexpected end of form", a bad boundary): the sender's fault.
    throw new Problem(400, 'bad_request', err instanceof Error ? err.message : 'malformed multipart body');
  });
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.body ?? {})) {
    if (typeof value === 'string') fields[name] = value;
  }
  const documents: UploadedDocument[] = [];
  const wrong: Record<string, string[]> = {};
  for (const kind of DOCUMENT_FIELDS) {
    const file = req.files?.[kind]?.[0];
    if (!file) continue;
    const contentType = file.size > 0 ? detectDocumentType(file.buffer) : null;
    if (!contentType) wrong[kind] = ['document_type'];
    else documents.push({ kind, bytes: file.buffer, contentType });
  }
  delete req.files;
  if (Object.keys(wrong).length > 0) throw validationFailed(wrong);
  return { fields, documents };
}

/** Both documents present, else the 400 naming the missing ones. */
export function requireBoth(documents: UploadedDocument[]): void {
  const missing = DOCUMENT_FIELDS.filter((k) => !documents.some((d) => d.kind === k));
  if (missing.length > 0) throw validationFailed(Object.fromEntries(missing.map((k) => [k, ['required']])));
}

export interface StoredUpload extends UploadedDocument {
  stored: StoredDocument;
}

/**
 * Stores each document encrypted (deps.documents); on a failure the ones already stored are removed.
 * The caller writes the rows and, if that fails, calls `discard` (no file without its row).
 */
export async function storeDocuments(
  deps: Pick<Deps, 'documents' | 'logger'>,
  documents: UploadedDocument[],
): Promise<StoredUpload[]> {
  const stored: StoredUpload[] = [];
  try {
    for (const d of documents) stored.push({ ...d, stored: await deps.documents.put(d.bytes) });
  } catch (err) {
    await discard(
      deps,
      stored.map((s) => s.stored.key),
    );
    throw err;
  }
  return stored;
}

/** Removes stored files whose rows were not written (best effort: a leftover is only ciphertext). */
export async function discard(deps: Pick<Deps, 'documents' | 'logger'>, keys: string[]): Promise<void> {
  for (const key of keys) {
    await deps.documents.delete(key).catch((err: unknown) => {
      deps.logger.error({ err, key }, 'stored document not removed');
    });
  }
}

/** The rows of stored documents, for the account (insert them in the account's transaction). */
export const documentRows = (
  account: Pick<SavingsAccount, 'id' | 'sfdId'>,
  stored: StoredUpload[],
  uploadedBy: number | null,
  at: Date,
): Partial<SavingsDocument>[] =>
  stored.map((s) => ({
    sfdId: account.sfdId,
    accountId: account.id,
    kind: s.kind,
    contentType: s.contentType,
    size: s.stored.size,
    sha256: s.stored.sha256,
    storageKey: s.stored.key,
    uploadedBy,
    createdAt: at,
  }));

const EXTENSION: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'application/pdf': 'pdf',
};

/**
 * A document, decrypted, for the staff of the account's SFD (another SFD's: 404; clients and the
 * platform admin, who belongs to no SFD: 403). Audited (`savings.document.download`) before the bytes
 * leave.
 */
export async function downloadDocument(
  deps: Pick<Deps, 'db' | 'clock' | 'documents'>,
  p: Principal,
  accountId: number,
  documentId: number,
): Promise<{ bytes: Buffer; contentType: string; fileName: string }> {
  if (p.role === 'client' || isPlatformAdmin(p.role)) {
    throw forbidden('forbidden', 'only the staff of the account’s SFD download its documents');
  }
  const m = deps.db.manager;
  withinScope(p, await m.findOne(SavingsAccount, { where: { id: accountId } }));
  const doc = await m.findOne(SavingsDocument, { where: { id: documentId, accountId } });
  if (!doc) throw notFound();
  const bytes = await deps.documents.get(doc.storageKey);
  await recordAudit(
    m,
    {
      actor: p,
      sfdId: doc.sfdId,
      action: 'savings.document.download',
      targetType: 'savings_document',
      targetId: doc.id,
      after: { account_id: accountId, kind: doc.kind, sha256: doc.sha256 },
    },
    deps.clock.now(),
  );
  return {
    bytes,
    contentType: doc.contentType,
    fileName: `${doc.kind}-${accountId}-${doc.id}.${EXTENSION[doc.contentType] ?? 'bin'}`,
  };
}
