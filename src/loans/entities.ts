import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../infra/columns';
import type { LocalDate } from '../shared/sfd-calendar';
import type { ScheduleMethod } from './schedule';

/**
 * Loans (issue 14). Every table carries `sfd_id` so each staff query is scoped with one indexed
 * predicate. Money is integer XOF (BIGINT); rates are integer basis points (1200 = 12 %); dates of the
 * schedule are the SFD's local calendar days (`YYYY-MM-DD`).
 */

/** The application's steps: soumis → en_cours_examen → transfere_admin → accorde | rejete. */
export type LoanApplicationStatus = 'soumis' | 'en_cours_examen' | 'transfere_admin' | 'accorde' | 'rejete';
/** The loan's, once granted: accorde → decaisse → en_remboursement → solde; en_defaut after N days late. */
export type LoanStatus = 'accorde' | 'decaisse' | 'en_remboursement' | 'solde' | 'en_defaut';
export type LoanChannel = 'ussd' | 'back_office';
export const LOAN_PURPOSES = ['commerce', 'agriculture', 'education', 'sante', 'logement', 'autre'] as const;
export type LoanPurpose = (typeof LOAN_PURPOSES)[number];
export type LoanMethod = 'mobile_money' | 'cash';
/** a_payer until everything of it (principal, interest not waived, penalties) is paid; then paye. */
export type InstalmentStatus = 'a_payer' | 'paye';
/** en_attente (a mobile-money payment pushed, or cash awaiting its confirmation) → confirme | echoue | annule. */
export type LoanPaymentStatus = 'en_attente' | 'confirme' | 'echoue' | 'annule';
export const GUARANTEE_TYPES = ['materiel', 'vehicule', 'immobilier', 'caution', 'autre'] as const;
export type GuaranteeType = (typeof GUARANTEE_TYPES)[number];

export const MIN_LOAN_AMOUNT = 10_000;
/** At most this many times the savings balance at application time. */
export const MAX_SAVINGS_MULTIPLE = 5;
/** The savings account must have been open this long. */
export const MIN_SAVINGS_AGE_DAYS = 90;
/** The UEMOA usury cap for SFDs, the default of each SFD's setting. */
export const DEFAULT_USURY_CAP_BP = 2400;
/** Days the oldest unpaid instalment may be late before the loan is en_defaut (default). */
export const DEFAULT_DEFAULT_AFTER_DAYS = 90;

@Entity('loan_settings')
export class LoanSettings {
  @PrimaryColumn({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'usury_cap_bp', type: 'integer' }) usuryCapBp: number;
  @Column({ name: 'default_after_days', type: 'integer' }) defaultAfterDays: number;
  @Column({ name: 'updated_by', type: 'integer', nullable: true }) updatedBy: number | null;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

@Entity('loan_applications')
export class LoanApplication {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  /** The client's id while this application or its loan is in progress; null once rejected or solde. */
  @Column({ name: 'open_client_id', type: 'integer', nullable: true }) openClientId: number | null;
  @Column({ type: 'varchar', length: 24 }) status: LoanApplicationStatus;
  /** The amount asked for. */
  @Column({ type: 'bigint', transformer: bigintNumber }) amount: number;
  @Column({ type: 'integer' }) months: number;
  @Column({ type: 'varchar', length: 24 }) purpose: LoanPurpose;
  /** Declared monthly income (back office), for the debt-to-income ratio. */
  @Column({ name: 'monthly_income', type: 'bigint', transformer: bigintNumber, nullable: true })
  monthlyIncome: number | null;
  @Column({ name: 'savings_account_id', type: 'integer' }) savingsAccountId: number;
  /** The savings balance when the application was made: the 5× limit is against it. */
  @Column({ name: 'savings_balance', type: 'bigint', transformer: bigintNumber }) savingsBalance: number;
  @Column({ type: 'varchar', length: 16 }) channel: LoanChannel;
  /** Staff who filed it for the client (null: the client, by USSD or the API). */
  @Column({ name: 'requested_by', type: 'integer', nullable: true }) requestedBy: number | null;
  @Column({ name: 'reviewed_by', type: 'integer', nullable: true }) reviewedBy: number | null;
  @Column({ name: 'reviewed_at', type: 'datetime', precision: 3, nullable: true }) reviewedAt: Date | null;
  @Column({ name: 'review_comment', type: 'varchar', length: 500, nullable: true })
  reviewComment: string | null;
  @Column({ name: 'forwarded_at', type: 'datetime', precision: 3, nullable: true }) forwardedAt: Date | null;
  @Column({ name: 'decided_by', type: 'integer', nullable: true }) decidedBy: number | null;
  @Column({ name: 'decided_at', type: 'datetime', precision: 3, nullable: true }) decidedAt: Date | null;
  /** Why it was rejected (told to the client). */
  @Column({ type: 'varchar', length: 500, nullable: true }) reason: string | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

/** The superviseur's terms of an application (one per application; revised until forwarded). */
@Entity('loan_terms')
export class LoanTerms {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'application_id', type: 'integer' }) applicationId: number;
  /** The amount to lend (at most the one asked for). */
  @Column({ type: 'bigint', transformer: bigintNumber }) amount: number;
  @Column({ name: 'annual_rate_bp', type: 'integer' }) annualRateBp: number;
  @Column({ type: 'integer' }) months: number;
  @Column({ type: 'varchar', length: 16 }) method: ScheduleMethod;
  /** The loan's fees (kept from the disbursement), in the TEG. */
  @Column({ type: 'bigint', transformer: bigintNumber }) fees: number;
  /** The daily penalty on a late instalment's unpaid amount, basis points per day. */
  @Column({ name: 'penalty_daily_bp', type: 'integer' }) penaltyDailyBp: number;
  /** The percentage of the amount held on the client's savings from grant to solde (0: none). */
  @Column({ name: 'guarantee_pct', type: 'integer' }) guaranteePct: number;
  /** The TEG of these terms, basis points (checked against the SFD's usury cap). */
  @Column({ name: 'teg_bp', type: 'integer' }) tegBp: number;
  @Column({ name: 'set_by', type: 'integer', nullable: true }) setBy: number | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

/** A guarantee other than the savings hold (goods, a vehicle, a surety…), with its attachments. */
@Entity('loan_guarantees')
export class LoanGuarantee {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'application_id', type: 'integer' }) applicationId: number;
  @Column({ type: 'varchar', length: 24 }) type: GuaranteeType;
  @Column({ type: 'bigint', transformer: bigintNumber }) value: number;
  @Column({ type: 'varchar', length: 500 }) description: string;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
}

