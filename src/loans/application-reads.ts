import type { FindOptionsWhere } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { AccountsDirectory } from '../accounts/directory';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { forbidden, notFound, validationFailed } from '../http/errors';
import type { Page } from '../http/pagination';
import { scopedSfdFilter, withinLocalDays } from '../http/scope';
import type { LocalDate } from '../shared/sfd-calendar';
import { LoanApplication, LoanSettings, LoanTerms, type LoanApplicationStatus } from './entities';
import type { LoanSettingsService, LoanSettingsView } from './settings';

/**
 * The applications' and terms' lists, and the SFD's loan settings (read by staff, changed by its
 * admin_sfd, audited). Every staff query is scoped to the caller's SFD; a client lists their own.
 */
export class LoanApplicationReads {
  constructor(
    private readonly deps: Pick<Deps, 'db' | 'clock'>,
    private readonly accounts: AccountsDirectory,
    private readonly settings: LoanSettingsService,
  ) {}

  async list(
    actor: Principal,
    filters: {
      status?: LoanApplicationStatus;
      clientId?: number;
      sfdId?: number;
      date_from?: LocalDate;
      date_to?: LocalDate;
    },
    page: Page,
  ): Promise<{ rows: LoanApplication[]; count: number }> {
    const where: FindOptionsWhere<LoanApplication> = {};
    if (actor.role === 'client') where.clientId = actor.userId;
    else {
      const sfdId = scopedSfdFilter(actor, filters.sfdId);
      if (sfdId !== null) where.sfdId = sfdId;
      if (filters.clientId !== undefined) where.clientId = filters.clientId;
    }
    if (filters.status) where.status = filters.status;
    const created = await withinLocalDays(
      actor,
      actor.role === 'client' ? undefined : (scopedSfdFilter(actor, filters.sfdId) ?? undefined),
      filters,
      this.accounts,
    );
    if (created) where.createdAt = created;
    const [rows, count] = await this.deps.db.manager.findAndCount(LoanApplication, {
      where,
      order: { id: 'DESC' },
      skip: page.skip,
      take: page.take,
    });
    return { rows, count };
  }

  /** Terms of the caller's SFD's applications (the platform admin: all, or `sfdId`'s). */
  async terms(
    actor: Principal,
    filters: { applicationId?: number; sfdId?: number },
    page: Page,
  ): Promise<{ rows: LoanTerms[]; count: number }> {
    const where: FindOptionsWhere<LoanTerms> = {};
    const sfdId = scopedSfdFilter(actor, filters.sfdId);
    if (sfdId !== null) where.sfdId = sfdId;
    if (filters.applicationId !== undefined) where.applicationId = filters.applicationId;
    const [rows, count] = await this.deps.db.manager.findAndCount(LoanTerms, {
      where,
      order: { id: 'DESC' },
      skip: page.skip,
      take: page.take,
    });
    return { rows, count };
  }

  /** The SFD whose settings a staff caller reads: their own; the platform admin names one. */
  private async settingsSfd(actor: Principal, asked?: number): Promise<number> {
    const sfdId = scopedSfdFilter(actor, asked);
    if (sfdId === null) throw validationFailed({ sfd_id: ['required'] });
    if (!(await this.accounts.sfd(sfdId))) throw notFound();
    return sfdId;
  }

  async settingsOf(actor: Principal, asked?: number): Promise<LoanSettingsView> {
    return this.settings.of(await this.settingsSfd(actor, asked));
  }

  /** The admin_sfd changes their SFD's settings (the platform admin does not: 403), audited. */
  async updateSettings(
    actor: Principal,
    change: { usuryCapBp?: number; defaultAfterDays?: number },
  ): Promise<LoanSettingsView> {
    if (actor.role !== 'admin_sfd' || actor.sfdId === null) {
      throw forbidden('forbidden', 'only an admin_sfd changes their SFD’s loan settings');
    }
    const sfdId = actor.sfdId;
    return this.deps.db.transaction(async (manager) => {
      const at = this.deps.clock.now();
      const before = await this.settings.of(sfdId, manager);
      const after = {
        usuryCapBp: change.usuryCapBp ?? before.usuryCapBp,
        defaultAfterDays: change.defaultAfterDays ?? before.defaultAfterDays,
      };
      await manager.save(
        manager.create(LoanSettings, { sfdId, ...after, updatedBy: actor.userId, updatedAt: at }),
      );
      const view = (s: { usuryCapBp: number; defaultAfterDays: number }) => ({
        usury_cap_bp: s.usuryCapBp,
        default_after_days: s.defaultAfterDays,
      });
      await recordAudit(
        manager,
        {
          actor,
          sfdId,
          action: 'loan.settings.update',
          targetType: 'loan_settings',
          targetId: sfdId,
          before: view(before),
          after: view(after),
        },
        at,
      );
      return this.settings.of(sfdId, manager);
    });
  }
}
