import type { RouteSpec } from '../http/route';
import type { LoansContext } from './parts';

/** STUB (issue 14): the payments routes. */
export function paymentRoutes(ctx: LoansContext): RouteSpec[] {
  void ctx;
  return [];
}
