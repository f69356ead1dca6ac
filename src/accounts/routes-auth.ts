import type { Context } from 'koa';
import { authenticate, principalOf, type Authenticator } from '../http/auth';
import { Router } from '../http/router';
import { parse } from '../http/validate';
import type { AuthService, LoginResult, Session } from './auth-service';
import type { ClientSelfService } from './client-self-service';
import type { SignupService } from './signup';
import { User } from './entities';
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
import { userDto } from './serializers';
import type { TokenService } from './tokens';
import type { Deps } from '../deps';
import { forbidden, notFound } from '../http/errors';

function sessionDto(session: Session) {
  return { access: session.access, refresh: session.refresh, user: userDto(session.user) };
}

/** No tokens yet: the code sent by SMS goes to /login/verifier-otp with this challenge. */
function challengeDto(challenge: OtpChallenge) {
  return { otp_required: true, challenge: challenge.challenge };
}

function loginDto(result: LoginResult) {
  return 'access' in result ? sessionDto(result) : challengeDto(result);
}

/** The services behind the sign-up, login and token routes. */
export interface AuthRouteServices {
  auth: AuthService;
  signup: SignupService;
  clients: ClientSelfService;
  tokens: TokenService & Authenticator;
}

export function authRoutes(
  router: Router,
  deps: Pick<Deps, 'db'>,
  { auth, signup, clients, tokens }: AuthRouteServices,
): void {
  router.post('/signup', async (ctx: Context) => {
    // Accepted, not created: the account exists only once the code is verified.
    const { phone } = await signup.signup(parse(signupBody, ctx.request.body));
    ctx.status = 202;
    ctx.body = { phone, detail: 'verification code sent by SMS' };
  });

  router.post('/signup/verify', async (ctx: Context) => {
    ctx.body = sessionDto(await signup.verifySignup(parse(verifyBody, ctx.request.body)));
  });

  router.post('/login', async (ctx: Context) => {
    ctx.body = loginDto(await auth.login(parse(loginBody, ctx.request.body), ctx.ip));
  });

  router.post('/login/verifier-otp', async (ctx: Context) => {
    ctx.body = sessionDto(await auth.verifyLoginOtp(parse(loginOtpBody, ctx.request.body), ctx.ip));
  });

  router.post('/login/renvoyer-otp', async (ctx: Context) => {
    const { challenge } = parse(loginOtpResendBody, ctx.request.body);
    ctx.body = challengeDto(await auth.resendLoginOtp(challenge));
  });

  router.post('/token/refresh', async (ctx: Context) => {
    ctx.body = sessionDto(await auth.refresh(parse(refreshBody, ctx.request.body).refresh));
  });

  router.post('/logout', authenticate(tokens), async (ctx: Context) => {
    parse(logoutBody, ctx.request.body);
    await tokens.logout(principalOf(ctx));
    ctx.status = 204;
  });

  router.get('/me', authenticate(tokens), async (ctx: Context) => {
    const user = await deps.db.manager.findOne(User, { where: { id: principalOf(ctx).userId } });
    if (!user) throw notFound();
    ctx.body = userDto(user);
  });

  router.post('/me/pin', authenticate(tokens), async (ctx: Context) => {
    const principal = principalOf(ctx);
    if (principal.role !== 'client') throw forbidden();
    await clients.changePin(principal.userId, parse(changePinBody, ctx.request.body));
    ctx.status = 204;
  });
}
