import type { MenuServices } from '../../menus';
import type { ClientSelfService } from '../accounts/client-self-service';

/** The menus' invoked actors, implemented on the accounts module (the composition root's wiring). */
export function menuServices(clients: ClientSelfService): MenuServices {
  return {
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
}
