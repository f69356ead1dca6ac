import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import { LedgerReads } from '../ledger/reads';
import {
  DEFAULT_TIME_ZONE,
  addDays,
  localDateOf,
  startOfLocalDay,
  type LocalDate,
} from '../shared/sfd-calendar';
import { agentCashAccount } from './contributions';
import { Cotisation, Versement } from './entities';
import { agentVarianceAccount } from './remittances';

export interface CashDesk {
  agentId: number;
  sfdId: number;
  /** The SFD-local day the collections are counted for. */
  date: LocalDate;
  /**
   * Cash in the agent's hands, XOF: the opposite of their `agent:<id>:cash` ledger balance (a cash
   * contribution takes that account down by what came in; a remittance to the branch brings it back).
   */
  cashOnHand: number;
  /** The day's confirmed cash contributions the agent recorded. */
  collections: { count: number; amount: number; commission: number };
  /** The remittance to the branch awaiting its count, if any (the cash stays on hand until counted). */
  openRemittance: { id: number; declaredAmount: number; createdAt: Date } | null;
  /**
   * The agent's cumulative variance at the branch counts, XOF (their `agent:<id>:variance` balance):
   * negative, the agent owes the branch.
   */
  variance: number;
}

/** A field collector's cash desk: what they hold, and what they collected on a day. */
export class CashDeskService {
  private readonly ledger: LedgerReads;

  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock'>,
    private readonly accounts: AccountsDirectory,
  ) {
    this.ledger = new LedgerReads(deps);
  }

  async desk(agent: { id: number; sfdId: number }, date?: LocalDate): Promise<CashDesk> {
    const zone = (await this.accounts.sfd(agent.sfdId))?.timeZone ?? DEFAULT_TIME_ZONE;
    const day = date ?? localDateOf(this.deps.clock.now(), zone);
    const account = await this.ledger.account(agentCashAccount(agent.id));
    const raw = await this.deps.db.manager
      .getRepository(Cotisation)
      .createQueryBuilder('c')
      .select('COUNT(c.id)', 'count')
      .addSelect('COALESCE(SUM(c.amount), 0)', 'amount')
      .addSelect('COALESCE(SUM(c.commission), 0)', 'commission')
      .where('c.collected_by = :agent', { agent: agent.id })
      .andWhere('c.sfd_id = :sfd', { sfd: agent.sfdId })
      .andWhere("c.method = 'cash'")
      .andWhere("c.status = 'confirmee'")
      .andWhere('c.created_at >= :from', { from: startOfLocalDay(day, zone) })
      .andWhere('c.created_at < :to', { to: startOfLocalDay(addDays(day, 1), zone) })
      .getRawOne<{ count: string | number; amount: string | number; commission: string | number }>();
    const balance = account?.balance ?? 0;
    const variance = (await this.ledger.account(agentVarianceAccount(agent.id)))?.balance ?? 0;
    const open = await this.deps.db.manager.findOne(Versement, { where: { openAgentId: agent.id } });
    return {
      agentId: agent.id,
      sfdId: agent.sfdId,
      date: day,
      // `0 - 0` would be -0: a desk that never held cash shows 0.
      cashOnHand: balance === 0 ? 0 : -balance,
      collections: {
        count: Number(raw?.count ?? 0),
        amount: Number(raw?.amount ?? 0),
        commission: Number(raw?.commission ?? 0),
      },
      openRemittance: open
        ? { id: open.id, declaredAmount: open.declaredAmount, createdAt: open.createdAt }
        : null,
      variance,
    };
  }
}
