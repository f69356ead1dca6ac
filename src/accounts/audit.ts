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
