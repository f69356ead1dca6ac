import { z } from 'zod';
import { phoneSchema } from '../accounts/phone';
import type { Deps } from '../deps';
import { route, type RouteSpec } from '../http/route';
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
export function simulatorRoutes(deps: Pick<Deps, 'config' | 'db' | 'sms'>): RouteSpec[] {
  const { config } = deps;
  const routes = [
    route({
      method: 'get',
      path: '/simulator',
      summary: 'The web phone (USSD simulator page)',
      access: 'public',
      response: { status: 200, description: 'The page', schema: z.string(), type: 'text/html' },
      handler: ({ ctx }) => {
        ctx.set(
          'Content-Security-Policy',
          "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
        );
        return simulatorPage;
      },
    }),
  ];
  if (config.demoMode && config.SMS_PROVIDER === 'console') {
    routes.push(
      route({
        method: 'get',
        path: '/simulator/sms',
        summary: 'The SMS a phone received (demo mode with the console sender only)',
        access: 'public',
        query: smsQuery,
        response: {
          status: 200,
          description: 'The newest SMS first',
          schema: z.array(
            z.object({
              id: z.number().int(),
              kind: z.string(),
              status: z.string(),
              created_at: z.string(),
              text: z.string(),
            }),
          ),
        },
        handler: async ({ query, ctx }) => {
          ctx.set('Cache-Control', 'no-store');
          return receivedSms(deps, query.phone, SMS_SHOWN);
        },
      }),
    );
  }
  return routes;
}
