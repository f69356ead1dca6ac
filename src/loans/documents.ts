import type { Context } from 'koa';
import multer, { MulterError } from 'multer';
import { recordAudit } from '../accounts/audit';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { forbidden, notFound, Problem, validationFailed } from '../http/errors';
import type { Page } from '../http/pagination';
import { isPlatformAdmin } from '../http/roles';
import { parse } from '../http/validate';
import { detectDocumentType, MAX_DOCUMENT_BYTES } from '../shared/document-type';
import { documentFields, type LoanDocumentKind } from './document-schemas';
import { LoanDocument, LoanGuarantee } from './entities';
import {
  addGuarantee,
  listGuarantees,
  lockOpenApplication,
  reachApplication,
  type GuaranteeInput,
} from './guarantees';

/**
 * The attachments of a loan application: PDFs only (recognized by their bytes), read from a multipart
 * upload in memory (multer, never more than MAX_DOCUMENT_BYTES: a larger file stops the read at the
 * limit), encrypted in the document store exactly like the savings identity documents, listed by their
 * metadata, downloaded decrypted by the SFD's staff only (audited). Who may add and read: guarantees.ts.
 */

export interface LoanUpload {
  kind: LoanDocumentKind;
  guaranteeId: number | null;
  bytes: Buffer;
}

const FILE_FIELD = 'file';

const upload = multer({
  storage: multer.memoryStorage(),
  limits: {
    fileSize: MAX_DOCUMENT_BYTES,
    // One more than accepted: a second file is refused naming its field.
    files: 2,
    fields: 3,
    fieldSize: 1024,
    parts: 6,
    headerPairs: 200,
  },
}).fields([{ name: FILE_FIELD, maxCount: 1 }]);

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
      return new Problem(400, 'validation', 'only one file, under `file`, may be sent', {
        [field]: ['unexpected_file'],
      });
    default:
      return new Problem(400, 'bad_request', err.message);
  }
}

/**
 * Reads the multipart body: `file` (required; a PDF by its bytes, whatever its name or declared type,
 * else 415 `pdf_required`), `kind`, optional `guarantee_id`. Another content type is a 415 too.
 */
export async function readLoanUpload(ctx: Context): Promise<LoanUpload> {
  if (!ctx.is('multipart/form-data')) {
    throw new Problem(415, 'unsupported_media_type', 'send multipart/form-data');
  }
  type Files = Partial<Record<string, Express.Multer.File[]>>;
  const req = ctx.req as typeof ctx.req & { body?: Record<string, unknown>; files?: Files };
  await new Promise<void>((resolve, reject) => {
    upload(req as never, ctx.res as never, (err: unknown) => (err ? reject(err) : resolve()));
  }).catch((err: unknown) => {
    if (err instanceof MulterError) throw multerProblem(err);
    throw new Problem(400, 'bad_request', err instanceof Error ? err.message : 'malformed multipart body');
  });
  const file = req.files?.[FILE_FIELD]?.[0];
  const body = req.body ?? {};
  delete req.files;
  const fields = parse(documentFields, {
    kind: typeof body.kind === 'string' ? body.kind : undefined,
    guarantee_id: typeof body.guarantee_id === 'string' && body.guarantee_id ? body.guarantee_id : undefined,
  });
  if (!file) throw validationFailed({ [FILE_FIELD]: ['required'] });
  if (file.size === 0 || detectDocumentType(file.buffer) !== 'application/pdf') {
    throw new Problem(415, 'pdf_required', 'the file must be a PDF', { [FILE_FIELD]: ['pdf_required'] });
  }
  return { kind: fields.kind, guaranteeId: fields.guarantee_id ?? null, bytes: file.buffer };
}

/** Guarantees and attachments of loan applications. */
export class LoanDocumentsService {
  constructor(readonly deps: Pick<Deps, 'db' | 'clock' | 'documents' | 'logger'>) {}

  addGuarantee(p: Principal, applicationId: number, input: GuaranteeInput): Promise<LoanGuarantee> {
    return addGuarantee(this.deps, p, applicationId, input);
  }

