import { accountFlow, registrationFlow, setPinFlow } from '../../menus';
import type { Module } from '../contract';
import type { Deps } from '../deps';
import { OtpService } from '../notifications/otp';
import { AuthService } from './auth-service';
import { ClientSelfService } from './client-self-service';
import { AccountsDirectory } from './directory';
import { accountsEntities } from './entities';
import { KYC_PENDING, KycService } from './kyc';
import { kycPendingReminder } from './kyc-reminder';
import { menuServices } from './menu-services';
import { PinGuard } from './pin-guard';
import { authRoutes } from './routes-auth';
import { kycRoutes } from './routes-kyc';
import { sfdRoutes } from './routes-sfds';
import { userRoutes } from './routes-users';
import { SfdsService } from './sfds-service';
import { SignupService } from './signup';
import { TokenService } from './tokens';
import { UsersService } from './users-service';

/** SFDs, users and roles, sign-up and login, tokens, the client's own USSD services, KYC, audit trail. */
export function createAccounts(deps: Deps, _needs: Record<string, never>) {
  const tokens = new TokenService(deps);
  const pins = new PinGuard(deps);
  // One set of one-time codes for sign-up, the staff login's second factor and the PIN reset.
  const otp = new OtpService(deps);
  const service = new AccountsDirectory(deps);
  const kyc = new KycService(deps, service);
  const auth = new AuthService(deps, tokens, pins, otp);
  const signup = new SignupService(deps, tokens, otp, kyc);
  const clients = new ClientSelfService(deps, pins, otp, kyc);
  const users = new UsersService(deps);
  const sfds = new SfdsService(deps);

  return {
    name: 'accounts',
    entities: accountsEntities,
    routes: [
      ...authRoutes({ auth, signup, clients, users, tokens }),
      ...userRoutes(users),
      ...kycRoutes(kyc),
      ...sfdRoutes(sfds),
    ],
    reminders: [kycPendingReminder],
    inAppKinds: [KYC_PENDING],
    ussd: {
      flows: { registration: registrationFlow, account: accountFlow, setPin: setPinFlow },
      services: menuServices(clients, deps.kv, deps.logger, deps.config.USSD_PIN_KEY),
    },
    /** The read API other modules use instead of the users and SFDs tables. */
    service,
    /** Checks access tokens: the composition root gives it to every typed route (route.ts). */
    tokens,
    pins,
    otp,
    auth,
    signup,
    clients,
    users,
    sfds,
    kyc,
  } satisfies Module & Record<string, unknown>;
}

export type Accounts = ReturnType<typeof createAccounts>;
