import type { MenuServices } from '../../menus';
import type { ClientSelfService } from '../accounts/client-self-service';
import type { Logger } from '../infra/logger';

/** The menus' invoked actors, implemented on the accounts module (the composition root's wiring). */
export function menuServices(clients: ClientSelfService, logger: Logger): MenuServices {
  const services: MenuServices = {
    listSfds: () => clients.activeSfds(),
    registerClient: async (req) => {
      const user = await clients.register(req);
      return { userId: user.id, firstName: user.firstName };
    },
    verifyPin: ({ userId, pin }) => clients.checkPin(userId, pin),
    setPin: ({ userId, pin }) => clients.setPin(userId, pin),
    sendResetCode: ({ userId }) => clients.sendResetCode(userId),
    verifyResetCode: ({ userId, code }) => clients.verifyResetCode(userId, code),
    setLanguage: ({ userId, lang }) => clients.setLanguage(userId, lang),
    loadProfile: ({ userId }) => clients.profile(userId),
  };
  // A failed service ends the session with a polite END (the machine's onError); the cause goes to the log.
  return Object.fromEntries(
    Object.entries(services).map(([name, fn]: [string, (input: never) => Promise<unknown>]) => [
      name,
      (input: never) =>
        fn(input).catch((err: unknown) => {
          logger.error({ err, service: name }, 'ussd menu service failed');
          throw err;
        }),
    ]),
  ) as unknown as MenuServices;
}
