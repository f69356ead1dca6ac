import type { Deps } from '../deps';
import { authenticate } from '../http/auth';
import { Router } from '../http/router';
import { AuthService } from './auth-service';
import { ClientSelfService } from './client-self-service';
import { PinGuard } from './pin-guard';
import { authRoutes } from './routes-auth';
import { sfdRoutes } from './routes-sfds';
import { SignupService } from './signup';
import { userRoutes } from './routes-users';
import { SfdsService } from './sfds-service';
import { TokenService } from './tokens';
import { UsersService } from './users-service';

export function createAccounts(deps: Deps) {
  const tokens = new TokenService(deps);
  const pins = new PinGuard(deps);
  const auth = new AuthService(deps, tokens, pins);
  const signup = new SignupService(deps, tokens);
  const clients = new ClientSelfService(deps, pins);
  const users = new UsersService(deps);
  const sfds = new SfdsService(deps);

  const router = new Router({ prefix: '/api/accounts' });
  // Public routes first; everything registered after the `use` below needs a valid access token.
  authRoutes(router, deps, { auth, signup, clients, tokens });
  const guarded = new Router();
  guarded.use(authenticate(tokens));
  userRoutes(guarded, users);
  sfdRoutes(guarded, sfds);
  router.use(guarded.routes());

  return { router, tokens, pins, auth, signup, clients, users, sfds };
}

export type Accounts = ReturnType<typeof createAccounts>;
