import { IsNull, type FindOptionsWhere } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { conflict, validationFailed } from '../http/errors';
import type { PaymentsService } from '../payments/service';
import type { AdhesionNeeds } from './adhesions';
import { Adhesion, Tontine } from './entities';
import { integrateAdhesion, type IntegrationNotices } from './participants';

/** The payment type and purpose of the joining fee. */
export const ADHESION_PURPOSE = 'adhesion_tontine';

/** A fee payment start that never wrote its payment is given up after this long (see `claimable`). */
export const STALE_START_MS = 5 * 60_000;

/** Starting the joining fee's payment (the fee's outcome is applied by adhesion-fee.ts). */
export class FeePayments {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock'>,
    private readonly needs: Pick<AdhesionNeeds, 'accounts' | 'payments'>,
    private readonly notices: IntegrationNotices,
  ) {}

  /**
   * Starts the joining-fee collection (the client for themself, or staff of the SFD): validee_agent →
   * en_cours_paiement, then the provider prompts the phone. Again after a failed or expired fee
   * payment; 409 while one is pending or once paid. A free tontine integrates at once.
   */
  async start(p: Principal, adhesion: Adhesion, phone?: string): Promise<Adhesion> {
    const { id } = adhesion;
    const tontine = (await this.deps.db.manager.findOne(Tontine, {
      where: { id: adhesion.tontineId },
    })) as Tontine;
    const now = this.deps.clock.now();
    if (tontine.joiningFee === 0) return this.payNothing(p, adhesion, now);

    // Claim the adhesion for this payment: a conditional update, so two callers never start two.
    const claim = await this.claimable(adhesion, now);
    if (!claim) throw conflict(`adhesion ${adhesion.status}: no fee to pay now`);
    const moved = await this.deps.db.manager.update(Adhesion, claim, {
      status: 'en_cours_paiement',
      paymentReference: null,
      updatedAt: now,
    });
    if (!moved.affected) throw conflict('the fee payment is already starting');

    const client = await this.needs.accounts.client(adhesion.clientId);
    const to = phone ?? client?.phone;
    let payment: Awaited<ReturnType<PaymentsService['collect']>>;
    try {
      if (!to) throw validationFailed({ phone: ['required'] });
      payment = await this.needs.payments.collect({
        type: ADHESION_PURPOSE,
        purpose: ADHESION_PURPOSE,
        purposeRef: String(adhesion.id),
        amount: tontine.joiningFee,
        phone: to,
        clientId: adhesion.clientId,
        sfdId: adhesion.sfdId,
        initiatedBy: p.userId,
      });
    } catch (err) {
      // Nothing was started: the fee is still to pay.
      await this.deps.db.manager.update(
        Adhesion,
        { id, status: 'en_cours_paiement', paymentReference: IsNull() },
        { status: 'validee_agent', updatedAt: this.deps.clock.now() },
      );
      throw err;
    }
    // The payment may already be applied (the handler then wrote its reference).
    await this.deps.db.transaction(async (manager) => {
      await manager.update(
        Adhesion,
        { id, paymentReference: IsNull() },
        { paymentReference: payment.reference },
      );
      await recordAudit(
        manager,
        {
          actor: p,
          sfdId: adhesion.sfdId,
          action: 'tontine.adhesion.pay',
          targetType: 'tontine_adhesion',
          targetId: id,
          before: { status: adhesion.status },
          after: {
            status: 'en_cours_paiement',
            payment_reference: payment.reference,
            amount: payment.amount,
          },
        },
        now,
      );
    });
    return (await this.deps.db.manager.findOne(Adhesion, { where: { id } })) as Adhesion;
  }

  /**
   * The condition under which a fee payment may start now, or null: validated and never started; or
   * started, and its payment ended without money (failed, expired); or a start that never wrote its
   * payment (the process stopped between the claim and the provider) STALE_START_MS ago.
   */
  private async claimable(adhesion: Adhesion, now: Date): Promise<FindOptionsWhere<Adhesion> | null> {
    const { id } = adhesion;
    if (adhesion.status === 'validee_agent') return { id, status: 'validee_agent' };
    if (adhesion.status !== 'en_cours_paiement') return null;
    if (!adhesion.paymentReference) {
      const stale = now.getTime() - adhesion.updatedAt.getTime() >= STALE_START_MS;
      return stale
        ? { id, status: 'en_cours_paiement', paymentReference: IsNull(), updatedAt: adhesion.updatedAt }
        : null;
    }
    const last = await this.needs.payments.byReference(adhesion.paymentReference);
    return last !== null && (last.status === 'failed' || last.status === 'expired')
      ? { id, status: 'en_cours_paiement', paymentReference: adhesion.paymentReference }
      : null;
  }

  private async payNothing(p: Principal, adhesion: Adhesion, now: Date): Promise<Adhesion> {
    return this.deps.db.transaction(async (manager) => {
      const moved = await manager.update(
        Adhesion,
        { id: adhesion.id, status: 'validee_agent' },
        { status: 'paiement_effectue', updatedAt: now },
      );
      if (!moved.affected) throw conflict(`adhesion ${adhesion.status}: no fee to pay now`);
      return integrateAdhesion(manager, this.notices, adhesion.id, p, now);
    });
  }
}
