import { Sfd, User } from '../../src/accounts/entities';
import type { Role } from '../../src/http/roles';
import { hashSecret } from '../../src/infra/crypto';
import { openSfdAccounts } from '../../src/ledger/service';
import { Tontine } from '../../src/tontines/entities';
import type { TestApp } from './app';

export const PASSWORD = 'correct-horse-battery';
export const PIN = '4827';

let seq = 0;
const next = () => ++seq;

export async function makeSfd(
  t: TestApp,
  code = `S${next()}`,
  status: Sfd['status'] = 'active',
): Promise<Sfd> {
  const now = t.clock.now();
  const sfd = await t.deps.db.manager.save(
    t.deps.db.manager.create(Sfd, {
      name: `SFD ${code}`,
      code,
      city: 'Cotonou',
      phone: '+2290121000099',
      timeZone: 'Africa/Porto-Novo',
      status,
      createdAt: now,
      updatedAt: now,
    }),
  );
  await openSfdAccounts(t.deps.db.manager, sfd.id, now);
  return sfd;
}

/** A unique valid Benin mobile number (+229 01 9x xx xx xx). */
export function phone(): string {
  return `+22901${String(97_000_000 + next() * 7 + Math.floor(Math.random() * 5)).padStart(8, '0')}`;
}

export async function makeUser(
  t: TestApp,
  role: Role,
  sfd: Sfd | null,
  fields: Partial<User> & { password?: string; pin?: string } = {},
): Promise<User> {
  const now = t.clock.now();
  const n = next();
  const { password, pin, ...rest } = fields;
  const isClient = role === 'client';
  return t.deps.db.manager.save(
    t.deps.db.manager.create(User, {
      phone: phone(),
      email: isClient ? null : `${role}.${n}@test.tontiflex`,
      firstName: `First${n}`,
      lastName: `Last${n}`,
      role,
      sfdId: sfd?.id ?? null,
      status: 'active',
      language: 'fr',
      passwordHash: isClient ? null : await hashSecret(password ?? PASSWORD),
      pinHash: isClient ? await hashSecret(pin ?? PIN) : null,
      kycStatus: 'pending',
      phoneVerifiedAt: now,
      createdAt: now,
      updatedAt: now,
      ...rest,
    }),
  );
}

/** Logs in through the API and returns the access token. */
export async function tokenFor(t: TestApp, user: User, secret?: string): Promise<string> {
  const body =
    user.role === 'client'
      ? { phone: user.phone, pin: secret ?? PIN }
      : { email: user.email, password: secret ?? PASSWORD };
  const res = await t.request.post('/api/accounts/login/').send(body);
  if (res.status !== 200)
    throw new Error(`login failed for ${user.role}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access as string;
}

/** A tontine of `sfd`, active, stake 200..5000 XOF a day and a 1 000 XOF joining fee unless given. */
export async function makeTontine(t: TestApp, sfd: Sfd, fields: Partial<Tontine> = {}): Promise<Tontine> {
  const now = t.clock.now();
  return t.deps.db.manager.save(
    t.deps.db.manager.create(Tontine, {
      sfdId: sfd.id,
      name: `Tontine ${next()}`,
      status: 'active',
      stakeMin: 200,
      stakeMax: 5000,
      joiningFee: 1000,
      minWithdrawal: 0,
      withdrawalNoticeDays: 0,
      createdBy: null,
      createdAt: now,
      updatedAt: now,
      ...fields,
    }),
  );
}
