import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../accounts/audit';
import type { Principal } from '../http/auth';
import { conflict, notFound } from '../http/errors';
import { safeText } from '../http/text';

/**
 * The one decision body of every "submit → an agent or supervisor decides" step (ARCHITECTURE §10):
 * `{decision: approve|reject, reason}`, the reason required to reject (the client is told it).
 */
export const decisionBody = z
  .object({
    decision: z.enum(['approve', 'reject']),
    reason: safeText(1, 300).optional(),
  })
  .refine((b) => b.decision === 'approve' || (b.reason !== undefined && b.reason.length > 0), {
    path: ['reason'],
    message: 'required',
  })
  .meta({
    id: 'Decision',
    example: { decision: 'reject', reason: 'Piece d identite illisible' },
  });

export type Decision = z.output<typeof decisionBody>;

export interface TransitionRequest<E extends ObjectLiteral> {
  entity: EntityTarget<E>;
  id: number;
  /** The status column's property name. */
  field?: keyof E & string;
  /** The statuses the record may be in for this change; any other is a 409. */
  from: readonly string[];
  to: string;
  /** More columns set with the status (who decided, when, why). */
  set?: Partial<E>;
  actor: Pick<Principal, 'userId' | 'role'> | null;
  /** The audit action (`user.kyc_approve`…) and target type; the SFD is the record's. */
  action: string;
  targetType: string;
  at: Date;
  /** The record's view in the audit row's before/after (default: the status field only). */
  view?: (record: E) => object;
  /** The SFD the audit row names (default: the record's `sfdId`; an SFD names itself). */
  sfdOf?: (record: E) => number | null;
}

/**
 * A workflow status change, in `manager`'s transaction: a conditional update from the expected status
 * (two concurrent deciders: one wins, the other gets 409), then the audit row with before and after.
 * The record must already be known to be in the caller's reach (http/scope.ts); a missing one is a 404.
 */
export async function transition<E extends ObjectLiteral & { id: number }>(
  manager: EntityManager,
  req: TransitionRequest<E>,
): Promise<E> {
  const field = req.field ?? 'status';
  const view = req.view ?? ((r: E) => ({ [field]: r[field] }));
  const before = await manager.findOne(req.entity, { where: { id: req.id } as never });
  if (!before) throw notFound();
  const column = manager.connection.getMetadata(req.entity).findColumnWithPropertyName(field)?.databaseName;
  const result = await manager
    .createQueryBuilder()
    .update(req.entity)
    .set({ ...(req.set ?? {}), [field]: req.to } as never)
    .where('id = :id', { id: req.id })
    .andWhere(`${column ?? field} IN (:...from)`, { from: req.from })
    .execute();
  if (!result.affected) throw conflict(`no longer ${req.from.join(' or ')}`);
  const after = (await manager.findOne(req.entity, { where: { id: req.id } as never })) as E;
  await recordAudit(
    manager,
    {
      actor: req.actor,
      sfdId: req.sfdOf ? req.sfdOf(before) : ((before as { sfdId?: number | null }).sfdId ?? null),
      action: req.action,
      targetType: req.targetType,
      targetId: req.id,
      before: view(before),
      after: view(after),
    },
    req.at,
  );
  return after;
}

export interface DecideRequest<E extends ObjectLiteral> extends Omit<TransitionRequest<E>, 'to' | 'action'> {
  decision: Decision;
  /** The status an approval and a rejection move to. */
  to: { approve: string; reject: string };
  /** The audit action prefix: `<action>.approve` or `<action>.reject`. */
  action: string;
  /**
   * What follows a decision, in the same transaction: the client's SMS (queued through the outbox, so
   * it leaves only if this commits) and the in-app notices.
   */
  notify?: (manager: EntityManager, record: E, decision: Decision) => Promise<void>;
}

/** A decision on a record that waits for one: `transition()` to the approved or rejected status, then the notice. */
export async function decide<E extends ObjectLiteral & { id: number }>(
  manager: EntityManager,
  req: DecideRequest<E>,
): Promise<E> {
  const { decision } = req;
  const record = await transition(manager, {
    ...req,
    to: req.to[decision.decision],
    action: `${req.action}.${decision.decision}`,
  });
  await req.notify?.(manager, record, decision);
  return record;
}
