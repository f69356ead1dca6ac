import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../infra/columns';

/**
 * Savings accounts (comptes epargne). Every table carries `sfd_id` so each staff query is scoped with one
 * indexed predicate. Money is integer XOF (BIGINT).
 */

/** en_cours_creation → validee_agent → paiement_effectue → actif; rejete; actif ⇄ suspendu; ferme. */
export type SavingsAccountStatus =
  'en_cours_creation' | 'validee_agent' | 'paiement_effectue' | 'actif' | 'suspendu' | 'ferme' | 'rejete';
export type SavingsTransactionType = 'depot' | 'retrait';
/** en_cours (a deposit's payment, or a withdrawal awaiting its agent or its payout) → confirmee | echouee | annulee. */
export type SavingsTransactionStatus = 'en_cours' | 'confirmee' | 'echouee' | 'annulee';
export type SavingsMethod = 'mobile_money' | 'cash';
export type SavingsDocumentKind = 'id_card' | 'photo';

/** The opening fee an SFD charges (default 1 000 when it set none; allowed 500–5 000). */
export const DEFAULT_OPENING_FEE = 1000;
export const OPENING_FEE_RANGE = { min: 500, max: 5000 } as const;
export const MIN_DEPOSIT = 100;
export const MIN_WITHDRAWAL = 500;

@Entity('savings_settings')
export class SavingsSettings {
  @PrimaryColumn({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'opening_fee', type: 'bigint', transformer: bigintNumber }) openingFee: number;
  @Column({ name: 'updated_by', type: 'integer', nullable: true }) updatedBy: number | null;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

/** A client's savings account, from its opening request on. Its number is formatAccountNumber(id). */
@Entity('savings_accounts')
export class SavingsAccount {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  /** The client's id while the request is in progress or the account exists; null once rejected or closed. */
  @Column({ name: 'open_client_id', type: 'integer', nullable: true }) openClientId: number | null;
  @Column({ type: 'varchar', length: 24 }) status: SavingsAccountStatus;
  /** The SFD's opening fee when the request was made: the amount the client pays. */
  @Column({ name: 'opening_fee', type: 'bigint', transformer: bigintNumber }) openingFee: number;
  /** Why it was rejected (told to the client by SMS). */
  @Column({ type: 'varchar', length: 500, nullable: true }) reason: string | null;
  /** The staff member who made the request for the client (null: the client, by USSD). */
  @Column({ name: 'requested_by', type: 'integer', nullable: true }) requestedBy: number | null;
  @Column({ name: 'decided_by', type: 'integer', nullable: true }) decidedBy: number | null;
  @Column({ name: 'decided_at', type: 'datetime', precision: 3, nullable: true }) decidedAt: Date | null;
  /** Our reference of the opening-fee payment (payment_transactions.reference). */
  @Column({ name: 'fee_payment_reference', type: 'varchar', length: 40, nullable: true })
  feePaymentReference: string | null;
  /** When the fee payment succeeded and the account became actif. */
  @Column({ name: 'opened_at', type: 'datetime', precision: 3, nullable: true }) openedAt: Date | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

/** An identity document of an opening request, stored encrypted in the document store (`storageKey`). */
@Entity('savings_documents')
export class SavingsDocument {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'account_id', type: 'integer' }) accountId: number;
  @Column({ type: 'varchar', length: 16 }) kind: SavingsDocumentKind;
  /** As recognized from the bytes (detectDocumentType), never as declared. */
  @Column({ name: 'content_type', type: 'varchar', length: 40 }) contentType: string;
  @Column({ type: 'integer' }) size: number;
  @Column({ type: 'varchar', length: 64 }) sha256: string;
  @Column({ name: 'storage_key', type: 'varchar', length: 64 }) storageKey: string;
  @Column({ name: 'uploaded_by', type: 'integer', nullable: true }) uploadedBy: number | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
}

/** A deposit or a withdrawal. */
@Entity('savings_transactions')
export class SavingsTransaction {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'account_id', type: 'integer' }) accountId: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  @Column({ type: 'varchar', length: 16 }) type: SavingsTransactionType;
  @Column({ type: 'varchar', length: 16 }) status: SavingsTransactionStatus;
  @Column({ type: 'varchar', length: 16 }) method: SavingsMethod;
  @Column({ type: 'bigint', transformer: bigintNumber }) amount: number;
  /** The agent who took or handed over the cash (cash only). */
  @Column({ name: 'collected_by', type: 'integer', nullable: true }) collectedBy: number | null;
  /** A collector app's Idempotency-Key (cash deposits): unique per agent. */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 100, nullable: true })
  idempotencyKey: string | null;
  @Column({ name: 'payment_reference', type: 'varchar', length: 40, nullable: true })
  paymentReference: string | null;
  /** The ledger entry's idempotency key (journal_entries.idem_key), set when the money moved. */
  @Column({ name: 'journal_entry_key', type: 'varchar', length: 191, nullable: true })
  journalEntryKey: string | null;
  /** Who asked (the client themself, or staff for them); null for a deposit by mobile money from USSD. */
  @Column({ name: 'requested_by', type: 'integer', nullable: true }) requestedBy: number | null;
  /** A withdrawal's deciding agent. */
  @Column({ name: 'decided_by', type: 'integer', nullable: true }) decidedBy: number | null;
  @Column({ name: 'decided_at', type: 'datetime', precision: 3, nullable: true }) decidedAt: Date | null;
  /** Why it was refused or failed. */
  @Column({ type: 'varchar', length: 500, nullable: true }) reason: string | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
  @Column({ name: 'confirmed_at', type: 'datetime', precision: 3, nullable: true }) confirmedAt: Date | null;
}

/**
 * Money held on an account (a loan's guarantee): it cannot be withdrawn until released. The available
 * balance is the ledger balance − the holds not released − the withdrawals awaiting their agent.
 */
@Entity('savings_holds')
export class SavingsHold {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'account_id', type: 'integer' }) accountId: number;
  @Column({ type: 'bigint', transformer: bigintNumber }) amount: number;
  /** e.g. `loan_guarantee`. */
  @Column({ type: 'varchar', length: 40 }) reason: string;
  @Column({ name: 'ref_type', type: 'varchar', length: 32, nullable: true }) refType: string | null;
  @Column({ name: 'ref_id', type: 'varchar', length: 64, nullable: true }) refId: string | null;
  @Column({ name: 'created_by', type: 'integer', nullable: true }) createdBy: number | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'released_at', type: 'datetime', precision: 3, nullable: true }) releasedAt: Date | null;
}

export const savingsEntities = [
  SavingsSettings,
  SavingsAccount,
  SavingsDocument,
  SavingsTransaction,
  SavingsHold,
];
