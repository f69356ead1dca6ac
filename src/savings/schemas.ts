import { z } from 'zod';
import { phoneSchema } from '../accounts/phone';
import { pageQuery } from '../http/pagination';
import { recordId } from '../http/validate';
import { formatAccountNumber } from './account-number';
import { OPENING_FEE_RANGE, type SavingsAccount, type SavingsDocument } from './entities';

export { idParams } from '../http/validate';

/** The shared answer shapes of savings accounts (the opening's routes and the money routes use them). */

export const SAVINGS_ACCOUNT_STATUSES = [
  'en_cours_creation',
  'validee_agent',
  'paiement_effectue',
  'actif',
  'suspendu',
  'ferme',
  'rejete',
] as const;

export const DOCUMENT_KINDS = ['id_card', 'photo'] as const;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const SAVINGS_DOCUMENT_EXAMPLE = {
  id: 5,
  kind: 'id_card',
  content_type: 'image/jpeg',
  size: 183_204,
  uploaded_by: 7,
  created_at: '2025-03-03T09:00:00.000Z',
} as const;

export const savingsDocumentSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(DOCUMENT_KINDS),
    content_type: z.enum(['image/jpeg', 'image/png', 'application/pdf']).meta({
      description: 'As recognized from the bytes, never as declared',
    }),
    size: z.number().int().meta({ description: 'Bytes' }),
    uploaded_by: z.number().int().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'SavingsDocument', example: SAVINGS_DOCUMENT_EXAMPLE });

export const savingsDocumentDto = (d: SavingsDocument): z.input<typeof savingsDocumentSchema> => ({
  id: d.id,
  kind: d.kind,
  content_type: d.contentType as z.input<typeof savingsDocumentSchema>['content_type'],
  size: d.size,
  uploaded_by: d.uploadedBy,
  created_at: d.createdAt.toISOString(),
});

export const SAVINGS_ACCOUNT_EXAMPLE = {
  id: 1234,
  account_number: 'CSC-0001234-7',
  sfd_id: 1,
  client_id: 12,
  status: 'en_cours_creation',
  opening_fee: 1000,
  reason: null,
  requested_by: 7,
  decided_by: null,
  decided_at: null,
  fee_payment_reference: null,
  opened_at: null,
  created_at: '2025-03-03T09:00:00.000Z',
  updated_at: '2025-03-03T09:00:00.000Z',
  documents: [SAVINGS_DOCUMENT_EXAMPLE],
} as const;

export const savingsAccountSchema = z
  .object({
    id: z.number().int(),
    account_number: z.string().meta({ description: 'CSC-0001234-7: the id on 7 digits and a check digit' }),
    sfd_id: z.number().int(),
    client_id: z.number().int(),
    status: z.enum(SAVINGS_ACCOUNT_STATUSES),
    opening_fee: z.number().int().meta({ description: 'XOF: the SFD’s fee when the request was made' }),
    reason: z.string().nullable().meta({ description: 'Why the request was rejected' }),
    requested_by: z.number().int().nullable().meta({ description: 'Staff who asked; null: the client' }),
    decided_by: z.number().int().nullable(),
    decided_at: z.string().nullable(),
    fee_payment_reference: z.string().nullable(),
    opened_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    documents: z.array(savingsDocumentSchema).optional().meta({ description: 'Staff only' }),
    balance: z.number().int().optional().meta({ description: 'Ledger balance, XOF' }),
    available: z
      .number()
      .int()
      .optional()
      .meta({ description: 'What a withdrawal may take: balance − holds − pending withdrawals' }),
  })
  .meta({ id: 'SavingsAccount', example: SAVINGS_ACCOUNT_EXAMPLE });

export type SavingsAccountDto = z.input<typeof savingsAccountSchema>;

/** The account's answer; `extra` adds what the caller read beside it (its documents, its balance). */
export const savingsAccountDto = (
  a: SavingsAccount,
  extra: { documents?: SavingsDocument[]; balance?: number; available?: number } = {},
): SavingsAccountDto => ({
  id: a.id,
  account_number: formatAccountNumber(a.id),
  sfd_id: a.sfdId,
  client_id: a.clientId,
  status: a.status,
  opening_fee: a.openingFee,
  reason: a.reason,
  requested_by: a.requestedBy,
  decided_by: a.decidedBy,
  decided_at: iso(a.decidedAt),
  fee_payment_reference: a.feePaymentReference,
  opened_at: iso(a.openedAt),
  created_at: a.createdAt.toISOString(),
  updated_at: a.updatedAt.toISOString(),
  ...(extra.documents ? { documents: extra.documents.map(savingsDocumentDto) } : {}),
  ...(extra.balance !== undefined ? { balance: extra.balance } : {}),
  ...(extra.available !== undefined ? { available: extra.available } : {}),
});

const sfdIdFilter = z.coerce
  .number()
  .int()
  .positive()
  .optional()
  .meta({ description: 'Platform admin only' });

export const listSavingsAccountsQuery = pageQuery.extend({
  status: z.enum(SAVINGS_ACCOUNT_STATUSES).optional(),
  client_id: z.coerce.number().int().positive().optional().meta({ description: 'Staff only' }),
  date_from: z.iso
    .date()
    .optional()
    .meta({ description: "Asked on or after this day, in the SFD's time zone" }),
  date_to: z.iso
    .date()
    .optional()
    .meta({ description: "Asked on or before this day, in the SFD's time zone" }),
  sfd_id: sfdIdFilter,
});
export type ListSavingsAccountsQuery = z.output<typeof listSavingsAccountsQuery>;

export const requestAccountBody = z.object({
  client_id: z.number().int().positive().optional().meta({ description: 'Staff only (required)' }),
});

/** The multipart request's documented body (the handler reads it itself, see documents.ts). */
const documentFile = z.string().meta({
  format: 'binary',
  description: 'JPEG, PNG or PDF (recognized by its bytes), at most 5 MiB',
});
export const createRequestMultipart = z.object({
  client_id: z.string().optional().meta({ description: 'Staff only (required): the client’s id' }),
  id_card: documentFile,
  photo: documentFile,
});
export const uploadDocumentsMultipart = z.object({
  id_card: documentFile.optional(),
  photo: documentFile.optional(),
});

export const documentParams = z.object({ id: recordId, docId: recordId });

export const payFeesBody = z
  .object({
    phone: phoneSchema.optional().meta({ description: "The paying phone; default: the client's" }),
  })
  .default({});

export const settingsQuery = z.object({ sfd_id: sfdIdFilter });
export const settingsBody = z.object({
  opening_fee: z
    .number()
    .int()
    .min(OPENING_FEE_RANGE.min)
    .max(OPENING_FEE_RANGE.max)
    .meta({ description: `XOF, ${OPENING_FEE_RANGE.min}–${OPENING_FEE_RANGE.max}` }),
});
export const settingsSchema = z
  .object({
    sfd_id: z.number().int(),
    opening_fee: z.number().int(),
    updated_by: z.number().int().nullable(),
    updated_at: z.string().nullable().meta({ description: 'null: never set (the default applies)' }),
  })
  .meta({
    id: 'SavingsSettings',
    example: { sfd_id: 1, opening_fee: 1000, updated_by: null, updated_at: null },
  });
