import { z } from 'zod';
import { pageOf, pageQuery, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import { safeText } from '../http/text';
import { idParams, recordId } from '../http/validate';
import type { Versement } from './entities';
import { remittanceScope, type RemittanceReads } from './remittance-reads';
import type { RemittancesService } from './remittances';

const STATUSES = ['declare', 'confirme'] as const;
const xof = (description: string) => z.number().int().min(0).max(1_000_000_000).meta({ description });

const declareBody = z.object({
  amount: z.number().int().positive().max(1_000_000_000).meta({ description: 'XOF handed to the branch' }),
  note: safeText(1, 300).optional(),
});

const confirmBody = z
  .object({
    counted_amount: xof('XOF the counter found (0 when nothing reached the branch)'),
    note: safeText(1, 300).optional().meta({ description: "The counter's remark, kept in the audit trail" }),
  })
  .meta({ id: 'VersementConfirmation' });

export const versementSchema = z
  .object({
    id: z.number().int(),
    sfd_id: z.number().int(),
    agent_id: z.number().int(),
    declared_amount: z.number().int().meta({ description: 'XOF the agent declared handing over' }),
    counted_amount: z.number().int().nullable().meta({ description: 'XOF counted at the branch' }),
    variance: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'counted − declared, XOF: negative when cash is missing' }),
    status: z.enum(STATUSES),
    note: z.string().nullable().meta({ description: "The agent's note" }),
    confirmed_by: z.number().int().nullable(),
    confirmed_at: z.iso.datetime().nullable(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'VersementCollecte' });

export const versementDto = (v: Versement): z.input<typeof versementSchema> => ({
  id: v.id,
  sfd_id: v.sfdId,
  agent_id: v.agentId,
  declared_amount: v.declaredAmount,
  counted_amount: v.countedAmount,
  variance: v.variance,
  status: v.status,
  note: v.note,
  confirmed_by: v.confirmedBy,
  confirmed_at: v.confirmedAt?.toISOString() ?? null,
  created_at: v.createdAt.toISOString(),
  updated_at: v.updatedAt.toISOString(),
});

const listQuery = pageQuery.extend({
  agent_id: recordId.optional().meta({ description: 'Supervisors and admins: one agent of the SFD' }),
  status: z.enum(STATUSES).optional(),
  date_from: z.iso.date().optional().meta({ description: "First day declared, in the SFD's time zone" }),
  date_to: z.iso.date().optional().meta({ description: "Last day (included), in the SFD's time zone" }),
  sfd_id: recordId.optional().meta({ description: 'Platform admin only' }),
});

/** Field collection: the cash an agent hands to the branch, and its count. */
export function remittanceRoutes(service: RemittancesService, reads: RemittanceReads): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/api/tontines/collecte/versements',
      summary: 'Declare handing collected cash to the branch',
      description:
        'A field agent (or a superviseur or admin collecting themself) of an SFD declares the XOF they ' +
        'hand to the branch: at most their cash on hand (409 `insufficient_funds`), and one remittance ' +
        'open at a time (409 `conflict`, even for parallel requests). The remittance is `declare` until ' +
        "a superviseur counts it; the SFD's superviseurs get an in-app notice. The platform admin: 403.",
      access: 'agent_sfd',
      body: declareBody,
      example: { amount: 22_000, note: 'Collecte du marche Dantokpa' },
      problems: [409],
      response: { status: 201, description: 'The declared remittance', schema: versementSchema },
      handler: async ({ body, principal }) =>
        versementDto(await service.declare(principal, { amount: body.amount, note: body.note })),
    }),
    route({
      method: 'get',
      path: '/api/tontines/collecte/versements',
      summary: 'Cash remittances, newest first',
      description:
        "An agent sees their own; a superviseur or admin their SFD's; the platform admin every SFD's.",
      access: 'agent_sfd',
      query: listQuery,
      response: { status: 200, description: 'A page of remittances', schema: pageSchema(versementSchema) },
      handler: async ({ query, principal, ctx }) => {
        const page = pageOf(query);
        const { rows, count } = await reads.list(
          remittanceScope(principal, query.sfd_id),
          { agentId: query.agent_id, status: query.status, from: query.date_from, to: query.date_to },
          page,
        );
        return paginated(ctx, page, count, rows.map(versementDto));
      },
    }),
    route({
      method: 'get',
      path: '/api/tontines/collecte/versements/:id',
      summary: 'One cash remittance',
      description:
        "An agent reads their own, a superviseur or admin their SFD's, the platform admin any; " +
        'anything else: 404.',
      access: 'agent_sfd',
      params: idParams,
      response: { status: 200, description: 'The remittance', schema: versementSchema },
      handler: async ({ params, principal }) => versementDto(await reads.get(principal, params.id)),
    }),
    route({
      method: 'post',
      path: '/api/tontines/collecte/versements/:id/confirmer',
      summary: 'Confirm a cash remittance with the amount counted',
      description:
        "A superviseur or admin of the remittance's SFD (another SFD's: 404; an agent, the platform " +
        'admin, or the declarer themself: 403) counts a `declare` remittance (else 409). In one ' +
        "transaction: `confirme`, the ledger entry (the agent's cash +declared, the branch cash " +
        "−counted, the difference on the agent's variance account), the audit rows " +
        '(`tontine.versement.confirm`, and `tontine.versement.variance` when counted ≠ declared), the ' +
        "superviseurs' notice closed. The agent may then declare again.",
      access: 'superviseur_sfd',
      params: idParams,
      body: confirmBody,
      example: { counted_amount: 21_500, note: 'Un billet de 500 manquant' },
      problems: [404, 409],
      response: { status: 200, description: 'The confirmed remittance', schema: versementSchema },
      handler: async ({ params, body, principal }) =>
        versementDto(
          await service.confirm(principal, params.id, {
            countedAmount: body.counted_amount,
            note: body.note,
          }),
        ),
    }),
  ];
}
