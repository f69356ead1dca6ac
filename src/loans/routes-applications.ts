import type { RouteSpec } from '../http/route';
import type { LoansContext } from './parts';

/** STUB (issue 14): the applications routes. */
export function applicationRoutes(ctx: LoansContext): RouteSpec[] {
  void ctx;
  return [];
}
