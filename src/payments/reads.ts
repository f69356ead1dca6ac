import type { Deps } from '../deps';
import type { Page } from '../http/pagination';
import { PaymentTransaction, type PaymentStatus, type PaymentType } from './entities';

/** Who may be listed: a client's own payments, or an SFD's (null: every SFD, the platform admin). */
export type PaymentScope = { clientId: number } | { sfdId: number | null };

export interface PaymentFilter {
  status?: PaymentStatus;
  type?: PaymentType;
  clientId?: number;
  reference?: string;
}

/** The payments' read side for the API: lists within a scope, newest first. */
export class PaymentReads {
  constructor(private readonly deps: Pick<Deps, 'db'>) {}

  async list(
    scope: PaymentScope,
    filter: PaymentFilter,
    page: Page,
  ): Promise<{ rows: PaymentTransaction[]; count: number }> {
    const qb = this.deps.db.getRepository(PaymentTransaction).createQueryBuilder('t');
    // The scope first; the filters only narrow it (a client_id filter never widens a client's view).
    if ('clientId' in scope) qb.where('t.client_id = :me', { me: scope.clientId });
    else if (scope.sfdId !== null) qb.where('t.sfd_id = :sfd', { sfd: scope.sfdId });
    if (filter.status) qb.andWhere('t.status = :status', { status: filter.status });
    if (filter.type) qb.andWhere('t.type = :type', { type: filter.type });
    if (filter.clientId) qb.andWhere('t.client_id = :client', { client: filter.clientId });
    if (filter.reference) qb.andWhere('t.reference = :ref', { ref: filter.reference });
    const [rows, count] = await qb.orderBy('t.id', 'DESC').skip(page.skip).take(page.take).getManyAndCount();
    return { rows, count };
  }
}
