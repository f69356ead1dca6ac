import { idNumberKey, type MenuServices } from '../../menus';
import { forgetCallers } from './caller-cache';
import type { ClientSelfService } from './client-self-service';
import { decrypt } from '../infra/crypto';
import type { KeyValueStore } from '../infra/kv';
import type { Logger } from '../infra/logger';

/**
 * The menus' invoked actors, implemented on the accounts module (the composition root's wiring).
 * `pinKey`: the key the machines were built with (buildFlows), from which the ID-number key derives.
 */
export function menuServices(
  clients: ClientSelfService,
  kv: KeyValueStore,
  logger: Logger,
  pinKey: string,
): MenuServices {
  const idKey = idNumberKey(pinKey);
  const services: MenuServices = {
    listSfds: () => clients.activeSfds(),
    registerClient: async ({ sealedIdNumber, ...req }) => {
      // Opened here only, for register to seal it again under DOCUMENT_KEY (users.id_number_enc).
      const idNumber = sealedIdNumber === null ? null : decrypt(sealedIdNumber, idKey);
      const user = await clients.register({ ...req, idNumber });
      return { userId: user.id, firstName: user.firstName };
    },
    verifyPin: ({ userId, pin }) => clients.checkPin(userId, pin),
    setPin: ({ userId, pin }) => clients.setPin(userId, pin), // it forgets the cached caller itself
    sendResetCode: ({ userId }) => clients.sendResetCode(userId),
    verifyResetCode: ({ userId, code }) => clients.verifyResetCode(userId, code),
    setLanguage: async ({ userId, phone, lang }) => {
      const saved = await clients.setLanguage(userId, lang);
      await forgetCallers(kv, [phone]);
      return saved;
    },
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
