import type { RouteSpec } from '../http/route';
import type { LoansContext } from './parts';

/** STUB (issue 14): the schedules routes. */
export function scheduleRoutes(ctx: LoansContext): RouteSpec[] {
  void ctx;
  return [];
}
