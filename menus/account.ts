import { assign, setup } from 'xstate';
import { choosePinStates } from './choose-pin';
import {
  is,
  PIN_RE,
  required,
  type CodeCheck,
  type InputEvent,
  type Lang,
  type MenuInput,
  type PinCheck,
  type Profile,
} from './types';

export const ACCOUNT_VERSION = 1;

interface Context extends MenuInput {
  pinDraft?: string;
  profile?: Profile;
}

const pinInput = ({ context, event }: { context: Context; event: unknown }) => ({
  userId: context.userId ?? 0,
  phone: context.phone,
  pin: (event as InputEvent).value,
});

/** "6. Mon compte": language, PIN change, forgotten PIN (one-time code by SMS), my information. */
export function accountMenu(pinKey: string) {
  return setup({
    types: {} as { context: Context; events: InputEvent; input: MenuInput },
    actors: {
      verifyPin: required<PinCheck, { userId: number; pin: string }>('verifyPin'),
      setPin: required<void, { userId: number; phone: string; pin: string }>('setPin'),
      sendResetCode: required<void, { userId: number }>('sendResetCode'),
      verifyResetCode: required<CodeCheck, { userId: number; code: string }>('verifyResetCode'),
      setLanguage: required<Lang, { userId: number; phone: string; lang: Lang }>('setLanguage'),
      loadProfile: required<Profile, { userId: number }>('loadProfile'),
    },
  }).createMachine({
    id: 'account',
    context: ({ input }) => input,
    initial: 'menu',
    states: {
      menu: {
        meta: { screen: 'account.menu' },
        on: {
          INPUT: [
            { guard: is('1'), target: 'language' },
            { guard: is('2'), target: 'oldPin' },
            { guard: is('3'), target: 'sendingCode' },
            { guard: is('4'), target: 'loadingProfile' },
          ],
        },
      },

      language: {
        meta: { screen: 'account.language' },
        on: { INPUT: { guard: is('1', '2'), target: 'savingLanguage' } },
      },
      savingLanguage: {
        tags: ['busy'],
        invoke: {
          src: 'setLanguage',
          input: ({ context, event }) => ({
            userId: context.userId ?? 0,
            phone: context.phone,
            lang: (event as InputEvent).value === '2' ? 'en' : 'fr',
          }),
          onDone: {
            target: 'languageSaved',
            actions: assign({ lang: ({ event }) => event.output }),
          },
          onError: 'failed',
        },
      },
      languageSaved: { type: 'final', meta: { goto: 'main', notice: 'account.language_saved' } },

      oldPin: {
        meta: { screen: 'account.old_pin', secret: true },
        on: { INPUT: { guard: ({ event }) => PIN_RE.test(event.value), target: 'checkingOldPin' } },
      },
      oldPinWrong: {
        meta: { screen: 'pin.wrong', secret: true },
        on: { INPUT: { guard: ({ event }) => PIN_RE.test(event.value), target: 'checkingOldPin' } },
      },
      checkingOldPin: {
        tags: ['busy'],
        invoke: {
          src: 'verifyPin',
          input: pinInput,
          onDone: [
            { guard: ({ event }) => event.output === 'ok', target: 'pinAsk' },
            { guard: ({ event }) => event.output === 'locked', target: 'pinLocked' },
            { target: 'oldPinWrong' },
          ],
          onError: 'failed',
        },
      },
      pinLocked: { type: 'final', meta: { end: 'pin.locked' } },

      sendingCode: {
        tags: ['busy'],
        invoke: {
          src: 'sendResetCode',
          input: ({ context }) => ({ userId: context.userId ?? 0 }),
          onDone: 'code',
          onError: 'failed',
        },
      },
      code: {
        meta: { screen: 'account.code', secret: true },
        on: { INPUT: { guard: ({ event }) => /^\d{6}$/.test(event.value), target: 'checkingCode' } },
      },
      codeWrong: {
        meta: { screen: 'account.code_wrong', secret: true },
        on: { INPUT: { guard: ({ event }) => /^\d{6}$/.test(event.value), target: 'checkingCode' } },
      },
      checkingCode: {
        tags: ['busy'],
        invoke: {
          src: 'verifyResetCode',
          input: ({ context, event }) => ({ userId: context.userId ?? 0, code: (event as InputEvent).value }),
          onDone: [
            { guard: ({ event }) => event.output === 'ok', target: 'pinAsk' },
            { guard: ({ event }) => event.output === 'expired', target: 'codeExpired' },
            { target: 'codeWrong' },
          ],
          onError: 'failed',
        },
      },
      codeExpired: { type: 'final', meta: { end: 'account.code_expired' } },

      ...choosePinStates<Context>(
        pinKey,
        { ask: 'account.new_pin', confirm: 'account.confirm_pin' },
        'savingPin',
      ),
      savingPin: {
        tags: ['busy'],
        invoke: { src: 'setPin', input: pinInput, onDone: 'pinChanged', onError: 'failed' },
      },
      pinChanged: { type: 'final', meta: { end: 'account.pin_changed' } },

      loadingProfile: {
        tags: ['busy'],
        invoke: {
          src: 'loadProfile',
          input: ({ context }) => ({ userId: context.userId ?? 0 }),
          onDone: { target: 'profile', actions: assign({ profile: ({ event }) => event.output }) },
          onError: 'failed',
        },
      },
      profile: { meta: { screen: 'account.profile' } },

      failed: { type: 'final', meta: { end: 'common.failed' } },
    },
  });
}
