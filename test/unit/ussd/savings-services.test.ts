import { Problem } from '../../../src/http/errors';
import type { Logger } from '../../../src/infra/logger';
import { SavingsAccount, SavingsSettings } from '../../../src/savings/entities';
import { savingsMenuServices, type SavingsMenuNeeds } from '../../../src/savings/menu-services';

/**
 * "4. Epargne"'s services over fakes of the savings module's services: who the caller acts as, which
 * account is theirs, how the services' refusals become menu outcomes, what the mini statement shows.
 */
const account = (id: number, fields: Partial<SavingsAccount> = {}) =>
  ({
    id,
    sfdId: 3,
    clientId: 7,
    openClientId: 7,
    status: 'actif',
    openingFee: 1500,
    reason: null,
    ...fields,
  }) as SavingsAccount;

/** The accounts the fake manager finds: the open one (openClientId), else the client's latest. */
function needs(rows: { open?: SavingsAccount; latest?: SavingsAccount; fee?: number }, over = {}) {
  const findOne = jest.fn(async (entity: unknown, { where }: { where: Record<string, unknown> }) => {
    if (entity === SavingsSettings) return rows.fee === undefined ? null : { sfdId: 3, openingFee: rows.fee };
    if (entity !== SavingsAccount) return null;
    if (where.openClientId === 7) return rows.open ?? null;
    if (where.clientId === 7) return rows.latest ?? rows.open ?? null;
    return null;
  });
  const fakes = {
    client: jest.fn(async (id: number) => (id === 7 ? { id: 7, sfdId: 3 } : null)),
    requestFromPhone: jest.fn(async () => account(1, { status: 'en_cours_creation' })),
    payFees: jest.fn(async () => account(1)),
    startMobileMoney: jest.fn(async () => ({})),
    request: jest.fn(async () => ({})),
    miniStatement: jest.fn(async () => ({ status: 'none' })),
    ...over,
  };
  const logger = { error: jest.fn() } as unknown as Logger;
  const built: SavingsMenuNeeds = {
    deps: { db: { manager: { findOne } } } as never,
    accounts: { client: fakes.client } as never,
    opening: { requestFromPhone: fakes.requestFromPhone, payFees: fakes.payFees } as never,
    deposits: { startMobileMoney: fakes.startMobileMoney } as never,
    withdrawals: { request: fakes.request } as never,
    statements: { miniStatement: fakes.miniStatement } as never,
    logger,
  };
  return { services: savingsMenuServices(built), fakes, logger };
}

const CLIENT = { userId: 7, role: 'client', sfdId: 3 };

describe('loadSavings', () => {
  it('without an account, or with a closed one: none, at the SFD fee of today', async () => {
    expect(await needs({ fee: 2500 }).services.loadSavings({ userId: 7 })).toEqual({
      status: 'none',
      accountNumber: '',
      fee: 2500,
      reason: null,
    });
    const closed = needs({ latest: account(4, { status: 'ferme', openClientId: null }) });
    expect(await closed.services.loadSavings({ userId: 7 })).toMatchObject({ status: 'none', fee: 1000 });
  });

  it("gives a request's status and fee, a rejection's reason with the fee a new request pays", async () => {
    const pending = needs({ open: account(12, { status: 'validee_agent' }), fee: 2500 });
    expect(await pending.services.loadSavings({ userId: 7 })).toEqual({
      status: 'validee_agent',
      accountNumber: 'CSC-0000012-5',
      fee: 1500,
      reason: null,
    });
    const rejected = needs({
      latest: account(12, { status: 'rejete', openClientId: null, reason: 'Photo floue' }),
      fee: 2500,
    });
    expect(await rejected.services.loadSavings({ userId: 7 })).toMatchObject({
      status: 'rejete',
      fee: 2500,
      reason: 'Photo floue',
    });
  });
});

describe('the opening and its fee', () => {
  it('requests from the phone; a request made meanwhile is "already"', async () => {
    const { services, fakes } = needs({});
    expect(await services.requestSavingsOpening({ userId: 7 })).toBe('sent');
    expect(fakes.requestFromPhone).toHaveBeenCalledWith(7);
    fakes.requestFromPhone.mockRejectedValueOnce(new Problem(409, 'conflict'));
    expect(await services.requestSavingsOpening({ userId: 7 })).toBe('already');
    fakes.requestFromPhone.mockRejectedValueOnce(new Problem(404, 'not_found'));
    await expect(services.requestSavingsOpening({ userId: 7 })).rejects.toMatchObject({ status: 404 });
  });

  it('pays the fee of their own account as the client; one pending is "pending"', async () => {
    const { services, fakes } = needs({ open: account(12, { status: 'validee_agent' }) });
    expect(await services.startSavingsFee({ userId: 7 })).toBe('started');
    expect(fakes.payFees).toHaveBeenCalledWith(expect.objectContaining(CLIENT), 12);
    fakes.payFees.mockRejectedValueOnce(new Problem(409, 'conflict'));
    expect(await services.startSavingsFee({ userId: 7 })).toBe('pending');
  });
});

