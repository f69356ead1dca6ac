import type { RouteSpec } from '../http/route';
import type { LoansContext } from './parts';

/** STUB (issue 14): the reports routes. */
export function reportRoutes(ctx: LoansContext): RouteSpec[] {
  void ctx;
  return [];
}
