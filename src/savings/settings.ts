import type { EntityManager } from 'typeorm';
import { recordAudit } from '../accounts/audit';
import type { Deps } from '../deps';
import type { Principal } from '../http/auth';
import { forbidden, validationFailed } from '../http/errors';
import { isPlatformAdmin } from '../http/roles';
import { sfdScope } from '../http/scope';
import { DEFAULT_OPENING_FEE, SavingsSettings } from './entities';

/** The fee a new opening request of the SFD is charged: its setting, or DEFAULT_OPENING_FEE. */
export async function openingFeeOf(manager: EntityManager, sfdId: number): Promise<number> {
  const row = await manager.findOne(SavingsSettings, { where: { sfdId } });
  return row?.openingFee ?? DEFAULT_OPENING_FEE;
}

export interface SettingsView {
  sfdId: number;
  openingFee: number;
  updatedBy: number | null;
  updatedAt: Date | null;
}

/** The SFD's savings settings: read by its staff, set by its admin. */
export class SavingsSettingsService {
  constructor(private readonly deps: Pick<Deps, 'db' | 'clock'>) {}

  /** The SFD the caller's settings are: their own; the platform admin names one (`sfd_id`). */
  private sfdOf(p: Principal, asked?: number): number {
    const scope = sfdScope(p);
    if (scope !== null) return scope;
    if (!asked) throw validationFailed({ sfd_id: ['required'] });
    return asked;
  }

  async get(p: Principal, asked?: number): Promise<SettingsView> {
    const sfdId = this.sfdOf(p, asked);
    const row = await this.deps.db.manager.findOne(SavingsSettings, { where: { sfdId } });
    return row ?? { sfdId, openingFee: DEFAULT_OPENING_FEE, updatedBy: null, updatedAt: null };
  }

  /** The SFD's admin sets the opening fee of the requests made from now on (the older keep theirs). */
  async put(p: Principal, openingFee: number): Promise<SettingsView> {
    if (isPlatformAdmin(p.role) || p.sfdId === null) {
      throw forbidden('forbidden', 'only the SFD’s own admin sets its fees');
    }
    const sfdId = p.sfdId;
    const now = this.deps.clock.now();
    return this.deps.db.transaction(async (manager) => {
      const before = await manager.findOne(SavingsSettings, { where: { sfdId } });
      const row = manager.create(SavingsSettings, { sfdId, openingFee, updatedBy: p.userId, updatedAt: now });
      await manager.save(row);
      await recordAudit(
        manager,
        {
          actor: p,
          sfdId,
          action: 'savings.settings.update',
          targetType: 'savings_settings',
          targetId: sfdId,
          before: { opening_fee: before?.openingFee ?? DEFAULT_OPENING_FEE },
          after: { opening_fee: openingFee },
        },
        now,
      );
      return row;
    });
  }
}
