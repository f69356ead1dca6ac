import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * An in-app notification: one row per recipient (a staff broadcast is N rows), so reading one marks
 * it read for that person only. The original platform's `lue` flag is derived from `readAt`, which
 * also tells when it was read. Text is stored rendered in the recipient's language at creation.
 */
@Entity('notifications')
export class Notification {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'user_id', type: 'integer' }) userId: number;
  /** The recipient's SFD at the time (null for the platform admin): lets SFD-wide queries stay cheap. */
  @Column({ name: 'sfd_id', type: 'integer', nullable: true }) sfdId: number | null;
  /** What it is about, e.g. `kyc_pending`, `info`: clients pick icons and deep links from it. */
  @Column({ type: 'varchar', length: 32 }) type: string;
  @Column({ type: 'varchar', length: 200 }) title: string;
  @Column({ type: 'text' }) message: string;
  /** JSON text of machine-readable details (e.g. `{"client_id":12}`), or null. */
  @Column({ type: 'text', nullable: true }) data: string | null;
  @Column({ name: 'read_at', type: 'datetime', precision: 3, nullable: true }) readAt: Date | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
}

export const inAppEntities = [Notification];
