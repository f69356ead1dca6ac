import { In, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { AccountsDirectory } from '../accounts/directory';
import type { KycService } from '../accounts/kyc';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { conflict, forbidden, notFound, Problem, validationFailed } from '../http/errors';
import type { Page } from '../http/pagination';
import { scopedSfdFilter, withinLocalDays, withinScope } from '../http/scope';
import { closeNotifications } from '../notifications/inapp';
import type { PurposeHandler } from '../payments/purposes';
import type { PaymentsService } from '../payments/service';
import { decide, type Decision } from '../workflow/decide';
import { Adhesion, Tontine, type AdhesionStatus } from './entities';
import {
  ADHESION_PENDING,
  adhesionAwaitsDecision,
  adhesionDecisionSms,
  adhesionPendingData,
} from './notices';
import { adhesionFeeHandler } from './adhesion-fee';
import { FeePayments } from './adhesion-payment';

export { ADHESION_PURPOSE, STALE_START_MS } from './adhesion-payment';
import { integrateAdhesion, type IntegrationNotices } from './participants';
import type { ListAdhesionsQuery, SubmitAdhesionBody } from './schemas';

/** Adhesions that still count: a client has at most one per tontine (a rejected one may be retried). */
const OPEN: AdhesionStatus[] = [
  'demande_soumise',
  'validee_agent',
  'en_cours_paiement',
  'paiement_effectue',
  'adherent',
];

const view = (a: Adhesion) => ({ status: a.status, ...(a.reason ? { reason: a.reason } : {}) });

export interface AdhesionNeeds {
  accounts: AccountsDirectory;
  kyc: Pick<KycService, 'verifyIfPending'>;
  payments: Pick<PaymentsService, 'collect' | 'byReference' | 'refresh'>;
}

/**
 * Joining a tontine: demande_soumise → (an agent decides) validee_agent | rejetee → (the fee payment
 * starts) en_cours_paiement → (the fee is collected) paiement_effectue → (integration) adherent.
 */
export class AdhesionsService {
  private readonly notices: IntegrationNotices;
  private readonly fees: FeePayments;

  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock' | 'outbox' | 'logger'>,
    private readonly needs: AdhesionNeeds,
  ) {
    this.notices = { accounts: needs.accounts, outbox: deps.outbox };
    this.fees = new FeePayments(deps, needs, this.notices);
  }

  /** An adhesion the caller may see, else 404: its client, its SFD's staff (the platform admin: any). */
  private async reach(p: Principal, id: number, manager?: EntityManager): Promise<Adhesion> {
    const m = manager ?? this.deps.db.manager;
    return withinScope(p, await m.findOne(Adhesion, { where: { id } }), (a) => a.clientId);
  }

  async get(p: Principal, id: number): Promise<Adhesion> {
    return this.reach(p, id);
  }

  /**
   * A client asks for themself; staff (agent or higher) for a client of their SFD (`client_id`). The
   * tontine must be their SFD's and active, the stake within its bounds, and the client not already in
   * it or asking. The SFD's agents and supervisors get an in-app notice.
   */
  async submit(p: Principal, body: SubmitAdhesionBody): Promise<Adhesion> {
    const clientId = p.role === 'client' ? p.userId : body.client_id;
    if (!clientId) throw validationFailed({ client_id: ['required'] });
    const client = withinScope(p, await this.needs.accounts.client(clientId), (c) => c.id);
    if (client.sfdId === null) throw notFound();
    const tontine = await this.deps.db.manager.findOne(Tontine, { where: { id: body.tontine_id } });
    // Another SFD's tontine does not exist for this client (nor for this caller).
    if (!tontine || tontine.sfdId !== client.sfdId) {
      throw validationFailed({ tontine_id: ['not_found'] });
    }
    if (tontine.status !== 'active') throw validationFailed({ tontine_id: ['tontine_inactive'] });
    if (body.stake < tontine.stakeMin || body.stake > tontine.stakeMax) {
      throw new Problem(
        400,
        'validation',
        `stake must be between ${tontine.stakeMin} and ${tontine.stakeMax} XOF a day`,
        { stake: ['stake_out_of_range'] },
      );
    }
    const now = this.deps.clock.now();
    return this.deps.db.transaction(async (manager) => {
      // The tontine's row first (MySQL; SQLite runs one transaction at a time): joins of one tontine take
      // turns, so two requests at once cannot both find no open adhesion. Contributions read the row
      // without a lock and are not held up.
      if (manager.connection.options.type === 'mysql') {
        await manager.findOne(Tontine, { where: { id: tontine.id }, lock: { mode: 'pessimistic_write' } });
      }
      const open = await manager.exists(Adhesion, {
        where: { tontineId: tontine.id, clientId: client.id, status: In(OPEN) },
      });
      if (open) throw conflict('already a member or asking', { tontine_id: ['unique'] });
      const adhesion = await manager.save(
        manager.create(Adhesion, {
          sfdId: tontine.sfdId,
          tontineId: tontine.id,
          clientId: client.id,
          stake: body.stake,
          status: 'demande_soumise',
          submittedBy: p.role === 'client' ? null : p.userId,
          reason: null,
          decidedBy: null,
          decidedAt: null,
          paymentReference: null,
          participantId: null,
          createdAt: now,
          updatedAt: now,
        }),
      );
      await recordAudit(
        manager,
        {
          actor: p,
          sfdId: adhesion.sfdId,
          action: 'tontine.adhesion.submit',
          targetType: 'tontine_adhesion',
          targetId: adhesion.id,
          after: { status: adhesion.status, stake: adhesion.stake, tontine_id: tontine.id },
        },
        now,
      );
      await adhesionAwaitsDecision(manager, adhesion, tontine, client, now, this.needs.accounts);
      return adhesion;
    });
  }

  /** Clients: their own; staff: their SFD's (the platform admin: all, or `sfd_id`'s); newest first. */
  async list(p: Principal, query: ListAdhesionsQuery, page: Page) {
    const where: FindOptionsWhere<Adhesion> = {};
    if (p.role === 'client') where.clientId = p.userId;
    else {
      const sfd = scopedSfdFilter(p, query.sfd_id);
      if (sfd !== null) where.sfdId = sfd;
      if (query.client_id) where.clientId = query.client_id;
    }
    if (query.tontine_id) where.tontineId = query.tontine_id;
    if (query.status) where.status = query.status;
    const created = await withinLocalDays(p, where.sfdId as number | undefined, query, this.needs.accounts);
    if (created) where.createdAt = created;
    const [rows, count] = await this.deps.db.manager.findAndCount(Adhesion, {
      where,
      order: { id: 'DESC' },
      skip: page.skip,
      take: page.take,
    });
    return { rows, count };
  }

  /**
   * An agent (or supervisor, or admin) of the adhesion's SFD decides; the platform admin, who belongs
   * to no SFD, does not, and neither does the staff member who submitted it (maker-checker). Approve →
   * validee_agent, and the client's KYC becomes verified if it was pending; reject → rejetee with the
   * reason. In one transaction with the audit row, the client's SMS and the notice closed.
   */
  async decide(p: Principal, id: number, decision: Decision): Promise<Adhesion> {
    const now = this.deps.clock.now();
    return this.deps.db.transaction(async (manager) => {
      const adhesion = await this.reach(p, id, manager);
      if (p.sfdId !== adhesion.sfdId) throw forbidden('forbidden', 'only the SFD’s own staff decide');
      if (adhesion.submittedBy === p.userId) {
        throw forbidden('forbidden', 'who submits an adhesion does not decide it');
      }
      return decide(manager, {
        entity: Adhesion,
        id,
        from: ['demande_soumise'],
        to: { approve: 'validee_agent', reject: 'rejetee' },
        set: {
          decidedBy: p.userId,
          decidedAt: now,
          reason: decision.decision === 'reject' ? (decision.reason ?? null) : null,
          updatedAt: now,
        },
        actor: p,
        action: 'tontine.adhesion',
        targetType: 'tontine_adhesion',
        at: now,
        decision,
        view,
        notify: async (m, record, d) => {
          if (d.decision === 'approve') {
            await this.needs.kyc.verifyIfPending(m, p, record.clientId, 'tontine_adhesion', now);
          }
          const tontine = (await m.findOne(Tontine, { where: { id: record.tontineId } })) as Tontine;
          const client = await this.needs.accounts.contact(record.clientId, m);
          const sfd = await this.needs.accounts.sfd(record.sfdId, m);
          const sms = client && adhesionDecisionSms(client, record, tontine, sfd?.name ?? 'TontiFlex', d);
          if (sms) await this.deps.outbox.queue(m, sms);
          await closeNotifications(m, { type: ADHESION_PENDING, data: adhesionPendingData(record.id) }, now);
        },
      });
    });
  }

  /**
   * Starts the joining-fee collection (the client for themself, or staff of the SFD): see
   * FeePayments.start (adhesion-payment.ts).
   */
  async pay(p: Principal, id: number, phone?: string): Promise<Adhesion> {
    return this.fees.start(p, await this.reach(p, id), phone);
  }

  /**
   * Whether any adhesion of the client awaits its fee (see awaitingFee). The USSD main menu asks on
   * every dial: one indexed query in plain SQL (a TypeORM find costs several times its round trip).
   */
  async feeDue(clientId: number): Promise<boolean> {
    const rows: unknown[] = await this.deps.db.manager.query(
      'SELECT 1 AS due FROM tontine_adhesions WHERE client_id = ? AND status IN (?, ?) LIMIT 1',
      [clientId, 'validee_agent', 'en_cours_paiement'],
    );
    return rows.length > 0;
  }

  /**
   * The client's adhesions whose joining fee is to pay: validated by an agent, or whose fee payment was
   * started (again, after a failed or expired one: `pay` says 409 while one is pending), oldest first,
   * with their tontine.
   */
  async awaitingFee(clientId: number): Promise<{ adhesion: Adhesion; tontine: Tontine }[]> {
    const m = this.deps.db.manager;
    const adhesions = await m.find(Adhesion, {
      where: { clientId, status: In(['validee_agent', 'en_cours_paiement']) },
      order: { id: 'ASC' },
    });
    if (adhesions.length === 0) return [];
    const tontines = await m.findBy(Tontine, { id: In([...new Set(adhesions.map((a) => a.tontineId))]) });
    const byId = new Map(tontines.map((t) => [t.id, t]));
    return adhesions.flatMap((adhesion) => {
      const tontine = byId.get(adhesion.tontineId);
      return tontine ? [{ adhesion, tontine }] : [];
    });
  }

  /**
   * Staff make the participant of an adhesion whose fee is paid (automatic when the fee payment
   * succeeds, unless the tontine was not active then). A fee payment still pending is first asked of
   * the provider (and integrates if it succeeded). 409: already adherent, or the fee not paid.
   */
  async integrateByStaff(p: Principal, id: number): Promise<Adhesion> {
    let adhesion = await this.reach(p, id);
    if (adhesion.status === 'en_cours_paiement' && adhesion.paymentReference) {
      const payment = await this.needs.payments.byReference(adhesion.paymentReference);
      if (payment?.status === 'pending') {
        await this.needs.payments.refresh(payment, undefined, p);
        // Integrated by this very call (the payment's handler did it): the answer, not a 409.
        const after = await this.reach(p, id);
        if (after.status === 'adherent') return after;
        adhesion = after;
      }
    }
    if (adhesion.status === 'adherent') throw conflict('already adherent');
    if (adhesion.status !== 'paiement_effectue') throw conflict(`adhesion ${adhesion.status}: fee not paid`);
    const now = this.deps.clock.now();
    return this.deps.db.transaction((manager) => integrateAdhesion(manager, this.notices, id, p, now));
  }

  /** The joining fee's purpose handler (adhesion-fee.ts). */
  purposeHandler(): PurposeHandler {
    return adhesionFeeHandler(this.deps, this.notices);
  }
}
