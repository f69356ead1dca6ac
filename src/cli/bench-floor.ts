/**
 * The floor of `npm run bench:ussd`, run as its own process (PORT, REDIS_URL): the same Koa stack and
 * form parsing as the gateway, and one Redis GET + one SET EX 180 of a session per hop.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Redis from 'ioredis';
import Koa from 'koa';

/** The floor: same HTTP stack and form parsing, one GET and one SET EX 180 of a session per hop. */
function floor(): void {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/13');
  const app = new Koa();
  const router = new Router();
  router.post('/ussd', async (ctx) => {
    const b = ctx.request.body as Record<string, string | undefined>;
    const key = `floor:s:${b.sessionId ?? ''}`;
    const prev = await redis.get(key);
    const hops = prev ? (JSON.parse(prev) as { hops: number }).hops + 1 : 1;
    await redis.set(key, JSON.stringify({ phone: b.phoneNumber, text: b.text ?? '', hops }), 'EX', 180);
    ctx.type = 'text/plain';
    ctx.body = 'CON ok';
  });
  app.use(bodyParser({ enableTypes: ['json', 'form'] }));
  app.use(router.routes());
  const server = app.listen(Number(process.env.PORT ?? 4300), '127.0.0.1');
  const stop = () => {
    server.close();
    redis
      .quit()
      .catch(() => redis.disconnect())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

floor();
