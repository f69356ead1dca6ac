import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber, booleanFlag } from '../infra/columns';

/**
 * An account of the double-entry ledger. Its balance is the sum of its postings, kept up to date in
 * the same transaction as each posting; `mayGoNegative` is false for money owed to clients.
 */
@Entity('ledger_accounts')
export class LedgerAccount {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 64 }) code: string;
  @Column({ type: 'varchar', length: 32 }) kind: string;
  @Column({ name: 'sfd_id', type: 'integer', nullable: true }) sfdId: number | null;
  @Column({ name: 'owner_id', type: 'integer', nullable: true }) ownerId: number | null;
  @Column({ type: 'bigint', transformer: bigintNumber }) balance: number;
  @Column({ name: 'may_go_negative', type: 'boolean', transformer: booleanFlag }) mayGoNegative: boolean;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
}

/** One money movement. Never updated or deleted: a correction is a new, reversing entry. */
@Entity('journal_entries')
export class JournalEntry {
  @PrimaryGeneratedColumn() id: number;
  /** Idempotency key: the same key twice is the same movement. */
  @Column({ name: 'idem_key', type: 'varchar', length: 191 }) key: string;
  @Column({ type: 'varchar', length: 32 }) kind: string;
  @Column({ name: 'ref_type', type: 'varchar', length: 32, nullable: true }) refType: string | null;
  @Column({ name: 'ref_id', type: 'varchar', length: 64, nullable: true }) refId: string | null;
  @Column({ name: 'sfd_id', type: 'integer', nullable: true }) sfdId: number | null;
  @Column({ name: 'actor_id', type: 'integer', nullable: true }) actorId: number | null;
  /** SHA-256 of the entry's lines, to tell a replay from a different movement under a reused key. */
  @Column({ name: 'lines_hash', type: 'varchar', length: 64 }) linesHash: string;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
}

@Entity('postings')
export class Posting {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'entry_id', type: 'integer' }) entryId: number;
  @Column({ name: 'account_id', type: 'integer' }) accountId: number;
  /** Signed integer XOF; the postings of an entry sum to zero. */
  @Column({ type: 'bigint', transformer: bigintNumber }) amount: number;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
}

export const ledgerEntities = [LedgerAccount, JournalEntry, Posting];
