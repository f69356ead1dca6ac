import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../infra/columns';
import type { LocalDate } from '../shared/sfd-calendar';

/**
 * The collector tontine (tontine journaliere, "carte de 31 cases"). Every table carries `sfd_id` so
 * each staff query is scoped with one indexed predicate. Money is integer XOF (BIGINT).
 */

export type TontineStatus = 'active' | 'fermee' | 'suspendue';
export type AdhesionStatus =
  'demande_soumise' | 'validee_agent' | 'en_cours_paiement' | 'paiement_effectue' | 'adherent' | 'rejetee';
export type ParticipantStatus = 'actif' | 'inactif' | 'suspendu';
export type CotisationStatus = 'pending' | 'confirmee' | 'rejetee';
export type CotisationMethod = 'mobile_money' | 'cash';
export type RetraitStatus = 'pending' | 'approved' | 'rejected' | 'confirmee';

/** Boxes of one carnet (cycle); the first box of every cycle is the SFD's commission. */
export const CARNET_BOXES = 31;

@Entity('tontines')
export class Tontine {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ type: 'varchar', length: 120 }) name: string;
  @Column({ type: 'varchar', length: 16 }) status: TontineStatus;
  /** Daily stake (mise) bounds, XOF per day. */
  @Column({ name: 'stake_min', type: 'bigint', transformer: bigintNumber }) stakeMin: number;
  @Column({ name: 'stake_max', type: 'bigint', transformer: bigintNumber }) stakeMax: number;
  @Column({ name: 'joining_fee', type: 'bigint', transformer: bigintNumber }) joiningFee: number;
  /** Withdrawal rules: the smallest amount a client may withdraw, and the notice an agent has. */
  @Column({ name: 'min_withdrawal', type: 'bigint', transformer: bigintNumber }) minWithdrawal: number;
  @Column({ name: 'withdrawal_notice_days', type: 'integer' }) withdrawalNoticeDays: number;
  @Column({ name: 'created_by', type: 'integer', nullable: true }) createdBy: number | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

/** demande_soumise → validee_agent → en_cours_paiement → paiement_effectue → adherent, or rejetee. */
@Entity('tontine_adhesions')
export class Adhesion {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'tontine_id', type: 'integer' }) tontineId: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  /** The daily stake the client chose (within the tontine's bounds when submitted). */
  @Column({ type: 'bigint', transformer: bigintNumber }) stake: number;
  @Column({ type: 'varchar', length: 24 }) status: AdhesionStatus;
  /** The staff member who submitted it for the client (null: the client themself); never its decider. */
  @Column({ name: 'submitted_by', type: 'integer', nullable: true }) submittedBy: number | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) reason: string | null;
  @Column({ name: 'decided_by', type: 'integer', nullable: true }) decidedBy: number | null;
  @Column({ name: 'decided_at', type: 'datetime', precision: 3, nullable: true }) decidedAt: Date | null;
  /** Our reference of the joining-fee payment (payment_transactions.reference). */
  @Column({ name: 'payment_reference', type: 'varchar', length: 40, nullable: true })
  paymentReference: string | null;
  @Column({ name: 'participant_id', type: 'integer', nullable: true }) participantId: number | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

/** A client's membership of one tontine (at most one per tontine). */
@Entity('tontine_participants')
export class TontineParticipant {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'tontine_id', type: 'integer' }) tontineId: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  /** The current daily stake; a change is kept in `nextStake` and applies from the next cycle. */
  @Column({ type: 'bigint', transformer: bigintNumber }) stake: number;
  @Column({ name: 'next_stake', type: 'bigint', transformer: bigintNumber, nullable: true }) nextStake:
    number | null;
  @Column({ type: 'varchar', length: 16 }) status: ParticipantStatus;
  @Column({ name: 'joined_at', type: 'datetime', precision: 3 }) joinedAt: Date;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

/** One cycle of 31 boxes (carnet de cotisation); box 1 is the commission. */
@Entity('tontine_carnets')
export class Carnet {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'participant_id', type: 'integer' }) participantId: number;
  /** 1, 2, … */
  @Column({ type: 'integer' }) cycle: number;
  /** The stake, fixed for the whole cycle. */
  @Column({ type: 'bigint', transformer: bigintNumber }) stake: number;
  /** The SFD-local date of the first paid box; null until the cycle starts. */
  @Column({ name: 'started_on', type: 'varchar', length: 10, nullable: true }) startedOn: LocalDate | null;
  /** 0..31 */
  @Column({ name: 'boxes_paid', type: 'integer' }) boxesPaid: number;
  @Column({ name: 'completed_at', type: 'datetime', precision: 3, nullable: true }) completedAt: Date | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

/** A contribution: `days` boxes at the carnet's stake, of which `commission` XOF goes to the SFD. */
@Entity('tontine_cotisations')
export class Cotisation {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'participant_id', type: 'integer' }) participantId: number;
  @Column({ name: 'tontine_id', type: 'integer' }) tontineId: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  @Column({ type: 'bigint', transformer: bigintNumber }) amount: number;
  /** Boxes covered. */
  @Column({ type: 'integer' }) days: number;
  @Column({ type: 'bigint', transformer: bigintNumber }) commission: number;
  @Column({ type: 'varchar', length: 16 }) status: CotisationStatus;
  @Column({ type: 'varchar', length: 16 }) method: CotisationMethod;
  /** The field agent who took the cash (null for mobile money pushed to the client's phone). */
  @Column({ name: 'collected_by', type: 'integer', nullable: true }) collectedBy: number | null;
  @Column({ name: 'payment_reference', type: 'varchar', length: 40, nullable: true })
  paymentReference: string | null;
  /** The ledger entry's idempotency key (journal_entries.idem_key), set when confirmed. */
  @Column({ name: 'journal_entry_key', type: 'varchar', length: 191, nullable: true })
  journalEntryKey: string | null;
  /** A collector app's Idempotency-Key: unique per agent. */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 100, nullable: true })
  idempotencyKey: string | null;
  /** The short code of the client's SMS receipt (`NON <code>` disputes it). */
  @Column({ name: 'receipt_code', type: 'varchar', length: 16, nullable: true }) receiptCode: string | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
  @Column({ name: 'confirmed_at', type: 'datetime', precision: 3, nullable: true }) confirmedAt: Date | null;
}

/** pending → approved | rejected; approved → confirmee once paid out. */
@Entity('tontine_retraits')
export class Retrait {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'participant_id', type: 'integer' }) participantId: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  @Column({ type: 'bigint', transformer: bigintNumber }) amount: number;
  @Column({ type: 'varchar', length: 16 }) status: RetraitStatus;
  @Column({ type: 'varchar', length: 500, nullable: true }) reason: string | null;
  @Column({ name: 'decided_by', type: 'integer', nullable: true }) decidedBy: number | null;
  @Column({ name: 'decided_at', type: 'datetime', precision: 3, nullable: true }) decidedAt: Date | null;
  @Column({ name: 'payment_reference', type: 'varchar', length: 40, nullable: true })
  paymentReference: string | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

export const tontinesEntities = [Tontine, Adhesion, TontineParticipant, Carnet, Cotisation, Retrait];