/** A PDF of an application's file (or of one of its guarantees), encrypted in the document store. */
@Entity('loan_documents')
export class LoanDocument {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'application_id', type: 'integer' }) applicationId: number;
  @Column({ name: 'guarantee_id', type: 'integer', nullable: true }) guaranteeId: number | null;
  @Column({ type: 'varchar', length: 24 }) kind: string;
  @Column({ name: 'content_type', type: 'varchar', length: 40 }) contentType: string;
  @Column({ type: 'integer' }) size: number;
  @Column({ type: 'varchar', length: 64 }) sha256: string;
  @Column({ name: 'storage_key', type: 'varchar', length: 64 }) storageKey: string;
  @Column({ name: 'uploaded_by', type: 'integer', nullable: true }) uploadedBy: number | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
}

/** A granted loan: its terms copied from the application's at the grant. */
@Entity('loans')
export class Loan {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  @Column({ name: 'application_id', type: 'integer' }) applicationId: number;
  @Column({ type: 'varchar', length: 24 }) status: LoanStatus;
  @Column({ type: 'bigint', transformer: bigintNumber }) principal: number;
  @Column({ name: 'annual_rate_bp', type: 'integer' }) annualRateBp: number;
  @Column({ type: 'integer' }) months: number;
  @Column({ type: 'varchar', length: 16 }) method: ScheduleMethod;
  @Column({ type: 'bigint', transformer: bigintNumber }) fees: number;
  @Column({ name: 'penalty_daily_bp', type: 'integer' }) penaltyDailyBp: number;
  @Column({ name: 'teg_bp', type: 'integer' }) tegBp: number;
  @Column({ name: 'savings_account_id', type: 'integer' }) savingsAccountId: number;
  /** Held on the savings account from grant to solde (0: no savings guarantee). */
  @Column({ name: 'guarantee_amount', type: 'bigint', transformer: bigintNumber }) guaranteeAmount: number;
  @Column({ name: 'granted_by', type: 'integer', nullable: true }) grantedBy: number | null;
  @Column({ name: 'granted_at', type: 'datetime', precision: 3 }) grantedAt: Date;
  @Column({ name: 'disbursement_method', type: 'varchar', length: 16, nullable: true })
  disbursementMethod: LoanMethod | null;
  /** The disbursement payout's payment reference (mobile money). */
  @Column({ name: 'disbursement_reference', type: 'varchar', length: 40, nullable: true })
  disbursementReference: string | null;
  @Column({ name: 'disbursed_by', type: 'integer', nullable: true }) disbursedBy: number | null;
  @Column({ name: 'disbursed_at', type: 'datetime', precision: 3, nullable: true }) disbursedAt: Date | null;
  @Column({ name: 'first_due_date', type: 'varchar', length: 10, nullable: true })
  firstDueDate: LocalDate | null;
  @Column({ name: 'defaulted_at', type: 'datetime', precision: 3, nullable: true }) defaultedAt: Date | null;
  @Column({ name: 'closed_at', type: 'datetime', precision: 3, nullable: true }) closedAt: Date | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

/** One row of a loan's schedule, with what has been paid of it. */
@Entity('loan_instalments')
export class LoanInstalment {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'loan_id', type: 'integer' }) loanId: number;
  @Column({ type: 'integer' }) n: number;
  @Column({ name: 'due_date', type: 'varchar', length: 10 }) dueDate: LocalDate;
  @Column({ type: 'bigint', transformer: bigintNumber }) principal: number;
  @Column({ type: 'bigint', transformer: bigintNumber }) interest: number;
  @Column({ type: 'bigint', transformer: bigintNumber }) total: number;
  @Column({ name: 'principal_paid', type: 'bigint', transformer: bigintNumber }) principalPaid: number;
  @Column({ name: 'interest_paid', type: 'bigint', transformer: bigintNumber }) interestPaid: number;
  /** Interest forgiven by an early payoff (the periods after the current one). */
  @Column({ name: 'interest_waived', type: 'bigint', transformer: bigintNumber }) interestWaived: number;
  @Column({ name: 'penalty_accrued', type: 'bigint', transformer: bigintNumber }) penaltyAccrued: number;
  @Column({ name: 'penalty_paid', type: 'bigint', transformer: bigintNumber }) penaltyPaid: number;
  /** The last local day penalties were accrued for (null: none yet): the daily job's idempotency mark. */
  @Column({ name: 'penalty_through', type: 'varchar', length: 10, nullable: true })
  penaltyThrough: LocalDate | null;
  @Column({ type: 'varchar', length: 16 }) status: InstalmentStatus;
  @Column({ name: 'paid_at', type: 'datetime', precision: 3, nullable: true }) paidAt: Date | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

