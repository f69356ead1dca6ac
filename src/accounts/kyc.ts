import type { EntityManager } from 'typeorm';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import type { Role } from '../http/roles';
import { recordAudit } from './audit';
import { withinScope } from '../http/scope';
import { closeNotifications, notifyStaffAt } from '../notifications/inapp';
import type { OutboxMessage } from '../notifications/outbox';
import { decide, type Decision } from '../workflow/decide';
import type { AccountsDirectory } from './directory';
import { Sfd, User } from './entities';

/**
 * KYC: a new client's identity waits for their SFD's agents to check it (an in-app notice to each, a
 * reminder SMS to the client a week later: kyc-reminder.ts), and an agent decides, approve or reject,
 * through the one workflow `decide()`: the client hears it by SMS and the notice is closed for everyone.
 */

/** Who validates a new client's KYC (collections.ts: agents update clients; supervisors oversee them). */
export const KYC_VALIDATORS: readonly Role[] = ['agent_sfd', 'superviseur_sfd'];

/** The in-app notification type of a client waiting for validation; its data is `{client_id}`. */
export const KYC_PENDING = 'kyc_pending';

/** A reason longer than this is cut in the client's SMS (the audit trail keeps it whole). */
export const KYC_REASON_SMS_MAX = 120;

/** The notice's data: the same object (same JSON text) when it is written and when it is closed. */
const pendingData = (clientId: number) => ({ client_id: clientId });

/**
 * A new client's KYC awaits validation: tells the active agents and supervisors of the client's SFD
 * (the directory names them). Call it inside the transaction that creates the client, with that
 * transaction's `now`. Returns how many were told.
 */
export async function kycAwaitsValidation(
  manager: EntityManager,
  client: { id: number; sfdId: number | null; firstName: string; lastName: string },
  at: Date,
  directory: AccountsDirectory,
): Promise<number> {
  if (client.sfdId === null) return 0;
  return notifyStaffAt(
    manager,
    {
      sfdId: client.sfdId,
      roles: KYC_VALIDATORS,
      type: KYC_PENDING,
      text: { key: 'kyc_pending', params: { firstName: client.firstName, lastName: client.lastName } },
      data: pendingData(client.id),
    },
    at,
    directory,
  );
}

/** The reason as the SMS shows it: on one line, at most KYC_REASON_SMS_MAX characters. */
export function reasonForSms(reason: string): string {
  const flat = reason.replace(/\s+/g, ' ').trim();
  if (flat.length <= KYC_REASON_SMS_MAX) return flat;
  return `${flat.slice(0, KYC_REASON_SMS_MAX - 3).trimEnd()}...`;
}

/** The client's SMS about the decision, in their language. */
export function kycDecisionSms(
  client: Pick<User, 'phone' | 'language'>,
  sfdName: string,
  decision: Decision,
): OutboxMessage {
  return decision.decision === 'approve'
    ? {
        to: client.phone,
        kind: 'info',
        lang: client.language,
        template: 'kyc.verified',
        params: { sfd: sfdName },
      }
    : {
        to: client.phone,
        kind: 'info',
        lang: client.language,
        template: 'kyc.rejected',
        params: { sfd: sfdName, reason: reasonForSms(decision.reason ?? '') },
      };
}

export class KycService {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock' | 'outbox'>,
    private readonly directory: AccountsDirectory,
  ) {}

  /** kycAwaitsValidation, with accounts' own directory. */
  awaitsValidation(
    manager: EntityManager,
    client: { id: number; sfdId: number | null; firstName: string; lastName: string },
    at: Date,
  ): Promise<number> {
    return kycAwaitsValidation(manager, client, at, this.directory);
  }

  /**
   * Another workflow's approval vouches for the client's identity (a tontine adhesion an agent
   * validated): a KYC still `pending` becomes `verified`, in the caller's transaction, by a conditional
   * update (a concurrent decision wins and nothing changes), with its audit row
   * (`user.kyc.approve`, `after.via` naming the workflow) and the pending notice closed. No SMS: the
   * calling workflow tells the client. Returns whether it changed the client.
   */
  async verifyIfPending(
    manager: EntityManager,
    actor: Pick<Principal, 'userId' | 'role'>,
    clientId: number,
    via: string,
    at: Date,
  ): Promise<boolean> {
    const client = await manager.findOne(User, { where: { id: clientId, role: 'client' } });
    if (!client || client.kycStatus !== 'pending') return false;
    const moved = await manager.update(
      User,
      { id: clientId, kycStatus: 'pending' },
      { kycStatus: 'verified', updatedAt: at },
    );
    if (!moved.affected) return false;
    await recordAudit(
      manager,
      {
        actor,
        sfdId: client.sfdId,
        action: 'user.kyc.approve',
        targetType: 'user',
        targetId: clientId,
        before: { kyc_status: 'pending' },
        after: { kyc_status: 'verified', via },
      },
      at,
    );
    await closeNotifications(manager, { type: KYC_PENDING, data: pendingData(clientId) }, at);
    return true;
  }

  /**
   * An agent's (or higher) decision on a client of their SFD (the platform admin: any) whose KYC is
   * pending: approve → verified, reject → rejected. In one transaction: the conditional status change
   * (409 when it no longer waits), the audit row (`user.kyc.approve` / `user.kyc.reject`, before and
   * after, the reason in after), the client's SMS, and the pending notice closed for all its recipients.
   * A client outside the caller's reach is a 404.
   */
  async decide(actor: Principal, clientId: number, decision: Decision): Promise<User> {
    const now = this.deps.clock.now();
    return this.deps.db.transaction(async (manager) => {
      withinScope(actor, await manager.findOne(User, { where: { id: clientId, role: 'client' } }));
      return decide(manager, {
        entity: User,
        id: clientId,
        field: 'kycStatus',
        from: ['pending'],
        to: { approve: 'verified', reject: 'rejected' },
        set: { updatedAt: now },
        actor,
        action: 'user.kyc',
        targetType: 'user',
        at: now,
        decision,
        // The reason has no column: the audit row's after keeps it (before is always pending).
        view: (u) => ({
          kyc_status: u.kycStatus,
          ...(u.kycStatus !== 'pending' && decision.reason ? { reason: decision.reason } : {}),
        }),
        notify: async (m, client, d) => {
          const sfd = client.sfdId === null ? null : await m.findOne(Sfd, { where: { id: client.sfdId } });
          await this.deps.outbox.queue(m, kycDecisionSms(client, sfd?.name ?? 'TontiFlex', d));
          await closeNotifications(m, { type: KYC_PENDING, data: pendingData(client.id) }, now);
        },
      });
    });
  }
}
