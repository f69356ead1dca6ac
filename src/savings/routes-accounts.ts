import { z } from 'zod';
import type { Deps } from '../deps';
import { pageOf, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import { parse, recordId } from '../http/validate';
import { decisionBody } from '../workflow/decide';
import { downloadDocument, readMultipart, requireBoth } from './documents';
import type { SavingsAccount, SavingsDocument } from './entities';
import type { SavingsOpeningService } from './opening';
import {
  createRequestMultipart,
  documentParams,
  idParams,
  listSavingsAccountsQuery,
  payFeesBody,
  requestAccountBody,
  SAVINGS_ACCOUNT_EXAMPLE,
  savingsAccountDto,
  savingsAccountSchema,
  settingsBody,
  settingsQuery,
  settingsSchema,
  uploadDocumentsMultipart,
} from './schemas';
import type { SavingsSettingsService, SettingsView } from './settings';

const REQUEST_EXAMPLE = { ...SAVINGS_ACCOUNT_EXAMPLE };
const { documents: _documents, ...CLIENT_VIEW_EXAMPLE } = SAVINGS_ACCOUNT_EXAMPLE;
void _documents;

const withDocs = (r: { account: SavingsAccount; documents?: SavingsDocument[] }) =>
  savingsAccountDto(r.account, { documents: r.documents });

const settingsDto = (s: SettingsView) => ({
  sfd_id: s.sfdId,
  opening_fee: s.openingFee,
  updated_by: s.updatedBy,
  updated_at: s.updatedAt ? s.updatedAt.toISOString() : null,
});

/** The `client_id` text field of a multipart request. */
const clientIdField = z.object({ client_id: recordId.optional() });

/**
 * The opening of a savings account: the requests (with or without the identity documents), the
 * documents' upload and audited download, the agent's decision, the opening fee; the reads; the
 * SFD's opening-fee setting.
 */
export function openingRoutes(
  deps: Pick<Deps, 'db' | 'clock' | 'documents'>,
  opening: SavingsOpeningService,
  settings: SavingsSettingsService,
): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/savings/accounts',
      summary: 'Savings accounts and opening requests',
      description:
        "A client sees their own; staff their SFD's (the platform admin every SFD's, or `sfd_id`'s). " +
        'Filters: `status`, `client_id` (staff), `date_from`/`date_to` (days asked, in the SFD’s time ' +
        'zone). Newest first.',
      access: 'user',
      query: listSavingsAccountsQuery,
      response: {
        status: 200,
        description: 'A page of accounts',
        schema: pageSchema(savingsAccountSchema),
        example: { count: 1, next: null, previous: null, results: [CLIENT_VIEW_EXAMPLE] },
      },
      handler: async ({ query, principal, ctx }) => {
        const page = pageOf(query);
        const { rows, count } = await opening.list(principal, query, page);
        return paginated(
          ctx,
          page,
          count,
          rows.map((a) => savingsAccountDto(a)),
        );
      },
    }),
    route({
      method: 'post',
      path: '/api/savings/accounts',
      summary: 'Ask to open a savings account, without the documents',
      description:
        'A client asks for themself; an agent (or higher) for a client of their SFD (`client_id`). The ' +
        'request is `en_cours_creation` with the SFD’s opening fee; the identity documents are uploaded ' +
        'later by an agent (`POST .../{id}/documents/`). A client with a request in progress or an ' +
        "account is a 409. The SFD's agents and supervisors get an in-app notice (`savings_ouverture_pending`).",
      access: 'user',
      body: requestAccountBody,
      example: { client_id: 12 },
      problems: [409],
      response: {
        status: 201,
        description: 'The request',
        schema: savingsAccountSchema,
        example: CLIENT_VIEW_EXAMPLE,
      },
      handler: async ({ body, principal }) =>
        savingsAccountDto(await opening.request(principal, body.client_id)),
    }),
    route({
      method: 'post',
      path: '/api/savings/accounts/create-request',
      summary: 'Ask to open a savings account, with the identity documents',
      description:
        'multipart/form-data: `client_id` (staff: a client of their SFD; a client asks for themself), ' +
        '`id_card` and `photo`, each a JPEG, PNG or PDF recognized by its bytes (never its name or ' +
        'declared type: anything else is a 400 naming the field) of at most 5 MiB (a larger one is a ' +
        '413 naming the field). The files are stored encrypted. 409 for a client with a request in ' +
        "progress or an account; 415 for another content type. The SFD's agents and supervisors get an " +
        'in-app notice.',
      access: 'user',
      bodyType: 'own',
      bodyMediaType: 'multipart/form-data',
      body: createRequestMultipart,
      problems: [400, 409, 413, 415],
      response: {
        status: 201,
        description: 'The request',
        schema: savingsAccountSchema,
        example: REQUEST_EXAMPLE,
      },
      handler: async ({ principal, ctx }) => {
        const { fields, documents } = await readMultipart(ctx);
        const { client_id } = parse(clientIdField, { client_id: fields.client_id || undefined });
        requireBoth(documents);
        const account = await opening.request(principal, client_id, documents);
        return withDocs(await opening.get(principal, account.id));
      },
    }),
    route({
      method: 'get',
      path: '/api/savings/accounts/my-account',
      summary: 'My savings account',
      description:
        "The calling client's account or request in progress (else their latest one, e.g. rejected, " +
        'with its reason); 404 if they never asked.',
      access: 'client',
      response: {
        status: 200,
        description: 'The account',
        schema: savingsAccountSchema,
        example: CLIENT_VIEW_EXAMPLE,
      },
      handler: async ({ principal }) => savingsAccountDto(await opening.mine(principal)),
    }),
    route({
      method: 'get',
      path: '/api/savings/settings',
      summary: "The SFD's savings settings",
      description:
        "Staff read their SFD's opening fee (the default 1 000 XOF when never set); the platform admin " +
        'names the SFD (`sfd_id`).',
      access: 'agent_sfd',
      query: settingsQuery,
      response: { status: 200, description: 'The settings', schema: settingsSchema },
      handler: async ({ query, principal }) => settingsDto(await settings.get(principal, query.sfd_id)),
    }),
    route({
      method: 'put',
      path: '/api/savings/settings',
      summary: "Set the SFD's opening fee",
      description:
        'The admin of the SFD sets the opening fee (500–5 000 XOF) charged to the requests made from now ' +
        'on (a request keeps the fee it was made with). Audited (`savings.settings.update`). The platform ' +
        'admin, who belongs to no SFD, may not (403).',
      access: 'admin_sfd',
      body: settingsBody,
      example: { opening_fee: 1500 },
      response: { status: 200, description: 'The settings', schema: settingsSchema },
      handler: async ({ body, principal }) => settingsDto(await settings.put(principal, body.opening_fee)),
    }),
    route({
      method: 'get',
      path: '/api/savings/accounts/:id',
      summary: 'One savings account',
      description:
        "Its client, or its SFD's staff (the platform admin: any), staff with its documents; any other " +
        'is a 404.',
      access: 'user',
      params: idParams,
      response: {
        status: 200,
        description: 'The account',
        schema: savingsAccountSchema,
        example: REQUEST_EXAMPLE,
      },
      handler: async ({ params, principal }) => withDocs(await opening.get(principal, params.id)),
    }),
    route({
      method: 'post',
      path: '/api/savings/accounts/:id/documents',
      summary: 'Upload the identity documents of an opening request',
      description:
        'multipart/form-data, `id_card` and/or `photo` (JPEG, PNG or PDF by their bytes, at most 5 MiB ' +
        'each): an agent (or higher) of the account’s SFD, for a request still `en_cours_creation` (409 ' +
        'otherwise); each replaces the one of its kind. Stored encrypted; audited (`savings.document.upload`).',
      access: 'agent_sfd',
      params: idParams,
      bodyType: 'own',
      bodyMediaType: 'multipart/form-data',
      body: uploadDocumentsMultipart,
      problems: [400, 409, 413, 415],
      response: {
        status: 200,
        description: 'The request, with its documents',
        schema: savingsAccountSchema,
        example: REQUEST_EXAMPLE,
      },
      handler: async ({ params, principal, ctx }) => {
        // Reach first: another SFD's request is a 404 before its body is read.
        await opening.get(principal, params.id);
        const { documents } = await readMultipart(ctx);
        return withDocs(await opening.addDocuments(principal, params.id, documents));
      },
    }),
    route({
      method: 'get',
      path: '/api/savings/accounts/:id/documents/:docId',
      summary: 'Download an identity document',
      description:
        'The document decrypted, with the type recognized when it was uploaded (`image/jpeg`, ' +
        '`image/png` or `application/pdf`): staff of the account’s SFD only (another SFD’s: 404; the ' +
        'platform admin: 403). Each download is audited (`savings.document.download`).',
      access: 'agent_sfd',
      params: documentParams,
      response: {
        status: 200,
        description: 'The document',
        type: 'application/octet-stream',
        schema: z.string().meta({ format: 'binary' }),
      },
      handler: async ({ params, principal, ctx }) => {
        const doc = await downloadDocument(deps, principal, params.id, params.docId);
        ctx.type = doc.contentType;
        ctx.set('Content-Disposition', `attachment; filename="${doc.fileName}"`);
        ctx.set('Cache-Control', 'no-store');
        // A Buffer, not the documented string: the document's bytes as they are.
        return doc.bytes as unknown as string;
      },
    }),
    route({
      method: 'post',
      path: '/api/savings/accounts/:id/validate-request',
      summary: 'Decide on an opening request',
      description:
        'An agent (or higher) of the account’s own SFD decides on an `en_cours_creation` request (the ' +
        'platform admin and the staff member who made the request may not: 403): approve (both identity documents required, else 409) → ' +
        "`validee_agent`, the client's KYC `verified` if it was pending; reject → `rejete` (reason " +
        'required), the client free to ask again. The client gets an SMS in their language, the ' +
        'agents’ notice is closed, the decision audited (`savings.account.approve` / `.reject`). One ' +
        'that no longer waits is a 409.',
      access: 'agent_sfd',
      params: idParams,
      body: decisionBody,
      example: { decision: 'approve' },
      problems: [409],
      response: {
        status: 200,
        description: 'The decided request',
        schema: savingsAccountSchema,
        example: { ...CLIENT_VIEW_EXAMPLE, status: 'validee_agent', decided_by: 7 },
      },
      handler: async ({ params, body, principal }) =>
        savingsAccountDto(await opening.decide(principal, params.id, body)),
    }),
    route({
      method: 'post',
      path: '/api/savings/accounts/:id/pay-fees',
      summary: 'Pay the opening fee',
      description:
        'The client (or staff of the SFD for them) starts the opening fee’s collection on a ' +
        '`validee_agent` account: the operator prompts the phone (`phone`, default the client’s); the ' +
        'account stays `validee_agent` (with the payment’s reference) until the payment succeeds, then ' +
        'becomes `actif` and the client gets an SMS with the account number. Again after a failed or ' +
        'expired payment; 409 while one is pending or when no fee is due.',
      access: 'user',
      params: idParams,
      body: payFeesBody,
      example: {},
      problems: [409, 502, 503],
      response: {
        status: 200,
        description: 'The account, with the payment’s reference',
        schema: savingsAccountSchema,
        example: {
          ...CLIENT_VIEW_EXAMPLE,
          status: 'validee_agent',
          fee_payment_reference: 'TFFE250304100000AB12CD34EF',
        },
      },
      handler: async ({ params, body, principal }) =>
        savingsAccountDto(await opening.payFees(principal, params.id, body?.phone)),
    }),
  ];
}
