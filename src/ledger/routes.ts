import type { Context } from 'koa';
import { In } from 'typeorm';
import { z } from 'zod';
import { isPlatformAdmin } from '../http/roles';
import type { Deps } from '../deps';
import { authenticate, principalOf, requireRole, type Authenticator, type Principal } from '../http/auth';
import { notFound } from '../http/errors';
import { paginated, readPage } from '../http/pagination';
import { Router } from '../http/router';
import { parse } from '../http/validate';
import { JournalEntry, LedgerAccount, Posting } from './entities';

const listQuery = z.object({
  kind: z.string().max(32).optional(),
  sfd_id: z.coerce.number().int().positive().optional(),
  owner_id: z.coerce.number().int().positive().optional(),
});

const accountDto = (a: LedgerAccount) => ({
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

/** The SFD a caller may see: their own, or any for the platform admin. */
const scopeOf = (p: Principal) => (isPlatformAdmin(p.role) ? null : (p.sfdId ?? -1));

/** Read-only views of the ledger for SFD administrators (own SFD) and the platform admin. */
export function ledgerRouter(deps: Pick<Deps, 'db'>, authenticator: Authenticator): Router {
  const router = new Router({ prefix: '/api/ledger' });
  router.use(authenticate(authenticator), requireRole('admin_sfd'));

  router.get('/accounts', async (ctx: Context) => {
    const page = readPage(ctx);
    const q = parse(listQuery, ctx.query);
    const sfd = scopeOf(principalOf(ctx));
    const qb = deps.db.getRepository(LedgerAccount).createQueryBuilder('a');
    if (sfd !== null) qb.where('a.sfd_id = :sfd', { sfd });
    else if (q.sfd_id) qb.where('a.sfd_id = :sfd', { sfd: q.sfd_id });
    if (q.kind) qb.andWhere('a.kind = :kind', { kind: q.kind });
    if (q.owner_id) qb.andWhere('a.owner_id = :owner', { owner: q.owner_id });
    const [rows, count] = await qb.orderBy('a.id', 'ASC').skip(page.skip).take(page.take).getManyAndCount();
    ctx.body = paginated(ctx, page, count, rows.map(accountDto));
  });

  router.get('/accounts/:code/entries', async (ctx: Context & { params: Record<string, string> }) => {
    const page = readPage(ctx);
    const sfd = scopeOf(principalOf(ctx));
    const account = await deps.db.manager.findOne(LedgerAccount, { where: { code: ctx.params.code } });
    if (!account || (sfd !== null && account.sfdId !== sfd)) throw notFound();
    const [postings, count] = await deps.db.manager.findAndCount(Posting, {
      where: { accountId: account.id },
      order: { id: 'DESC' },
      skip: page.skip,
      take: page.take,
    });
    const entryIds = [...new Set(postings.map((p) => p.entryId))];
    const entries = entryIds.length ? await deps.db.manager.findBy(JournalEntry, { id: In(entryIds) }) : [];
    const byId = new Map(entries.map((e) => [e.id, e]));
    ctx.body = {
      ...paginated(
        ctx,
        page,
        count,
        postings.map((p) => {
          const e = byId.get(p.entryId) as JournalEntry;
          return {
            entry_id: p.entryId,
            key: e.key,
            kind: e.kind,
            ref_type: e.refType,
            ref_id: e.refId,
            amount: p.amount,
            created_at: p.createdAt.toISOString(),
          };
        }),
      ),
      account: accountDto(account),
    };
  });

  return router;
}
