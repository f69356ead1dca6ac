import type { RouteSpec } from '../http/route';
import type { LoansContext } from './parts';

/** STUB (issue 14): the documents routes. */
export function documentRoutes(ctx: LoansContext): RouteSpec[] {
  void ctx;
  return [];
}
