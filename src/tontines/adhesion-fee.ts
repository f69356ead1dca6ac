import { parkInSuspense } from '../payments/purposes';
import { In } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { Deps } from '../deps';
import { post, sfdAccount } from '../ledger/service';
import { paymentEntryKey, type PurposeHandler } from '../payments/purposes';
import { Adhesion, Tontine } from './entities';
import { integrateAdhesion, type IntegrationNotices } from './participants';

/**
 * The joining fee's purpose handler, in the payment's transaction. A fee that matches an adhesion
 * awaiting it (same client and SFD; the payment it started, or the tontine's fee exactly) goes mobile-money clearing → the SFD's
 * fee income, the adhesion to paiement_effectue, then adherent if the tontine is active. Anything
 * else (a payment started by hand through /api/payments/initiate, a second fee) is money received
 * for nothing known: it is parked in the SFD's suspense account for a person to refund.
 */
export function adhesionFeeHandler(deps: Pick<Deps, 'logger'>, notices: IntegrationNotices): PurposeHandler {
  return {
    applyCollection: async (manager, payment, at) => {
      const adhesion = payment.purposeRef
        ? await manager.findOne(Adhesion, { where: { id: Number(payment.purposeRef) || -1 } })
        : null;
      const tontine = adhesion && (await manager.findOne(Tontine, { where: { id: adhesion.tontineId } }));
      const matches =
        adhesion !== null &&
        tontine !== null &&
        adhesion.clientId === payment.clientId &&
        adhesion.sfdId === payment.sfdId &&
        // The payment this adhesion started (for the fee as it was then), or one for the fee as it is.
        (adhesion.paymentReference === payment.reference || tontine.joiningFee === payment.amount) &&
        (adhesion.status === 'validee_agent' || adhesion.status === 'en_cours_paiement');
      const moved =
        matches &&
        (
          await manager.update(
            Adhesion,
            { id: adhesion.id, status: In(['validee_agent', 'en_cours_paiement']) },
            { status: 'paiement_effectue', paymentReference: payment.reference, updatedAt: at },
          )
        ).affected;
      if (!moved || !adhesion || !tontine) {
        deps.logger.warn(
          { reference: payment.reference, purposeRef: payment.purposeRef },
          'joining fee for no adhesion awaiting it: parked in suspense',
        );
        await parkInSuspense(manager, payment, at, { kind: 'unmatched_collection' });
        return;
      }
      await post(manager, {
        key: paymentEntryKey(payment.reference),
        kind: 'adhesion_fee',
        lines: [
          { account: sfdAccount(payment.sfdId, 'mobile-money'), amount: -payment.amount },
          { account: sfdAccount(payment.sfdId, 'fee-income'), amount: payment.amount },
        ],
        ref: { type: 'tontine_adhesion', id: adhesion.id },
        sfdId: payment.sfdId,
        at,
      });
      await recordAudit(
        manager,
        {
          actor: null,
          sfdId: adhesion.sfdId,
          action: 'tontine.adhesion.fee_paid',
          targetType: 'tontine_adhesion',
          targetId: adhesion.id,
          before: { status: adhesion.status },
          after: {
            status: 'paiement_effectue',
            payment_reference: payment.reference,
            amount: payment.amount,
          },
        },
        at,
      );
      if (tontine.status === 'active') await integrateAdhesion(manager, notices, adhesion.id, null, at);
    },
  };
}
