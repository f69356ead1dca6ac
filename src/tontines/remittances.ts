import type { EntityManager } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { Problem, conflict, forbidden } from '../http/errors';
import { hasRank } from '../http/roles';
import { withinScope } from '../http/scope';
import { uniqueViolationField } from '../infra/db-errors';
import { ensureAccount, post, sfdAccount, type Line } from '../ledger/service';
import { closeNotifications, notifyStaffAt } from '../notifications/inapp';
import { formatXof } from '../shared/money';
import { transition } from '../workflow/decide';
import { agentCashAccount } from './contribution-writes';
import { Versement } from './entities';

/**
 * Cash remittances (versements): a field collector hands the cash they hold to the branch. They declare
 * the amount (at most their cash on hand; one open remittance at a time, held by the unique
 * `open_agent_id`); a superviseur or admin of the SFD, never the declarer (maker-checker), counts it
 * and confirms. The confirmation is one balanced ledger entry in the transaction of the status change:
 * the agent's cash account +declared (their cash on hand drops by what they declared), the branch's
 * cash −counted (money coming in, as a cash withdrawal's money going out is +), and the difference
 * (counted − declared) on the agent's variance account: negative, the agent owes the branch.
 */

/** The in-app type of a remittance awaiting its count; its data is `{versement_id}`. */
export const REMITTANCE_PENDING = 'tontine_versement_pending';
/** Who is told a remittance awaits its count (an admin_sfd may count it too). */
export const REMITTANCE_COUNTERS = ['superviseur_sfd'] as const;
/** The ledger key of a remittance's confirmation. */
export const remittanceEntryKey = (versementId: number) => `tontine:versement:${versementId}`;
/** An agent's cumulative cash differences at the branch count (may go negative: the agent owes). */
export const agentVarianceAccount = (agentId: number) => `agent:${agentId}:variance`;

const pendingData = (versementId: number) => ({ versement_id: versementId });

export interface DeclareInput {
  amount: number;
  note?: string;
}

export interface ConfirmInput {
  countedAmount: number;
  /** The counter's remark: kept in the audit row (the remittance's `note` is the declarer's). */
  note?: string;
}

/** The audit rows' view of a remittance. */
const view = (v: Versement) => ({
  status: v.status,
  declared_amount: v.declaredAmount,
  counted_amount: v.countedAmount,
  variance: v.variance,
});

/** Staff of an SFD (agent, superviseur, admin): the platform admin is not one. */
function isSfdStaff(p: Principal): p is Principal & { sfdId: number } {
  return (
    p.role !== 'client' &&
    p.role !== 'admin_plateforme' &&
    hasRank(p.role, 'agent_sfd') &&
    typeof p.sfdId === 'number'
  );
}

