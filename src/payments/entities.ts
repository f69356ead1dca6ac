import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../infra/columns';

/** The seed's seven payment types and a loan's disbursement payout, with the two-letter code used in references. */
export const PAYMENT_TYPES = {
  adhesion_tontine: 'AT',
  cotisation_tontine: 'CT',
  retrait_tontine: 'RT',
  frais_creation_epargne: 'FE',
  depot_epargne: 'DE',
  retrait_epargne: 'RE',
  remboursement_pret: 'RP',
  decaissement_pret: 'DP',
} as const;
export type PaymentType = keyof typeof PAYMENT_TYPES;
export const PAYMENT_TYPE_NAMES = Object.keys(PAYMENT_TYPES) as PaymentType[];

export type PaymentStatus = 'pending' | 'success' | 'failed' | 'expired' | 'refunded';
export type PaymentDirection = 'collection' | 'payout';

/**
 * One mobile-money movement with a provider: a collection (the client pays) or a payout (we pay the
 * client). pending → success | failed | expired; success → refunded. Applied to the business exactly
 * once, by a conditional update on the status in the transaction that posts to the ledger.
 */
@Entity('payment_transactions')
export class PaymentTransaction {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 40 }) reference: string;
  @Column({ type: 'varchar', length: 16 }) provider: string;
  @Column({ name: 'provider_transaction_id', type: 'varchar', length: 100, nullable: true })
  providerTransactionId: string | null;
  @Column({ type: 'varchar', length: 32 }) type: PaymentType;
  @Column({ type: 'varchar', length: 16 }) direction: PaymentDirection;
  @Column({ type: 'bigint', transformer: bigintNumber }) amount: number;
  @Column({ type: 'varchar', length: 20 }) phone: string;
  @Column({ type: 'varchar', length: 16 }) status: PaymentStatus;
  /** Which registered handler applies it, and to what (e.g. a savings account id). */
  @Column({ type: 'varchar', length: 40 }) purpose: string;
  @Column({ name: 'purpose_ref', type: 'varchar', length: 64, nullable: true }) purposeRef: string | null;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  @Column({ name: 'initiated_by', type: 'integer', nullable: true }) initiatedBy: number | null;
  @Column({ name: 'payment_url', type: 'varchar', length: 255, nullable: true }) paymentUrl: string | null;
  @Column({ name: 'failure_reason', type: 'varchar', length: 64, nullable: true }) failureReason:
    string | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
  @Column({ name: 'completed_at', type: 'datetime', precision: 3, nullable: true }) completedAt: Date | null;
}

export const paymentEntities = [PaymentTransaction];
