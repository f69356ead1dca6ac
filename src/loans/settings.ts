import type { EntityManager } from 'typeorm';
import type { Deps } from '../deps';
import { DEFAULT_DEFAULT_AFTER_DAYS, DEFAULT_USURY_CAP_BP, LoanSettings } from './entities';

export interface LoanSettingsView {
  sfdId: number;
  /** The legal usury rate a loan's TEG may not exceed, basis points (default 2400: 24 %). */
  usuryCapBp: number;
  /** Days the oldest unpaid instalment may be late before the loan is en_defaut (default 90). */
  defaultAfterDays: number;
}

/** Each SFD's loan settings; an SFD that set none has the defaults. */
export class LoanSettingsService {
  constructor(private readonly deps: Pick<Deps, 'db' | 'clock'>) {}

  async of(sfdId: number, manager: EntityManager = this.deps.db.manager): Promise<LoanSettingsView> {
    const row = await manager.findOne(LoanSettings, { where: { sfdId } });
    return {
      sfdId,
      usuryCapBp: row?.usuryCapBp ?? DEFAULT_USURY_CAP_BP,
      defaultAfterDays: row?.defaultAfterDays ?? DEFAULT_DEFAULT_AFTER_DAYS,
    };
  }

  async update(
    sfdId: number,
    change: Partial<Pick<LoanSettingsView, 'usuryCapBp' | 'defaultAfterDays'>>,
    updatedBy: number,
  ): Promise<LoanSettingsView> {
    const current = await this.of(sfdId);
    await this.deps.db.manager.save(
      this.deps.db.manager.create(LoanSettings, {
        sfdId,
        usuryCapBp: change.usuryCapBp ?? current.usuryCapBp,
        defaultAfterDays: change.defaultAfterDays ?? current.defaultAfterDays,
        updatedBy,
        updatedAt: this.deps.clock.now(),
      }),
    );
    return this.of(sfdId);
  }
}