/** One day's penalty on one late instalment: at most one per (instalment, day), on a unique index. */
@Entity('loan_penalties')
export class LoanPenalty {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'loan_id', type: 'integer' }) loanId: number;
  @Column({ name: 'instalment_id', type: 'integer' }) instalmentId: number;
  @Column({ type: 'varchar', length: 10 }) day: LocalDate;
  /** The instalment's unpaid principal and interest that day: what the rate applied to. */
  @Column({ type: 'bigint', transformer: bigintNumber }) base: number;
  @Column({ type: 'bigint', transformer: bigintNumber }) amount: number;
  @Column({ name: 'journal_entry_key', type: 'varchar', length: 191 }) journalEntryKey: string;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
}

/** A repayment: mobile money pushed to the client's phone, or cash taken at the branch. */
@Entity('loan_payments')
export class LoanPayment {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'sfd_id', type: 'integer' }) sfdId: number;
  @Column({ name: 'loan_id', type: 'integer' }) loanId: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  @Column({ type: 'bigint', transformer: bigintNumber }) amount: number;
  @Column({ type: 'varchar', length: 16 }) method: LoanMethod;
  @Column({ type: 'varchar', length: 16 }) status: LoanPaymentStatus;
  @Column({ name: 'payment_reference', type: 'varchar', length: 40, nullable: true })
  paymentReference: string | null;
  /** The staff member who took the cash. */
  @Column({ name: 'collected_by', type: 'integer', nullable: true }) collectedBy: number | null;
  /** The cash desk's Idempotency-Key: unique per collector. */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 100, nullable: true })
  idempotencyKey: string | null;
  @Column({ name: 'journal_entry_key', type: 'varchar', length: 191, nullable: true })
  journalEntryKey: string | null;
  /** How the payment was allocated, once confirmed (their sum + excess = amount). */
  @Column({ name: 'penalty_part', type: 'bigint', transformer: bigintNumber }) penaltyPart: number;
  @Column({ name: 'interest_part', type: 'bigint', transformer: bigintNumber }) interestPart: number;
  @Column({ name: 'principal_part', type: 'bigint', transformer: bigintNumber }) principalPart: number;
  /** What was paid beyond everything owed (parked in suspense, for staff to give back). */
  @Column({ type: 'bigint', transformer: bigintNumber }) excess: number;
  @Column({ name: 'requested_by', type: 'integer', nullable: true }) requestedBy: number | null;
  @Column({ name: 'confirmed_by', type: 'integer', nullable: true }) confirmedBy: number | null;
  @Column({ name: 'confirmed_at', type: 'datetime', precision: 3, nullable: true }) confirmedAt: Date | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) reason: string | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

export const loansEntities = [
  LoanSettings,
  LoanApplication,
  LoanTerms,
  LoanGuarantee,
  LoanDocument,
  Loan,
  LoanInstalment,
  LoanPenalty,
  LoanPayment,
];