export class RemittancesService {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock'>,
    private readonly accounts: AccountsDirectory,
  ) {}

  /**
   * The caller (an agent, or a superviseur or admin collecting themself) declares handing `amount` to
   * the branch: at most their cash on hand (409 insufficient_funds), and none already open (409).
   * Audited; the SFD's superviseurs get an in-app notice.
   */
  async declare(actor: Principal, input: DeclareInput): Promise<Versement> {
    if (!isSfdStaff(actor)) throw forbidden();
    const sfdId = actor.sfdId;
    try {
      return await this.deps.db.transaction(async (manager) => {
        const at = this.deps.clock.now();
        const open = await manager.findOne(Versement, { where: { openAgentId: actor.userId } });
        if (open) throw openConflict(open.id);
        const onHand = await this.cashOnHand(manager, actor.userId, sfdId, at);
        if (input.amount > onHand) {
          throw new Problem(409, 'insufficient_funds', `at most ${onHand} XOF in hand`);
        }
        const versement = await manager.save(
          manager.create(Versement, {
            sfdId,
            agentId: actor.userId,
            declaredAmount: input.amount,
            countedAmount: null,
            variance: null,
            status: 'declare',
            openAgentId: actor.userId,
            note: input.note ?? null,
            confirmedBy: null,
            confirmedAt: null,
            createdAt: at,
            updatedAt: at,
          }),
        );
        await recordAudit(
          manager,
          {
            actor,
            sfdId,
            action: 'tontine.versement.declare',
            targetType: 'versement',
            targetId: versement.id,
            after: { ...view(versement), agent_id: actor.userId, cash_on_hand: onHand },
          },
          at,
        );
        const agent = await this.accounts.contact(actor.userId, manager);
        await notifyStaffAt(
          manager,
          {
            sfdId,
            roles: REMITTANCE_COUNTERS,
            type: REMITTANCE_PENDING,
            text: {
              key: REMITTANCE_PENDING,
              params: {
                firstName: agent?.firstName ?? '',
                lastName: agent?.lastName ?? '',
                amount: formatXof(versement.declaredAmount),
              },
            },
            data: pendingData(versement.id),
          },
          at,
          this.accounts,
        );
        return versement;
      });
    } catch (err) {
      // A parallel declaration committed its open remittance first (the unique open_agent_id).
      if (uniqueViolationField(err) === 'open_agent_id') throw openConflict();
      throw err;
    }
  }

  /**
   * A superviseur or admin of the remittance's SFD counts it (another SFD's: 404; an agent, the
   * platform admin or the declarer themself: 403; already confirmed: 409). One transaction: the status
   * change (the agent may declare again), the ledger entry, the audit rows (the variance's own when
   * there is one), the notice closed.
   */
  async confirm(actor: Principal, id: number, input: ConfirmInput): Promise<Versement> {
    return this.deps.db.transaction(async (manager) => {
      const at = this.deps.clock.now();
      const found = withinScope(actor, await manager.findOne(Versement, { where: { id } }));
      if (!isSfdStaff(actor) || actor.sfdId !== found.sfdId || !hasRank(actor.role, 'superviseur_sfd')) {
        throw forbidden();
      }
      if (found.agentId === actor.userId) {
        throw forbidden('forbidden', 'who hands the cash over does not count it');
      }
      const variance = input.countedAmount - found.declaredAmount;
      const record = await transition(manager, {
        entity: Versement,
        id,
        from: ['declare'],
        to: 'confirme',
        set: {
          countedAmount: input.countedAmount,
          variance,
          openAgentId: null,
          confirmedBy: actor.userId,
          confirmedAt: at,
          updatedAt: at,
        },
        actor,
        action: 'tontine.versement.confirm',
        targetType: 'versement',
        at,
        view: (v) => ({ ...view(v), ...(v.status === 'confirme' && input.note ? { note: input.note } : {}) }),
      });
      const varianceCode = agentVarianceAccount(record.agentId);
      // Read before the entry: the variance audit row gives the agent's running total before and after.
      const varianceBefore = variance === 0 ? 0 : (await this.varianceAccount(manager, record, at)).balance;
      await ensureAccount(manager, {
        code: agentCashAccount(record.agentId),
        kind: 'agent-cash',
        sfdId: record.sfdId,
        ownerId: record.agentId,
        mayGoNegative: true,
        at,
      });
      // Zero lines are left out: the ledger refuses them (nothing counted, or no difference).
      const lines: Line[] = [{ account: agentCashAccount(record.agentId), amount: record.declaredAmount }];
      if (input.countedAmount > 0) {
        lines.push({ account: sfdAccount(record.sfdId, 'cash'), amount: -input.countedAmount });
      }
      if (variance !== 0) lines.push({ account: varianceCode, amount: variance });
      await post(manager, {
        key: remittanceEntryKey(record.id),
        kind: 'tontine_versement',
        lines,
        ref: { type: 'versement', id: record.id },
        sfdId: record.sfdId,
        actorId: actor.userId,
        at,
      });
      if (variance !== 0) {
        await recordAudit(
          manager,
          {
            actor,
            sfdId: record.sfdId,
            action: 'tontine.versement.variance',
            targetType: 'versement',
            targetId: record.id,
            before: { agent_id: record.agentId, agent_variance: varianceBefore },
            after: {
              agent_id: record.agentId,
              declared_amount: record.declaredAmount,
              counted_amount: input.countedAmount,
              variance,
              agent_variance: varianceBefore + variance,
            },
          },
          at,
        );
      }
      await closeNotifications(manager, { type: REMITTANCE_PENDING, data: pendingData(record.id) }, at);
      return record;
    });
  }

  /** Cash in the agent's hands: the opposite of their cash account's balance. */
  private async cashOnHand(manager: EntityManager, agentId: number, sfdId: number, at: Date) {
    const account = await ensureAccount(manager, {
      code: agentCashAccount(agentId),
      kind: 'agent-cash',
      sfdId,
      ownerId: agentId,
      mayGoNegative: true,
      at,
    });
    return account.balance === 0 ? 0 : -account.balance;
  }

  private varianceAccount(manager: EntityManager, v: Versement, at: Date) {
    return ensureAccount(manager, {
      code: agentVarianceAccount(v.agentId),
      kind: 'agent-variance',
      sfdId: v.sfdId,
      ownerId: v.agentId,
      mayGoNegative: true,
      at,
    });
  }
}

function openConflict(openId?: number): Problem {
  return conflict(
    openId === undefined
      ? 'a remittance of yours awaits its count'
      : `remittance ${openId} of yours awaits its count`,
  );
}