  guarantees(p: Principal, applicationId: number, page: Page) {
    return listGuarantees(this.deps, p, applicationId, page);
  }

  /** Checks that `p` may add to the application at all (a 403/404 before the body is read). */
  async mayAdd(p: Principal, applicationId: number): Promise<void> {
    await reachApplication(this.deps.db.manager, p, applicationId, 'write');
  }

  /**
   * Stores the PDF encrypted, then in one transaction (the application locked and still open to `p`,
   * the guarantee, if named, one of this application's) its row and the audit `loan.document.upload`.
   * A refusal after the store removes the file again: no file without its row.
   */
  async upload(p: Principal, applicationId: number, doc: LoanUpload): Promise<LoanDocument> {
    await reachApplication(this.deps.db.manager, p, applicationId, 'write');
    const stored = await this.deps.documents.put(doc.bytes);
    try {
      return await this.deps.db.transaction(async (manager) => {
        const application = await lockOpenApplication(manager, p, applicationId);
        if (doc.guaranteeId !== null) {
          const guarantee = await manager.findOne(LoanGuarantee, {
            where: { id: doc.guaranteeId, applicationId },
          });
          if (!guarantee) throw validationFailed({ guarantee_id: ['not_found'] });
        }
        const at = this.deps.clock.now();
        const row = await manager.save(
          manager.create(LoanDocument, {
            sfdId: application.sfdId,
            applicationId,
            guaranteeId: doc.guaranteeId,
            kind: doc.kind,
            contentType: 'application/pdf',
            size: stored.size,
            sha256: stored.sha256,
            storageKey: stored.key,
            uploadedBy: p.userId,
            createdAt: at,
          }),
        );
        await recordAudit(
          manager,
          {
            actor: p,
            sfdId: application.sfdId,
            action: 'loan.document.upload',
            targetType: 'loan_document',
            targetId: row.id,
            after: { application_id: applicationId, kind: doc.kind, sha256: stored.sha256 },
          },
          at,
        );
        return row;
      });
    } catch (err) {
      await this.deps.documents.delete(stored.key).catch((e: unknown) => {
        this.deps.logger.error({ err: e, key: stored.key }, 'stored loan document not removed');
      });
      throw err;
    }
  }

  /** An application's attachments' metadata, oldest first (its client, or staff of its SFD). */
  async list(
    p: Principal,
    applicationId: number,
    page: Page,
  ): Promise<{ rows: LoanDocument[]; count: number }> {
    await reachApplication(this.deps.db.manager, p, applicationId, 'read');
    const [rows, count] = await this.deps.db.manager.findAndCount(LoanDocument, {
      where: { applicationId },
      order: { id: 'ASC' },
      skip: page.skip,
      take: page.take,
    });
    return { rows, count };
  }

  /**
   * An attachment decrypted, for the staff of the application's SFD only (another SFD's: 404; clients
   * and the platform admin, who belongs to no SFD: 403). Audited (`loan.document.download`) before the
   * bytes leave.
   */
  async download(
    p: Principal,
    applicationId: number,
    documentId: number,
  ): Promise<{ bytes: Buffer; fileName: string }> {
    if (p.role === 'client' || isPlatformAdmin(p.role)) {
      throw forbidden('forbidden', 'only the staff of the application’s SFD download its documents');
    }
    const m = this.deps.db.manager;
    await reachApplication(m, p, applicationId, 'read');
    const doc = await m.findOne(LoanDocument, { where: { id: documentId, applicationId } });
    if (!doc) throw notFound();
    const bytes = await this.deps.documents.get(doc.storageKey);
    await recordAudit(
      m,
      {
        actor: p,
        sfdId: doc.sfdId,
        action: 'loan.document.download',
        targetType: 'loan_document',
        targetId: doc.id,
        after: { application_id: applicationId, kind: doc.kind, sha256: doc.sha256 },
      },
      this.deps.clock.now(),
    );
    return { bytes, fileName: `${doc.kind}-${applicationId}-${doc.id}.pdf` };
  }
}
