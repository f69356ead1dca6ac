import { z } from 'zod';
import type { Authenticator } from '../http/auth';
import { route, type RouteSpec } from '../http/route';
import type { AuthService, LoginResult, Session } from './auth-service';
import type { ClientSelfService } from './client-self-service';
import type { OtpChallenge } from './login-otp';
import {
  changePinBody,
  loginBody,
  loginOtpBody,
  loginOtpResendBody,
  logoutBody,
  refreshBody,
  signupBody,
  verifyBody,
} from './schemas';
import {
  challengeSchema,
  loginResultSchema,
  sessionSchema,
  userDto,
  userSchema,
  type UserDto,
} from './serializers';
import type { SignupService } from './signup';
import type { TokenService } from './tokens';
import type { UsersService } from './users-service';

function sessionDto(session: Session) {
  return { access: session.access, refresh: session.refresh, user: userDto(session.user) };
}

/** No tokens yet: the code sent by SMS goes to /login/verifier-otp with this challenge. */
function challengeDto(challenge: OtpChallenge) {
  return { otp_required: true as const, challenge: challenge.challenge };
}

function loginDto(result: LoginResult) {
  return 'access' in result ? sessionDto(result) : challengeDto(result);
}

const SESSION_EXAMPLE: { access: string; refresh: string; user: UserDto } = {
  access: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI3Iiwicm9sZSI6ImFnZW50X3NmZCJ9.c2lnbmF0dXJl',
  refresh: 'q8Vb3xN2pLr5Tz7Kd0Wm4Ys6Hj1Fc9Ae',
  user: {
    id: 7,
    phone: '+2290197123456',
    email: 'agent@fececam.bj',
    first_name: 'Romaric',
    last_name: 'Agossou',
    role: 'agent_sfd',
    sfd_id: 1,
    status: 'active',
    language: 'fr',
    kyc_status: 'pending',
    phone_verified: true,
    has_pin: false,
    created_at: '2025-03-03T09:00:00.000Z',
    updated_at: '2025-03-03T09:00:00.000Z',
  },
};

/** The services behind the sign-up, login, token and own-account routes. */
export interface AuthRouteServices {
  auth: AuthService;
  signup: SignupService;
  clients: ClientSelfService;
  users: UsersService;
  tokens: TokenService & Authenticator;
}

export function authRoutes({ auth, signup, clients, users, tokens }: AuthRouteServices): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/api/accounts/signup',
      summary: 'Client self sign-up: a verification code is sent by SMS',
      description:
        'Nothing is created yet: the details wait with the code, and `/signup/verify/` creates the ' +
        'client. A phone that already has an account is a 409 (`phone_in_use`); signing up again ' +
        'while a code waits needs the same PIN (409 `signup_pending` otherwise); a new code within ' +
        'the resend delay or past the hourly cap is a 429 with Retry-After.',
      access: 'public',
      body: signupBody,
      example: {
        phone: '+2290196123456',
        first_name: 'Awa',
        last_name: 'Houngbo',
        sfd_id: 1,
        language: 'fr',
        pin: '4827',
      },
      response: {
        status: 202,
        description: 'Accepted: the code is on its way',
        schema: z.object({ phone: z.string(), detail: z.string() }),
        example: { phone: '+2290196123456', detail: 'verification code sent by SMS' },
      },
      problems: [403, 409, 429],
      handler: async ({ body }) => {
        const { phone } = await signup.signup(body);
        return { phone, detail: 'verification code sent by SMS' };
      },
    }),
    route({
      method: 'post',
      path: '/api/accounts/signup/verify',
      summary: 'Client self sign-up: the code creates the client and signs them in',
      access: 'public',
      body: verifyBody,
      example: { phone: '+2290196123456', code: '123456' },
      response: { status: 200, description: 'The new client, signed in', schema: sessionSchema },
      problems: [403, 409],
      handler: async ({ body }) => sessionDto(await signup.verifySignup(body)),
    }),
    route({
      method: 'post',
      path: '/api/accounts/login',
      summary: 'Sign in: staff with email or phone and password, clients with phone and PIN',
      description:
        'Answers a session, or, for staff of an SFD that asks for it, `{otp_required, challenge}`: ' +
        'the code sent by SMS then goes to `/login/verifier-otp/`. Failures count per account and per ' +
        'address (429 past the limit); a client’s wrong PINs lock the PIN as on USSD.',
      access: 'public',
      body: loginBody,
      example: { email: 'agent@fececam.bj', password: 'un-mot-de-passe-solide' },
      response: {
        status: 200,
        description: 'A session, or a challenge for the code sent by SMS',
        schema: loginResultSchema,
        example: SESSION_EXAMPLE,
      },
      problems: [401, 403, 429],
      handler: async ({ body, ctx }) => loginDto(await auth.login(body, ctx.ip)),
    }),
    route({
      method: 'post',
      path: '/api/accounts/login/verifier-otp',
      summary: 'Staff sign-in, second step: the code sent by SMS',
      access: 'public',
      body: loginOtpBody,
      response: { status: 200, description: 'The session', schema: sessionSchema },
      problems: [401, 403],
      handler: async ({ body, ctx }) => sessionDto(await auth.verifyLoginOtp(body, ctx.ip)),
    }),
    route({
      method: 'post',
      path: '/api/accounts/login/renvoyer-otp',
      summary: 'Staff sign-in: send the code again, for the same challenge',
      access: 'public',
      body: loginOtpResendBody,
      response: { status: 200, description: 'The same challenge', schema: challengeSchema },
      problems: [403, 429],
      handler: async ({ body }) => challengeDto(await auth.resendLoginOtp(body.challenge)),
    }),
    route({
      method: 'post',
      path: '/api/accounts/token/refresh',
      summary: 'A new token pair for a refresh token (rotation)',
      description:
        'The refresh token is spent. Presented again after the grace period, it is a reuse: every ' +
        'session of that login is revoked (401).',
      access: 'public',
      body: refreshBody,
      response: { status: 200, description: 'The new session', schema: sessionSchema },
      problems: [401, 403],
      handler: async ({ body }) => sessionDto(await auth.refresh(body.refresh)),
    }),
    route({
      method: 'post',
      path: '/api/accounts/logout',
      summary: 'Sign out: this login’s refresh tokens are revoked and its access tokens stop working',
      access: 'user',
      body: logoutBody,
      response: { status: 204, description: 'Signed out' },
      handler: async ({ principal }) => {
        await tokens.logout(principal);
      },
    }),
    route({
      method: 'get',
      path: '/api/accounts/me',
      summary: 'My own account',
      access: 'user',
      response: { status: 200, description: 'The caller’s user record', schema: userSchema },
      problems: [404],
      handler: async ({ principal }) => userDto(await users.me(principal)),
    }),
    route({
      method: 'post',
      path: '/api/accounts/me/pin',
      summary: 'Change my PIN (clients): the current one, then the new one',
      description:
        'A wrong current PIN is a 400 naming `old_pin` and counts toward the USSD lockout (429 while ' +
        'locked). The client is told by SMS.',
      access: 'client',
      body: changePinBody,
      response: { status: 204, description: 'The PIN is changed' },
      problems: [429],
      handler: async ({ body, principal }) => {
        await clients.changePin(principal.userId, body);
      },
    }),
  ];
}
