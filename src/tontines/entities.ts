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
/** ouverte → fondee (the client was right: the missing days are recorded) | rejetee (with a reason). */
export type ContestationStatus = 'ouverte' | 'fondee' | 'rejetee';
export type ContestationChannel = 'sms' | 'ussd';
/** declare (the agent handed cash to the branch) → confirme (a superviseur counted it). */
export type VersementStatus = 'declare' | 'confirme';

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
  /** When their latest confirmed contribution was recorded (null: none yet); the 3-day reminder's clock. */
  @Column({ name: 'last_contribution_at', type: 'datetime', precision: 3, nullable: true })
  lastContributionAt: Date | null;
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

/**
 * A client's dispute of a cash receipt (`NON <code>` by SMS, or on USSD, within 48 h): the collector
 * recorded less than he took. The agent's superviseur decides.
 */
@Entity('tontine_contestations')
export class Contestation {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  /** The disputed cash contribution (one dispute per contribution). */
  @Column({ name: 'cotisation_id', type: 'integer' }) cotisationId: number;
  @Column({ name: 'participant_id', type: 'integer' }) participantId: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  /** The collector who recorded the contribution. */
  @Column({ name: 'agent_id', type: 'integer' }) agentId: number;
  @Column({ type: 'varchar', length: 16 }) status: ContestationStatus;
  @Column({ type: 'varchar', length: 8 }) channel: ContestationChannel;
  /** The superviseur's reason (required to reject). */
  @Column({ type: 'varchar', length: 500, nullable: true }) reason: string | null;
  /** Upheld: the days the collector took and did not record, now recorded (`correctionCotisationId`). */
  @Column({ name: 'days_missing', type: 'integer', nullable: true }) daysMissing: number | null;
  @Column({ name: 'correction_cotisation_id', type: 'integer', nullable: true })
  correctionCotisationId: number | null;
  @Column({ name: 'decided_by', type: 'integer', nullable: true }) decidedBy: number | null;
  @Column({ name: 'decided_at', type: 'datetime', precision: 3, nullable: true }) decidedAt: Date | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

/**
 * Cash a field agent hands to the branch. The agent declares the amount; a superviseur of the SFD counts
 * it and confirms: the declared amount leaves the agent's cash account, the counted amount enters the
 * branch's cash, and the difference (counted − declared) is the agent's variance.
 */
@Entity('tontine_versements')
export class Versement {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'agent_id', type: 'integer' }) agentId: number;
  @Column({ name: 'declared_amount', type: 'bigint', transformer: bigintNumber }) declaredAmount: number;
  @Column({ name: 'counted_amount', type: 'bigint', transformer: bigintNumber, nullable: true })
  countedAmount: number | null;
  /** counted − declared: negative when cash is missing. */
  @Column({ type: 'bigint', transformer: bigintNumber, nullable: true }) variance: number | null;
  @Column({ type: 'varchar', length: 16 }) status: VersementStatus;
  /** The agent's id while the remittance awaits its count (unique: one open remittance per agent). */
  @Column({ name: 'open_agent_id', type: 'integer', nullable: true }) openAgentId: number | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) note: string | null;
  @Column({ name: 'confirmed_by', type: 'integer', nullable: true }) confirmedBy: number | null;
  @Column({ name: 'confirmed_at', type: 'datetime', precision: 3, nullable: true }) confirmedAt: Date | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

export const tontinesEntities = [
  Tontine,
  Adhesion,
  TontineParticipant,
  Carnet,
  Cotisation,
  Retrait,
  Contestation,
  Versement,
];
