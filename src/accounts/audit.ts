import type { EntityManager } from 'typeorm';
import type { Principal } from '../http/auth';
import { AuditEvent } from './entities';

export interface AuditInput {
  actor: Pick<Principal, 'userId' | 'role'> | null;
  sfdId: number | null;
  action: string;
  targetType: string;
  targetId: number | string;
  before?: object | null;
  after?: object | null;
}

/** Append-only trail, written with the caller's transaction manager so it commits with the change. */
export async function recordAudit(manager: EntityManager, input: AuditInput, at: Date): Promise<void> {
  await manager.insert(
    AuditEvent,
    manager.create(AuditEvent, {
      actorId: input.actor?.userId ?? null,
      actorRole: input.actor?.role ?? null,
      sfdId: input.sfdId,
      action: input.action,
      targetType: input.targetType,
      targetId: String(input.targetId),
      before: input.before ? JSON.stringify(input.before) : null,
      after: input.after ? JSON.stringify(input.after) : null,
      createdAt: at,
    }),
  );
}

/**
 * Everyone who did one of `actions` to a record, from the trail (indexed by target): for a maker-checker
 * rule that must see every maker, not only the last one a column remembers.
 */
export async function actorsOf(
  manager: EntityManager,
  target: { type: string; id: number | string },
  actions: readonly string[],
): Promise<Set<number>> {
  const rows = await manager
    .createQueryBuilder(AuditEvent, 'a')
    .select('DISTINCT a.actorId', 'actorId')
    .where('a.targetType = :type AND a.targetId = :id', { type: target.type, id: String(target.id) })
    .andWhere('a.action IN (:...actions)', { actions })
    .andWhere('a.actorId IS NOT NULL')
    .getRawMany<{ actorId: number | string }>();
  return new Set(rows.map((r) => Number(r.actorId)));
}
