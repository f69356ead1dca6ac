import type { EntityManager } from 'typeorm';
import { TontineParticipant } from './entities';

/**
 * The participant's row, locked (MySQL; SQLite runs one transaction at a time): every write about one
 * participant (a request, a decision, a payout's reversal) takes it first, so they take turns.
 */
export function lockParticipant(manager: EntityManager, id: number): Promise<TontineParticipant | null> {
  const mysql = manager.connection.options.type === 'mysql';
  return manager.findOne(TontineParticipant, {
    where: { id },
    ...(mysql ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
}
