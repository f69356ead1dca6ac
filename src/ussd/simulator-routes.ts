import type { Context } from 'koa';
import { z } from 'zod';
import { phoneSchema } from '../accounts/phone';
import type { Deps } from '../deps';
import { Router } from '../http/router';
import { receivedSms } from '../notifications/received-sms';
import { simulatorPage } from './simulator-page';

/** How many SMS the web phone lists: the newest. */
const SMS_SHOWN = 20;

const smsQuery = z.object({ phone: phoneSchema });

/**
 * The web phone (GET /simulator) and, in demo mode with the console SMS sender only, the SMS its number
 * received (GET /simulator/sms?phone=…): outside it that route does not exist (404), since it shows
 * any phone's messages to whoever asks.
 */
export function simulatorRoutes(deps: Pick<Deps, 'config' | 'db' | 'sms'>) {
  const { config } = deps;
  const router = new Router();

  router.get('/simulator', (ctx: Context) => {
    ctx.type = 'text/html';
    ctx.set(
      'Content-Security-Policy',
      "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
    );
    ctx.body = simulatorPage;
  });

  if (config.demoMode && config.SMS_PROVIDER === 'console') {
    router.get('/simulator/sms', async (ctx: Context) => {
      const { phone } = smsQuery.parse(ctx.query);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await receivedSms(deps, phone, SMS_SHOWN);
    });
  }

  return router;
}
