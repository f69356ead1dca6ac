import type { EntityManager } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { conflict, forbidden } from '../http/errors';
import { isPlatformAdmin } from '../http/roles';
import { withinScope } from '../http/scope';
import type { Page } from '../http/pagination';
import { LoanApplication, LoanGuarantee, type GuaranteeType, type LoanApplicationStatus } from './entities';

/**
 * An application's file beyond the savings hold: its guarantees (goods, a vehicle, a surety…) here, and
 * their attachments (documents.ts), with who may reach them:
 * - reading: the application's client, or staff of its SFD (the platform admin: every SFD); anyone else
 *   is a 404 (http/scope.ts);
 * - adding: the client while the application is `soumis` or `en_cours_examen` (before the superviseur
 *   forwards it), staff (agent or higher) of its SFD until it is decided (`transfere_admin` included:
 *   the admin may ask for one more proof). A decided application's file is what the decision was made
 *   on: adding to it is a 409. The platform admin belongs to no SFD and adds nothing (403).
 */
const CLIENT_OPEN: readonly LoanApplicationStatus[] = ['soumis', 'en_cours_examen'];
const STAFF_OPEN: readonly LoanApplicationStatus[] = ['soumis', 'en_cours_examen', 'transfere_admin'];

export type FileAccess = 'read' | 'write';

/** The application if `p` may read it (else 404); for `write`, a platform admin is a 403 first. */
export async function reachApplication(
  manager: EntityManager,
  p: Principal,
  applicationId: number,
  access: FileAccess,
): Promise<LoanApplication> {
  if (access === 'write' && isPlatformAdmin(p.role)) {
    throw forbidden('forbidden', 'the platform admin adds nothing to an SFD’s loan file');
  }
  const application = await manager.findOne(LoanApplication, { where: { id: applicationId } });
  return withinScope(p, application, (a) => a.clientId);
}

/**
 * The application locked (MySQL: its row, so a decision waits for the addition or the addition sees the
 * decision) and still open to `p`'s additions, else 409. Call inside the writing transaction, after
 * reachApplication.
 */
export async function lockOpenApplication(
  manager: EntityManager,
  p: Principal,
  applicationId: number,
): Promise<LoanApplication> {
  const mysql = manager.connection.options.type === 'mysql';
  const application = (await manager.findOne(LoanApplication, {
    where: { id: applicationId },
    ...(mysql ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  })) as LoanApplication;
  const open = p.role === 'client' ? CLIENT_OPEN : STAFF_OPEN;
  if (!open.includes(application.status)) {
    throw conflict(`the application is ${application.status}: its file is closed to additions`);
  }
  return application;
}

export interface GuaranteeInput {
  type: GuaranteeType;
  value: number;
  description: string;
}

/** Adds a guarantee to an application (audited `loan.guarantee.create`, in the same transaction). */
export async function addGuarantee(
  deps: Pick<Deps, 'db' | 'clock'>,
  p: Principal,
  applicationId: number,
  input: GuaranteeInput,
): Promise<LoanGuarantee> {
  await reachApplication(deps.db.manager, p, applicationId, 'write');
  return deps.db.transaction(async (manager) => {
    const application = await lockOpenApplication(manager, p, applicationId);
    const at = deps.clock.now();
    const guarantee = await manager.save(
      manager.create(LoanGuarantee, {
        sfdId: application.sfdId,
        applicationId: application.id,
        type: input.type,
        value: input.value,
        description: input.description,
        createdAt: at,
      }),
    );
    await recordAudit(
      manager,
      {
        actor: p,
        sfdId: application.sfdId,
        action: 'loan.guarantee.create',
        targetType: 'loan_guarantee',
        targetId: guarantee.id,
        after: { application_id: application.id, type: input.type, value: input.value },
      },
      at,
    );
    return guarantee;
  });
}

/** An application's guarantees, oldest first (the caller may read the application: reachApplication). */
export async function listGuarantees(
  deps: Pick<Deps, 'db'>,
  p: Principal,
  applicationId: number,
  page: Page,
): Promise<{ rows: LoanGuarantee[]; count: number }> {
  await reachApplication(deps.db.manager, p, applicationId, 'read');
  const [rows, count] = await deps.db.manager.findAndCount(LoanGuarantee, {
    where: { applicationId },
    order: { id: 'ASC' },
    skip: page.skip,
    take: page.take,
  });
  return { rows, count };
}
