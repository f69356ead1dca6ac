import type { RouteSpec } from '../http/route';
import type { LoansContext } from './parts';

/** STUB (issue 14): the terms routes. */
export function termsRoutes(ctx: LoansContext): RouteSpec[] {
  void ctx;
  return [];
}
