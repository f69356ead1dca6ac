import { z } from 'zod';
import { pageOf, pageQuery, pageSchema, paginated } from '../http/pagination';
import { route, type RouteSpec } from '../http/route';
import { scopedSfdFilter, withinScope } from '../http/scope';
import type { LedgerAccount } from './entities';
import type { LedgerReads } from './reads';

const listQuery = pageQuery.extend({
  kind: z.string().max(32).optional(),
  sfd_id: z.coerce.number().int().positive().optional().meta({ description: 'Platform admin only' }),
  owner_id: z.coerce.number().int().positive().optional(),
});

const accountSchema = z
  .object({
    id: z.number().int(),
    code: z.string(),
    kind: z.string(),
    sfd_id: z.number().int().nullable(),
    owner_id: z.number().int().nullable(),
    balance: z.number().int().meta({ description: 'XOF; positive: owed to the owner' }),
    may_go_negative: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'LedgerAccount' });

const accountDto = (a: LedgerAccount): z.input<typeof accountSchema> => ({
  id: a.id,
  code: a.code,
  kind: a.kind,
  sfd_id: a.sfdId,
  owner_id: a.ownerId,
  balance: a.balance,
  may_go_negative: a.mayGoNegative,
  created_at: a.createdAt.toISOString(),
  updated_at: a.updatedAt.toISOString(),
});

const lineSchema = z.object({
  entry_id: z.number().int(),
  key: z.string(),
  kind: z.string(),
  ref_type: z.string().nullable(),
  ref_id: z.string().nullable(),
  amount: z.number().int(),
  created_at: z.string(),
});

/** Read-only views of the ledger for SFD administrators (own SFD) and the platform admin. */
export function ledgerRoutes(reads: LedgerReads): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/ledger/accounts',
      summary: 'Ledger accounts, with their balances',
      access: 'admin_sfd',
      query: listQuery,
      response: { status: 200, description: 'A page of accounts', schema: pageSchema(accountSchema) },
      handler: async ({ query, principal, ctx }) => {
        const page = pageOf(query);
        const { rows, count } = await reads.accounts(
          { sfdId: scopedSfdFilter(principal, query.sfd_id), kind: query.kind, ownerId: query.owner_id },
          page,
        );
        return paginated(ctx, page, count, rows.map(accountDto));
      },
    }),
    route({
      method: 'get',
      path: '/api/ledger/accounts/:code/entries',
      summary: 'An account’s postings, newest first',
      access: 'admin_sfd',
      params: z.object({ code: z.string().min(1).max(100) }),
      query: pageQuery,
      response: {
        status: 200,
        description: 'A page of postings, with the account',
        schema: pageSchema(lineSchema).extend({ account: accountSchema }),
      },
      handler: async ({ params, query, principal, ctx }) => {
        const page = pageOf(query);
        const account = withinScope(principal, await reads.account(params.code));
        const { lines, count } = await reads.statement(account, page);
        return {
          ...paginated(
            ctx,
            page,
            count,
            lines.map(({ posting, entry }) => ({
              entry_id: posting.entryId,
              key: entry.key,
              kind: entry.kind,
              ref_type: entry.refType,
              ref_id: entry.refId,
              amount: posting.amount,
              created_at: posting.createdAt.toISOString(),
            })),
          ),
          account: accountDto(account),
        };
      },
    }),
  ];
}
