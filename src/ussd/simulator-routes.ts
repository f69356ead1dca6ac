import type { Context } from 'koa';
import { z } from 'zod';
import { phoneSchema } from '../accounts/phone';
import type { Deps } from '../deps';
import { Router } from '../http/router';
import { SmsOutboxEntry } from '../notifications/entities';
import { ConsoleSmsSender } from '../notifications/sms';
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
  const { config, db, sms } = deps;
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
    // The console sender knows the texts as delivered; the row's body may be masked (one-time codes).
    const sender = sms instanceof ConsoleSmsSender ? sms : null;
    router.get('/simulator/sms', async (ctx: Context) => {
      const { phone } = smsQuery.parse(ctx.query);
      const rows = await db.manager.find(SmsOutboxEntry, {
        where: { toPhone: phone },
        order: { id: 'DESC' },
        take: SMS_SHOWN,
      });
      ctx.set('Cache-Control', 'no-store');
      ctx.body = rows.map((row) => {
        const delivered = row.providerMessageId
          ? sender?.deliveredText(row.toPhone, row.providerMessageId)
          : undefined;
        const createdAt = row.createdAt.toISOString();
        return {
          id: row.id,
          kind: row.kind,
          status: row.status,
          created_at: createdAt,
          text: delivered ?? row.body,
        };
      });
    });
  }

  return router;
}
