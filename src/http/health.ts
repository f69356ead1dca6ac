import type { Context } from 'koa';
import type { Deps } from '../deps';
import { Router } from './router';

const READY_TIMEOUT_MS = 1000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function check(work: () => Promise<unknown>): Promise<'ok' | 'down'> {
  try {
    await withTimeout(work(), READY_TIMEOUT_MS);
    return 'ok';
  } catch {
    return 'down';
  }
}

/** /healthz: the process answers. /readyz: the database and the store answer too (503 otherwise). */
export function healthRoutes(deps: Pick<Deps, 'db' | 'kv'>): Router {
  const router = new Router();
  router.get('/healthz', (ctx: Context) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx: Context) => {
    const [database, store] = await Promise.all([
      check(() => deps.db.query('SELECT 1')),
      check(() => deps.kv.ping()),
    ]);
    const ready = database === 'ok' && store === 'ok';
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ok' : 'unavailable', checks: { database, store } };
  });
  return router;
}
