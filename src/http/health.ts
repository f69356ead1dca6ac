import { z } from 'zod';
import type { Infra } from '../infra/open';
import { route, type RouteSpec } from './route';

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

const state = z.enum(['ok', 'down']);

/** /healthz: the process answers. /readyz: the database and the store answer too (503 otherwise). */
export function healthRoutes(deps: Pick<Infra, 'db' | 'kv'>): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      access: 'public',
      response: { status: 200, description: 'Alive', schema: z.object({ status: z.literal('ok') }) },
      handler: () => ({ status: 'ok' as const }),
    }),
    route({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: the database and the store answer (503 otherwise, same body)',
      access: 'public',
      problems: [],
      response: {
        status: 200,
        description: 'Ready; a 503 carries the same body with the failing check `down`',
        schema: z.object({
          status: z.enum(['ok', 'unavailable']),
          checks: z.object({ database: state, store: state }),
        }),
      },
      handler: async ({ ctx }) => {
        const [database, store] = await Promise.all([
          check(() => deps.db.query('SELECT 1')),
          check(() => deps.kv.ping()),
        ]);
        const ready = database === 'ok' && store === 'ok';
        if (!ready) ctx.status = 503;
        return { status: ready ? ('ok' as const) : ('unavailable' as const), checks: { database, store } };
      },
    }),
  ];
}
