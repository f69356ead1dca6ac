import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One row per ended USSD session, from Africa's Talking's end-of-session notification. */
@Entity('ussd_sessions')
export class UssdSessionLog {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'session_id', type: 'varchar', length: 100 }) sessionId: string;
  @Column({ type: 'varchar', length: 20 }) phone: string;
  @Column({ name: 'service_code', type: 'varchar', length: 32, nullable: true }) serviceCode: string | null;
  @Column({ name: 'network_code', type: 'varchar', length: 16, nullable: true }) networkCode: string | null;
  @Column({ type: 'varchar', length: 16 }) status: string;
  @Column({ name: 'duration_ms', type: 'integer' }) durationMs: number;
  @Column({ type: 'integer' }) hops: number;
  @Column({ type: 'varchar', length: 32, nullable: true }) flow: string | null;
  @Column({ name: 'last_screen', type: 'text', nullable: true }) lastScreen: string | null;
  @Column({ name: 'error_message', type: 'varchar', length: 255, nullable: true }) errorMessage:
    string | null;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
}

export const ussdEntities = [UssdSessionLog];
