import { assign, setup } from 'xstate';
import { encrypt } from '../src/infra/crypto';
import { choosePinStates } from './choose-pin';
import {
  ID_NUMBER_RE,
  idNumberKey,
  is,
  listIndex,
  matches,
  NAME_RE,
  required,
  type InputEvent,
  type Lang,
  type MenuInput,
  type RegistrationRequest,
  type SfdOption,
} from './types';

/** 2: the ID number is sealed in the context (a version-1 snapshot held it in clear). */
export const REGISTRATION_VERSION = 2;

interface Context extends MenuInput {
  lastName?: string;
  firstName?: string;
  sfds: SfdOption[];
  sfdId?: number;
  /** Sealed (AES-256-GCM under `idNumberKey`): the context rests in Redis between hops. */
  sealedIdNumber: string | null;
  pinDraft?: string;
}

const titleCase = (s: string) =>
  s
    .trim()
    .replace(/\s+/g, ' ')
    .toLowerCase()
    .replace(/(^|[\s'-])(\p{L})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());

/** An unknown number: language, names, SFD, optional ID number, PIN twice → client created, KYC pending. */
export function registrationMenu(pinKey: string) {
  const idKey = idNumberKey(pinKey);
  return setup({
    types: {} as { context: Context; events: InputEvent; input: MenuInput },
    actors: {
      listSfds: required<SfdOption[], void>('listSfds'),
      registerClient: required<{ userId: number; firstName: string }, RegistrationRequest>('registerClient'),
    },
  }).createMachine({
    id: 'registration',
    context: ({ input }) => ({ ...input, sfds: [], sealedIdNumber: null }),
    initial: 'welcome',
    states: {
      welcome: {
        meta: { screen: 'registration.welcome', root: true },
        on: {
          INPUT: [
            { guard: is('1'), target: 'lastName' },
            {
              guard: is('9'),
              target: 'welcome',
              actions: assign({ lang: ({ context }): Lang => (context.lang === 'fr' ? 'en' : 'fr') }),
            },
          ],
        },
      },
      lastName: {
        meta: { screen: 'registration.last_name', invalid: 'registration.last_name_invalid' },
        on: {
          INPUT: {
            guard: matches(NAME_RE),
            target: 'firstName',
            actions: assign({ lastName: ({ event }) => titleCase(event.value) }),
          },
        },
      },
      firstName: {
        meta: { screen: 'registration.first_name', invalid: 'registration.first_name_invalid' },
        on: {
          INPUT: {
            guard: matches(NAME_RE),
            target: 'loadingSfds',
            actions: assign({ firstName: ({ event }) => titleCase(event.value) }),
          },
        },
      },
      loadingSfds: {
        tags: ['busy'],
        invoke: {
          src: 'listSfds',
          onDone: [
            { guard: ({ event }) => event.output.length === 0, target: 'noSfd' },
            { target: 'sfd', actions: assign({ sfds: ({ event }) => event.output }) },
          ],
          onError: 'failed',
        },
      },
      sfd: {
        meta: { screen: 'registration.sfd', list: 'sfds' },
        on: {
          INPUT: {
            guard: ({ context, event }) => listIndex(event.value, context.sfds.length) !== null,
            target: 'idNumber',
            actions: assign({
              sfdId: ({ context, event }) =>
                context.sfds[listIndex(event.value, context.sfds.length) ?? 0].id,
            }),
          },
        },
      },
      idNumber: {
        meta: { screen: 'registration.id_number', invalid: 'registration.id_number_invalid', secret: true },
        on: {
          INPUT: [
            { guard: is('1'), target: 'pinAsk', actions: assign({ sealedIdNumber: () => null }) },
            {
              guard: matches(ID_NUMBER_RE),
              target: 'pinAsk',
              // Sealed at once (a fresh nonce each time): only the registerClient service opens it.
              actions: assign({
                sealedIdNumber: ({ event }) => encrypt(event.value.trim().toUpperCase(), idKey),
              }),
            },
          ],
        },
      },
      ...choosePinStates<Context>(
        pinKey,
        { ask: 'registration.pin', confirm: 'registration.pin_confirm' },
        'creating',
      ),
      creating: {
        tags: ['busy'],
        invoke: {
          src: 'registerClient',
          input: ({ context, event }) => ({
            phone: context.phone,
            lang: context.lang,
            lastName: context.lastName ?? '',
            firstName: context.firstName ?? '',
            sfdId: context.sfdId ?? 0,
            sealedIdNumber: context.sealedIdNumber,
            pin: (event as InputEvent).value,
          }),
          onDone: { target: 'registered', actions: assign({ userId: ({ event }) => event.output.userId }) },
          onError: 'failed',
        },
      },
      registered: { type: 'final', meta: { end: 'registration.done' } },
      noSfd: { type: 'final', meta: { end: 'registration.no_sfd' } },
      failed: { type: 'final', meta: { end: 'common.failed' } },
    },
  });
}