describe('deposits and withdrawals', () => {
  it('starts a deposit on their own open account; below 100 never reaches the service', async () => {
    const { services, fakes } = needs({ open: account(12) });
    expect(await services.startSavingsDeposit({ userId: 7, amount: 2500 })).toBe('started');
    expect(fakes.startMobileMoney).toHaveBeenCalledWith(expect.objectContaining(CLIENT), {
      accountId: 12,
      amount: 2500,
    });
    await expect(services.startSavingsDeposit({ userId: 7, amount: 99 })).rejects.toBeInstanceOf(Problem);
    expect(fakes.startMobileMoney).toHaveBeenCalledTimes(1);
  });

  it('refuses money on a request not open yet', async () => {
    const { services, fakes } = needs({ open: account(12, { status: 'validee_agent' }) });
    await expect(services.startSavingsDeposit({ userId: 7, amount: 2500 })).rejects.toMatchObject({
      status: 404,
    });
    await expect(services.requestSavingsWithdrawal({ userId: 7, amount: 2500 })).rejects.toMatchObject({
      status: 404,
    });
    expect(fakes.startMobileMoney).not.toHaveBeenCalled();
    expect(fakes.request).not.toHaveBeenCalled();
  });

  it('requests a withdrawal: below 500 and not enough available become outcomes, other refusals fail', async () => {
    const { services, fakes } = needs({ open: account(12) });
    expect(await services.requestSavingsWithdrawal({ userId: 7, amount: 499 })).toBe('below_min');
    expect(fakes.request).not.toHaveBeenCalled();
    expect(await services.requestSavingsWithdrawal({ userId: 7, amount: 6000 })).toBe('sent');
    expect(fakes.request).toHaveBeenCalledWith(expect.objectContaining(CLIENT), {
      accountId: 12,
      amount: 6000,
    });
    fakes.request.mockRejectedValueOnce(new Problem(409, 'insufficient_funds'));
    expect(await services.requestSavingsWithdrawal({ userId: 7, amount: 6000 })).toBe('insufficient');
    fakes.request.mockRejectedValueOnce(new Problem(409, 'conflict', 'the savings account is suspendu'));
    await expect(services.requestSavingsWithdrawal({ userId: 7, amount: 6000 })).rejects.toMatchObject({
      code: 'conflict',
    });
  });
});

describe('savingsMiniStatement', () => {
  it("shows the service's lines of the page asked, in the caller's language", async () => {
    const miniStatement = jest.fn(async () => ({
      status: 'ok',
      page: 2,
      pages: 3,
      lines: [{ text: '03/12 +5 000 Depot' }, { text: '02/12 -1 000 Retrait' }],
    }));
    const { services } = needs({ open: account(12) }, { miniStatement });
    expect(await services.savingsMiniStatement({ userId: 7, lang: 'en', page: 2 })).toEqual({
      page: 2,
      pages: 3,
      lines: [{ label: '03/12 +5 000 Depot' }, { label: '02/12 -1 000 Retrait' }],
    });
    expect(miniStatement).toHaveBeenCalledWith(7, 2, 'en');
  });

  it('is empty for an account not open', async () => {
    const miniStatement = jest.fn(async () => ({
      status: 'not_open',
      accountId: 12,
      accountStatus: 'rejete',
    }));
    const { services } = needs({}, { miniStatement });
    expect(await services.savingsMiniStatement({ userId: 7, lang: 'fr', page: 1 })).toEqual({
      page: 1,
      pages: 1,
      lines: [],
    });
  });
});

describe('loadSavingsLine', () => {
  it('is null without an open account (no balance read)', async () => {
    for (const rows of [{}, { open: account(12, { status: 'en_cours_creation' }) }]) {
      expect(await needs(rows).services.loadSavingsLine({ userId: 7, lang: 'fr' })).toBeNull();
    }
  });
});

it('logs a failed service before the menu ends politely', async () => {
  const { services, logger } = needs(
    {},
    { requestFromPhone: jest.fn(() => Promise.reject(new Error('down'))) },
  );
  await expect(services.requestSavingsOpening({ userId: 7 })).rejects.toThrow('down');
  expect(logger.error).toHaveBeenCalledWith(
    expect.objectContaining({ service: 'requestSavingsOpening' }),
    'ussd menu service failed',
  );
});
