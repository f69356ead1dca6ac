import { z } from 'zod';
import { pageOf, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import {
  DOCUMENT_EXAMPLE,
  GUARANTEE_EXAMPLE,
  applicationDocumentParams,
  applicationParams,
  documentDto,
  documentMultipart,
  documentSchema,
  guaranteeBody,
  guaranteeDto,
  guaranteeSchema,
  listQuery,
} from './document-schemas';
import { readLoanUpload } from './documents';
import type { LoansContext } from './parts';

const WHO_ADDS =
  'The application’s client while it is `soumis` or `en_cours_examen`, or staff (agent or higher) of ' +
  'its SFD until it is decided (`transfere_admin` included); later, 409. Another SFD’s or another ' +
  'client’s application is a 404; the platform admin, who belongs to no SFD, a 403.';

/** An application's guarantees (other than the savings hold) and its PDF attachments. */
export function documentRoutes(ctx: LoansContext): RouteSpec[] {
  const docs = ctx.documents;
  return [
    route({
      method: 'get',
      path: '/api/loans/applications/:id/guarantees',
      summary: 'The guarantees of a loan application',
      description:
        'Its client, or staff of its SFD (the platform admin: any); others 404. Oldest first, paginated.',
      access: 'user',
      params: applicationParams,
      query: listQuery,
      response: {
        status: 200,
        description: 'A page of guarantees',
        schema: pageSchema(guaranteeSchema),
        example: { count: 1, next: null, previous: null, results: [GUARANTEE_EXAMPLE] },
      },
      handler: async ({ params, query, principal, ctx: koa }) => {
        const page = pageOf(query);
        const { rows, count } = await docs.guarantees(principal, params.id, page);
        return paginated(koa, page, count, rows.map(guaranteeDto));
      },
    }),
    route({
      method: 'post',
      path: '/api/loans/applications/:id/guarantees',
      summary: 'Add a guarantee to a loan application',
      description:
        '`type` (materiel, vehicule, immobilier, caution, autre), `value` (XOF, at least 1), ' +
        `\`description\` (1–500 characters, no control or bidi characters, no < >). ${WHO_ADDS} ` +
        'Audited (`loan.guarantee.create`).',
      access: 'user',
      params: applicationParams,
      body: guaranteeBody,
      example: { type: 'materiel', value: 350_000, description: 'Moulin a grains, facture jointe' },
      problems: [409],
      response: {
        status: 201,
        description: 'The guarantee',
        schema: guaranteeSchema,
        example: GUARANTEE_EXAMPLE,
      },
      handler: async ({ params, body, principal }) =>
        guaranteeDto(await docs.addGuarantee(principal, params.id, body)),
    }),
    route({
      method: 'get',
      path: '/api/loans/applications/:id/documents',
      summary: 'The attachments of a loan application (metadata)',
      description:
        'Its client, or staff of its SFD (the platform admin: any); others 404. Oldest first, ' +
        'paginated. The files themselves: `GET …/documents/{docId}/` (staff of the SFD).',
      access: 'user',
      params: applicationParams,
      query: listQuery,
      response: {
        status: 200,
        description: 'A page of attachments',
        schema: pageSchema(documentSchema),
        example: { count: 1, next: null, previous: null, results: [DOCUMENT_EXAMPLE] },
      },
      handler: async ({ params, query, principal, ctx: koa }) => {
        const page = pageOf(query);
        const { rows, count } = await docs.list(principal, params.id, page);
        return paginated(koa, page, count, rows.map(documentDto));
      },
    }),
    route({
      method: 'post',
      path: '/api/loans/applications/:id/documents',
      summary: 'Attach a PDF to a loan application',
      description:
        'multipart/form-data: `file` (a PDF recognized by its bytes, never by its name or declared ' +
        'type: anything else is a 415 `pdf_required`; at most 5 MiB, a larger one is a 413 naming the ' +
        'field), `kind` (business_plan, income_proof, guarantee_proof, other), optional `guarantee_id` ' +
        `(one of this application's guarantees, else 400). ${WHO_ADDS} Stored encrypted; audited ` +
        '(`loan.document.upload`).',
      access: 'user',
      params: applicationParams,
      bodyType: 'own',
      bodyMediaType: 'multipart/form-data',
      body: documentMultipart,
      problems: [409, 413, 415],
      response: {
        status: 201,
        description: 'The attachment',
        schema: documentSchema,
        example: DOCUMENT_EXAMPLE,
      },
      handler: async ({ params, principal, ctx: koa }) => {
        // Reach first: another SFD's application is a 404 before its body is read.
        await docs.mayAdd(principal, params.id);
        const upload = await readLoanUpload(koa);
        return documentDto(await docs.upload(principal, params.id, upload));
      },
    }),
    route({
      method: 'get',
      path: '/api/loans/applications/:id/documents/:docId',
      summary: 'Download an attachment of a loan application',
      description:
        'The PDF decrypted (`application/pdf`): staff (agent or higher) of the application’s SFD only ' +
        '(another SFD’s: 404; the client and the platform admin: 403). Each download is audited ' +
        '(`loan.document.download`).',
      access: 'agent_sfd',
      params: applicationDocumentParams,
      response: {
        status: 200,
        description: 'The document',
        type: 'application/pdf',
        schema: z.string().meta({ format: 'binary' }),
      },
      handler: async ({ params, principal, ctx: koa }) => {
        const doc = await docs.download(principal, params.id, params.docId);
        koa.set('Content-Disposition', `attachment; filename="${doc.fileName}"`);
        koa.set('Cache-Control', 'no-store');
        // A Buffer, not the documented string: the document's bytes as they are.
        return doc.bytes as unknown as string;
      },
    }),
  ];
}
