import type { Deps } from '../deps';
import { hashSecret } from '../infra/crypto';
import { openSfdAccounts } from '../ledger/service';
import { recordAudit } from './audit';
import { Sfd, User } from './entities';
import type { Role } from './roles';

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
 * Demo data: a platform admin, two SFDs and their admin, supervisor and agent. Idempotent: whatever
 * already exists (by email or code) is left as it is. Returns the number of users created.
 */
export async function seedDemo(deps: Pick<Deps, 'db' | 'clock' | 'config'>): Promise<number> {
  const now = deps.clock.now();
  const passwordHash = await hashSecret(deps.config.DEMO_PASSWORD);
  return deps.db.transaction(async (manager) => {
    let created = 0;
    let phoneSeq = 0;
    const ensureUser = async (
      email: string,
      role: Role,
      sfdId: number | null,
      first: string,
      last: string,
    ) => {
      phoneSeq += 1;
      if (await manager.findOne(User, { where: { email } })) return;
      const user = manager.create(User, {
        phone: `+22901990000${String(phoneSeq).padStart(2, '0')}`,
        email,
        firstName: first,
        lastName: last,
        role,
        sfdId,
        status: 'active',
        language: 'fr',
        passwordHash,
        pinHash: null,
        kycStatus: 'verified',
        phoneVerifiedAt: now,
        createdAt: now,
        updatedAt: now,
      });
      await manager.save(user);
      await recordAudit(
        manager,
        {
          actor: null,
          sfdId,
          action: 'user.create',
          targetType: 'user',
          targetId: user.id,
          after: { email, role },
        },
        now,
      );
      created += 1;
    };

    await ensureUser('admin@tontiflex.demo', 'admin_plateforme', null, 'Admin', 'Plateforme');
    for (const demo of DEMO_SFDS) {
      let sfd = await manager.findOne(Sfd, { where: { code: demo.code } });
      if (!sfd) {
        sfd = manager.create(Sfd, {
          name: demo.name,
          code: demo.code,
          city: demo.city,
          phone: demo.phone,
          timeZone: 'Africa/Porto-Novo',
          status: 'active',
          createdAt: now,
          updatedAt: now,
        });
        await manager.save(sfd);
        await openSfdAccounts(manager, sfd.id, now);
        await recordAudit(
          manager,
          {
            actor: null,
            sfdId: sfd.id,
            action: 'sfd.create',
            targetType: 'sfd',
            targetId: sfd.id,
            after: demo,
          },
          now,
        );
      }
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
  });
}
