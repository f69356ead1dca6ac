import { pageOf, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import { decisionBody } from '../workflow/decide';
import type { AdhesionsService } from './adhesions';
import { idParams, listAdhesionsQuery, payAdhesionBody, submitAdhesionBody } from './schemas';
import { ADHESION_EXAMPLE, adhesionDto, adhesionSchema } from './serializers';

export function adhesionRoutes(adhesions: AdhesionsService): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/tontines/adhesions',
      summary: 'Requests to join a tontine',
      description:
        "A client sees their own; staff their SFD's (the platform admin every SFD's, or `sfd_id`'s). " +
        'Filters: `tontine_id`, `client_id` (staff), `status`, `date_from`/`date_to` (days asked, in the ' +
        "SFD's time zone). Newest first.",
      access: 'user',
      query: listAdhesionsQuery,
      response: {
        status: 200,
        description: 'A page of adhesions',
        schema: pageSchema(adhesionSchema),
        example: { count: 1, next: null, previous: null, results: [ADHESION_EXAMPLE] },
      },
      handler: async ({ query, principal, ctx }) => {
        const page = pageOf(query);
        const { rows, count } = await adhesions.list(principal, query, page);
        return paginated(ctx, page, count, rows.map(adhesionDto));
      },
    }),
    route({
      method: 'post',
      path: '/api/tontines/adhesions',
      summary: 'Ask to join a tontine',
      description:
        'A client asks for themself; an agent (or higher) for a client of their SFD (`client_id`). The ' +
        "tontine must be the client's SFD's and active (`tontine_id` error otherwise), the daily stake " +
        'within its bounds (`stake` error, the bounds in `detail`); a client already in it or asking is a ' +
        "409. The SFD's agents and supervisors get an in-app notice (`tontine_adhesion_pending`).",
      access: 'user',
      body: submitAdhesionBody,
      example: { tontine_id: 3, stake: 500 },
      problems: [409],
      response: {
        status: 201,
        description: 'The request',
        schema: adhesionSchema,
        example: ADHESION_EXAMPLE,
      },
      handler: async ({ body, principal }) => adhesionDto(await adhesions.submit(principal, body)),
    }),
    route({
      method: 'get',
      path: '/api/tontines/adhesions/:id',
      summary: 'One request to join a tontine',
      description: "Its client, or its SFD's staff (the platform admin: any); any other is a 404.",
      access: 'user',
      params: idParams,
      response: {
        status: 200,
        description: 'The adhesion',
        schema: adhesionSchema,
        example: ADHESION_EXAMPLE,
      },
      handler: async ({ params, principal }) => adhesionDto(await adhesions.get(principal, params.id)),
    }),
    route({
      method: 'post',
      path: '/api/tontines/adhesions/:id/valider-agent',
      summary: 'Decide on a request to join a tontine',
      description:
        "An agent (or higher) of the adhesion's own SFD decides on a `demande_soumise` one (the platform " +
        'admin and the staff member who submitted it may not: 403): approve → `validee_agent`, and the ' +
        "client's KYC becomes `verified` if it was pending; reject → `rejetee` (reason required). The " +
        "client gets an SMS in their language, the agents' notice is closed, the decision is audited " +
        '(`tontine.adhesion.approve` / `.reject`). One that no longer waits is a 409.',
      access: 'agent_sfd',
      params: idParams,
      body: decisionBody,
      example: { decision: 'approve' },
      problems: [409],
      response: {
        status: 200,
        description: 'The decided adhesion',
        schema: adhesionSchema,
        example: { ...ADHESION_EXAMPLE, status: 'validee_agent', decided_by: 7 },
      },
      handler: async ({ params, body, principal }) =>
        adhesionDto(await adhesions.decide(principal, params.id, body)),
    }),
    route({
      method: 'post',
      path: '/api/tontines/adhesions/:id/payer',
      summary: 'Pay the joining fee',
      description:
        "The client (or staff of the SFD for them) starts the fee's collection on a `validee_agent` " +
        'adhesion (or again after a failed or expired one): → `en_cours_paiement`, the operator prompts ' +
        'the phone (`phone`, default the client’s). When it succeeds the fee is booked and the client ' +
        'becomes a participant (`adherent`). A free tontine makes the participant at once. 409 while ' +
        'a fee payment is pending or once paid.',
      access: 'user',
      params: idParams,
      body: payAdhesionBody,
      example: {},
      problems: [409, 502, 503],
      response: {
        status: 200,
        description: 'The adhesion, with the payment’s reference',
        schema: adhesionSchema,
        example: {
          ...ADHESION_EXAMPLE,
          status: 'en_cours_paiement',
          payment_reference: 'TFAT250304100000AB12CD34EF',
        },
      },
      handler: async ({ params, body, principal }) =>
        adhesionDto(await adhesions.pay(principal, params.id, body?.phone)),
    }),
    route({
      method: 'post',
      path: '/api/tontines/adhesions/:id/integrer',
      summary: 'Make the participant of a paid adhesion',
      description:
        'Staff (agent or higher) of the SFD: the integration the fee payment does by itself, for a fee ' +
        'paid while the tontine was not active, or a payment whose outcome is still to be asked of the ' +
        'provider (asked first). → `adherent`: the participant `actif` with the stake, carnet 1. 409 ' +
        'when already adherent or the fee is not paid.',
      access: 'agent_sfd',
      params: idParams,
      problems: [409],
      response: {
        status: 200,
        description: 'The adhesion, now adherent',
        schema: adhesionSchema,
        example: { ...ADHESION_EXAMPLE, status: 'adherent', participant_id: 812 },
      },
      handler: async ({ params, principal }) =>
        adhesionDto(await adhesions.integrateByStaff(principal, params.id)),
    }),
  ];
}
