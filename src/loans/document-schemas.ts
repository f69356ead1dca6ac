import { z } from 'zod';
import { pageQuery } from '../http/pagination';
import { safeText } from '../http/text';
import { recordId } from '../http/validate';
import { GUARANTEE_TYPES, type LoanDocument, type LoanGuarantee } from './entities';

/** The request and answer shapes of an application's guarantees and attachments. */

/** What an attachment is about: the `kind` field of the upload. */
export const LOAN_DOCUMENT_KINDS = ['business_plan', 'income_proof', 'guarantee_proof', 'other'] as const;
export type LoanDocumentKind = (typeof LOAN_DOCUMENT_KINDS)[number];

export const applicationParams = z.object({ id: recordId });
export const applicationDocumentParams = z.object({ id: recordId, docId: recordId });
export const listQuery = pageQuery;

/** The most a guarantee may be declared worth: far above any microloan, under the safe-integer range. */
const MAX_VALUE = 1_000_000_000_000;

export const guaranteeBody = z
  .object({
    type: z.enum(GUARANTEE_TYPES),
    value: z.number().int().min(1).max(MAX_VALUE).meta({ description: 'XOF, at least 1' }),
    description: safeText(1, 500),
  })
  .meta({ id: 'LoanGuaranteeInput' });

export const GUARANTEE_EXAMPLE = {
  id: 3,
  application_id: 41,
  type: 'materiel',
  value: 350_000,
  description: 'Moulin a grains, facture jointe',
  created_at: '2026-03-02T09:30:00.000Z',
} as const;

export const guaranteeSchema = z
  .object({
    id: z.number().int(),
    application_id: z.number().int(),
    type: z.enum(GUARANTEE_TYPES),
    value: z.number().int().meta({ description: 'XOF' }),
    description: z.string(),
    created_at: z.string(),
  })
  .meta({ id: 'LoanGuarantee', example: GUARANTEE_EXAMPLE });

export const guaranteeDto = (g: LoanGuarantee): z.input<typeof guaranteeSchema> => ({
  id: g.id,
  application_id: g.applicationId,
  type: g.type,
  value: g.value,
  description: g.description,
  created_at: g.createdAt.toISOString(),
});

/** The text fields of the multipart upload (the file is read by documents.ts). */
export const documentFields = z.object({
  kind: z.enum(LOAN_DOCUMENT_KINDS),
  guarantee_id: recordId.optional(),
});

/** The multipart upload's documented body (the handler reads it itself). */
export const documentMultipart = z.object({
  file: z.string().meta({ format: 'binary', description: 'A PDF (recognized by its bytes), at most 5 MiB' }),
  kind: z.enum(LOAN_DOCUMENT_KINDS),
  guarantee_id: z.string().optional().meta({ description: 'A guarantee of this application it proves' }),
});

export const DOCUMENT_EXAMPLE = {
  id: 9,
  application_id: 41,
  guarantee_id: 3,
  kind: 'guarantee_proof',
  content_type: 'application/pdf',
  size: 183_204,
  sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  uploaded_by: 7,
  created_at: '2026-03-02T09:31:00.000Z',
} as const;

export const documentSchema = z
  .object({
    id: z.number().int(),
    application_id: z.number().int(),
    guarantee_id: z.number().int().nullable(),
    kind: z.enum(LOAN_DOCUMENT_KINDS),
    content_type: z.literal('application/pdf').meta({ description: 'Recognized from the bytes' }),
    size: z.number().int().meta({ description: 'Bytes' }),
    sha256: z.string().meta({ description: 'SHA-256 of the document, hex' }),
    uploaded_by: z.number().int().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'LoanDocument', example: DOCUMENT_EXAMPLE });

export const documentDto = (d: LoanDocument): z.input<typeof documentSchema> => ({
  id: d.id,
  application_id: d.applicationId,
  guarantee_id: d.guaranteeId,
  kind: d.kind as LoanDocumentKind,
  content_type: 'application/pdf',
  size: d.size,
  sha256: d.sha256,
  uploaded_by: d.uploadedBy,
  created_at: d.createdAt.toISOString(),
});
