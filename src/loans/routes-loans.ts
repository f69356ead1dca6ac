import type { RouteSpec } from '../http/route';
import type { LoansContext } from './parts';

/** STUB (issue 14): the loans routes. */
export function loanRoutes(ctx: LoansContext): RouteSpec[] {
  void ctx;
  return [];
}
