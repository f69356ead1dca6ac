import type { Module } from '../contract';
import type { LoansContext } from './parts';

/** STUB (issue 14): USSD `5. Prets` (its flow and menu services). */
export function loansUssd(ctx: LoansContext): NonNullable<Module['ussd']> {
  void ctx;
  return {};
}
