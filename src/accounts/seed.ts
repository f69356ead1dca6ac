import { Like } from 'typeorm';
import type { Deps } from '../deps';
import { hashSecret } from '../infra/crypto';
import { recordAudit } from './audit';
import { newUser, Sfd, User } from './entities';
import type { Role } from '../http/roles';
import { SfdsService } from './sfds-service';

const DEMO_SFDS = [
  { code: 'CSC', name: 'Caisse Solidaire de Cotonou', city: 'Cotonou', phone: '+2290121000001', slug: 'csc' },
  { code: 'MAT', name: 'Mutuelle Atlantique', city: 'Abomey-Calavi', phone: '+2290121000002', slug: 'mat' },
];

const DEMO_STAFF: { slug: string; role: Role; first: string; last: string }[] = [
  { slug: 'admin', role: 'admin_sfd', first: 'Administrateur', last: 'SFD' },
  { slug: 'superviseur', role: 'superviseur_sfd', first: 'Superviseur', last: 'SFD' },
  { slug: 'agent', role: 'agent_sfd', first: 'Agent', last: 'SFD' },
];

/**
 * Demo data: a platform admin, two SFDs (with their ledger accounts) and their admin, supervisor and
 * agent. Idempotent: whatever already exists (by email or code) is left as it is. Returns the number of
 * users created.
 */
export async function seedDemo(deps: Pick<Deps, 'db' | 'clock' | 'config'>): Promise<number> {
  const now = deps.clock.now();
  const passwordHash = await hashSecret(deps.config.DEMO_PASSWORD);
  const sfds = new SfdsService(deps);
  let created = 0;
  let phoneSeq = 0;

  const ensureUser = async (
    email: string,
    role: Role,
    sfdId: number | null,
    firstName: string,
    lastName: string,
  ) => {
    phoneSeq += 1;
    const phone = `+22901990000${String(phoneSeq).padStart(2, '0')}`;
    await deps.db.transaction(async (manager) => {
      if (await manager.findOne(User, { where: { email } })) return;
      const user = newUser(
        manager,
        {
          phone,
          email,
          firstName,
          lastName,
          role,
          sfdId,
          language: 'fr',
          passwordHash,
          kycStatus: 'verified',
          phoneVerifiedAt: now,
        },
        now,
      );
      await manager.save(user);
      const event = {
        actor: null,
        sfdId,
        action: 'user.create',
        targetType: 'user',
        targetId: user.id,
        after: { email, role },
      };
      await recordAudit(manager, event, now);
      created += 1;
    });
  };

  await ensureUser('admin@tontiflex.demo', 'admin_plateforme', null, 'Admin', 'Plateforme');
  for (const demo of DEMO_SFDS) {
    const sfd =
      (await deps.db.manager.findOne(Sfd, { where: { code: demo.code } })) ??
      (await sfds.create(null, { ...demo, time_zone: 'Africa/Porto-Novo' }));
    for (const staff of DEMO_STAFF) {
      await ensureUser(
        `${staff.slug}@${demo.slug}.demo`,
        staff.role,
        sfd.id,
        staff.first,
        `${staff.last} ${demo.code}`,
      );
    }
  }
  return created;
}

/** Whether the database has no user yet: embedded mode seeds the demo data then (main.ts). */
export async function hasNoUsers(deps: Pick<Deps, 'db'>): Promise<boolean> {
  return (await deps.db.manager.count(User)) === 0;
}

/** The seeded staff logins this database holds (emails ending `.demo`), at most ten, for the start log. */
export async function demoLogins(deps: Pick<Deps, 'db'>): Promise<string[]> {
  const staff = await deps.db.manager.find(User, {
    select: { email: true },
    where: { email: Like('%.demo') },
    order: { id: 'ASC' },
    take: 10,
  });
  return staff.flatMap((u) => (u.email ? [u.email] : []));
}
