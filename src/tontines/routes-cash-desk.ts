import { z } from 'zod';
import type { AccountsDirectory } from '../accounts/directory';
import { forbidden, notFound } from '../http/errors';
import { hasRank } from '../http/roles';
import { route, type RouteSpec } from '../http/route';
import type { CashDeskService } from './cash-desk';

const caisseQuery = z.object({
  agent_id: z.coerce
    .number()
    .int()
    .positive()
    .max(2_147_483_647)
    .optional()
    .meta({ description: "Supervisors and admins of the SFD: another agent's desk (default: the caller's)" }),
  date: z.iso
    .date()
    .optional()
    .meta({ description: 'The SFD-local day of the collections (default: today)' }),
});

const caisseSchema = z
  .object({
    agent_id: z.number().int(),
    sfd_id: z.number().int(),
    date: z.iso.date(),
    cash_on_hand: z
      .number()
      .int()
      .meta({ description: "XOF in the agent's hands (their ledger cash account)" }),
    collections: z.object({
      count: z.number().int(),
      amount: z.number().int().meta({ description: 'XOF collected in cash that day' }),
      commission: z.number().int().meta({ description: "XOF of it that is the SFD's commission" }),
    }),
    open_remittance: z
      .object({
        id: z.number().int(),
        declared_amount: z.number().int(),
        created_at: z.iso.datetime(),
      })
      .nullable()
      .meta({ description: 'The remittance to the branch awaiting its count (the cash is still on hand)' }),
    variance: z
      .number()
      .int()
      .meta({ description: "XOF, the agent's cumulative count differences: negative, the agent owes" }),
  })
  .meta({ id: 'CaisseCollecteur' });

/** The field collector's cash desk. */
export function cashDeskRoutes(service: CashDeskService, accounts: AccountsDirectory): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/tontines/collecte/caisse',
      summary: "A field collector's cash on hand and the day's cash collections",
      description:
        'An agent sees their own desk; a supervisor or admin of the SFD may name one of its staff ' +
        "(`agent_id`; another SFD's: 404). The platform admin has no desk (403). Cash on hand is read " +
        'from the agent’s ledger cash account; the collections are their confirmed cash contributions ' +
        'of the SFD-local day.',
      access: 'agent_sfd',
      query: caisseQuery,
      problems: [404],
      response: { status: 200, description: 'The desk', schema: caisseSchema },
      handler: async ({ query, principal }) => {
        if (principal.sfdId === null || principal.sfdId === undefined) throw forbidden();
        let agentId = principal.userId;
        if (query.agent_id !== undefined && query.agent_id !== principal.userId) {
          if (!hasRank(principal.role, 'superviseur_sfd')) throw forbidden();
          const agent = await accounts.contact(query.agent_id);
          if (!agent || agent.role === 'client' || agent.sfdId !== principal.sfdId) throw notFound();
          agentId = agent.id;
        }
        const desk = await service.desk({ id: agentId, sfdId: principal.sfdId }, query.date);
        return {
          agent_id: desk.agentId,
          sfd_id: desk.sfdId,
          date: desk.date,
          cash_on_hand: desk.cashOnHand,
          collections: desk.collections,
          open_remittance: desk.openRemittance && {
            id: desk.openRemittance.id,
            declared_amount: desk.openRemittance.declaredAmount,
            created_at: desk.openRemittance.createdAt.toISOString(),
          },
          variance: desk.variance,
        };
      },
    }),
  ];
}
