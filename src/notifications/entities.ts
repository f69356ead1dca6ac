import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { SmsEncoding } from '../shared/gsm7';
import type { SmsKind } from './sms';

/** queued → sent (→ delivered, from a delivery report) | failed (this number) | rejected (the request). */
export type SmsStatus = 'queued' | 'sent' | 'delivered' | 'failed' | 'rejected';

/**
 * One SMS to send, written by business code in its own transaction and sent by the delivery worker
 * after it commits. The unique dedupe key is what makes "never the same SMS twice" hold.
 */
@Entity('sms_outbox')
export class SmsOutboxEntry {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'to_phone', type: 'varchar', length: 20 }) toPhone: string;
  /**
   * Rendered in the recipient's language and folded to GSM-7 when queued: sent as is, unless the message
   * has secret params (a one-time code), which `body` shows masked (`******`, as long as the code, so the
   * row stays readable for support and its segments are those of the text sent).
   */
  @Column({ type: 'text' }) body: string;
  /**
   * A message with secret params only (else null): its `sms` template key, non-secret params (JSON) and
   * secret params (JSON, AES-256-GCM under a key derived from DOCUMENT_KEY). The worker renders the real
   * text from them at send time; the secret column is blanked when the row leaves `queued`, so a backup
   * never holds a code that may still work.
   */
  @Column({ type: 'varchar', length: 64, nullable: true }) template: string | null;
  @Column({ type: 'text', nullable: true }) params: string | null;
  @Column({ name: 'secret_params_enc', type: 'text', nullable: true }) secretParamsEnc: string | null;
  @Column({ type: 'varchar', length: 16 }) kind: SmsKind;
  @Column({ type: 'varchar', length: 16 }) status: SmsStatus;
  @Column({ name: 'provider_message_id', type: 'varchar', length: 100, nullable: true })
  providerMessageId: string | null;
  @Column({ type: 'integer' }) segments: number;
  @Column({ type: 'varchar', length: 8 }) encoding: SmsEncoding;
  /** As the provider states it, currency included (Africa's Talking: "XOF 25.0000"). */
  @Column({ type: 'varchar', length: 32, nullable: true }) cost: string | null;
  /** Sends tried (claimed by a worker). */
  @Column({ type: 'integer' }) attempts: number;
  @Column({ name: 'dedupe_key', type: 'varchar', length: 120 }) dedupeKey: string;
  @Column({ name: 'failure_reason', type: 'varchar', length: 120, nullable: true }) failureReason:
    string | null;
  @Column({ type: 'varchar', length: 5 }) lang: string;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime', precision: 3 }) updatedAt: Date;
  @Column({ name: 'sent_at', type: 'datetime', precision: 3, nullable: true }) sentAt: Date | null;
  @Column({ name: 'delivered_at', type: 'datetime', precision: 3, nullable: true }) deliveredAt: Date | null;
}

/**
 * A phone that answered STOP (ARRET): no more reminders to it until START (REPRISE). Receipts, alerts and
 * one-time codes still go: they answer something the client did.
 */
@Entity('sms_opt_outs')
export class SmsOptOut {
  @PrimaryColumn({ type: 'varchar', length: 20 }) phone: string;
  @Column({ name: 'created_at', type: 'datetime', precision: 3 }) createdAt: Date;
}

export const smsEntities = [SmsOutboxEntry, SmsOptOut];
