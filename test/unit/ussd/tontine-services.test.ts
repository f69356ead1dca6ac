import { Problem } from '../../../src/http/errors';
import type { Logger } from '../../../src/infra/logger';
import type { Carnet, Tontine, TontineParticipant } from '../../../src/tontines/entities';
import { tontineMenuServices, type TontineMenuNeeds } from '../../../src/tontines/menu-services';

/**
 * The tontine menus' services over fakes of the module's own services: who the caller acts as, how
 * the adhesion's refusals become menu outcomes, whose participations are offered, the balance lines.
 */
const tontine = (id: number, fields: Partial<Tontine> = {}) =>
  ({
    id,
    sfdId: 3,
    name: `Tontine ${id}`,
    status: 'active',
    stakeMin: 200,
    stakeMax: 5000,
    joiningFee: 1000,
    minWithdrawal: 400,
    ...fields,
  }) as Tontine;
const participant = (id: number, fields: Partial<TontineParticipant> = {}) =>
  ({
    id,
    sfdId: 3,
    tontineId: 1,
    clientId: 7,
    stake: 500,
    nextStake: null,
    status: 'actif',
    ...fields,
  }) as TontineParticipant;
const carnet = (participantId: number, cycle: number, boxesPaid: number, stake = 500) =>
  ({ participantId, cycle, boxesPaid, stake }) as Carnet;

const TONTINES = new Map([
  [1, tontine(1, { name: 'Tontine Marche' })],
  [2, tontine(2, { name: 'Tontine Port', status: 'suspendue' })],
  [3, tontine(3, { name: 'Tontine Gare' })],
]);
const SOLDES = [
  { participant: participant(21, { tontineId: 1 }), balance: 21000, carnet: carnet(21, 2, 13, 750) },
  { participant: participant(22, { tontineId: 2 }), balance: 1500, carnet: carnet(22, 1, 4) },
  { participant: participant(23, { tontineId: 3, status: 'suspendu' }), balance: 0, carnet: null },
];

function needs(over: Partial<Record<string, jest.Mock>> = {}) {
  const fakes = {
    client: jest.fn(async (id: number) => (id === 7 ? { id: 7, sfdId: 3 } : null)),
    list: jest.fn(async () => ({ rows: [...TONTINES.values()], count: 3 })),
    byId: jest.fn(async (id: number) => TONTINES.get(id) ?? null),
    submit: jest.fn(async () => ({})),
    quote: jest.fn(async () => ({
      amount: 1500,
      commission: 500,
      after: { cycle: 1, boxesPaid: 3, stake: 500 },
    })),
    startMobileMoney: jest.fn(async () => ({})),
    participant: jest.fn(async (id: number) =>
      id === 99 ? participant(99, { clientId: 8 }) : participant(id),
    ),
    soldes: jest.fn(async () => ({ rows: SOLDES, count: SOLDES.length })),
    // What is still available: the balance less 5 000 pending on the first participation.
    available: jest.fn(async (p: TontineParticipant) =>
      p.id === 21 ? 16000 : (SOLDES.find((r) => r.participant.id === p.id)?.balance ?? 0),
    ),
    request: jest.fn(async () => ({})),
    awaitingFee: jest.fn(async () => []),
    feeDue: jest.fn(async (id: number) => id === 7),
    pay: jest.fn(async () => ({ status: 'en_cours_paiement' })),
    ...over,
  };
  const logger = { error: jest.fn() } as unknown as Logger;
  const n = {
    accounts: { client: fakes.client },
    tontines: { list: fakes.list, byId: fakes.byId },
    adhesions: { submit: fakes.submit, feeDue: fakes.feeDue, awaitingFee: fakes.awaitingFee, pay: fakes.pay },
    contributions: { quote: fakes.quote, startMobileMoney: fakes.startMobileMoney },
    reads: { participant: fakes.participant, soldes: fakes.soldes },
    withdrawals: { request: fakes.request, available: fakes.available },
    logger,
  } as unknown as TontineMenuNeeds;
  return { fakes, logger, services: tontineMenuServices(n) };
}

describe('tontine menu services', () => {
  it('list the tontines as the client sees them (their SFD, through the tontines service)', async () => {
    const { fakes, services } = needs();
    const list = await services.listTontines({ userId: 7 });
    expect(list[0]).toEqual({
      id: 1,
      name: 'Tontine Marche',
      stakeMin: 200,
      stakeMax: 5000,
      joiningFee: 1000,
    });
    expect((fakes.list.mock.calls[0] as unknown[])[0]).toMatchObject({ userId: 7, role: 'client', sfdId: 3 });
    await expect(services.listTontines({ userId: 5 })).rejects.toMatchObject({ status: 404 });
  });

  it('submit the adhesion as the client, and turn its refusals into menu outcomes', async () => {
    const { fakes, services, logger } = needs();
    expect(await services.submitAdhesion({ userId: 7, tontineId: 1, stake: 700 })).toBe('sent');
    expect(fakes.submit).toHaveBeenCalledWith(expect.objectContaining({ userId: 7, role: 'client' }), {
      tontine_id: 1,
      stake: 700,
    });
    fakes.submit.mockRejectedValueOnce(new Problem(409, 'conflict', 'x', { tontine_id: ['unique'] }));
    expect(await services.submitAdhesion({ userId: 7, tontineId: 1, stake: 700 })).toBe('already');
    fakes.submit.mockRejectedValueOnce(
      new Problem(400, 'validation', 'x', { tontine_id: ['tontine_inactive'] }),
    );
    expect(await services.submitAdhesion({ userId: 7, tontineId: 1, stake: 700 })).toBe('closed');
    fakes.submit.mockRejectedValueOnce(
      new Problem(400, 'validation', 'x', { stake: ['stake_out_of_range'] }),
    );
    expect(await services.submitAdhesion({ userId: 7, tontineId: 1, stake: 700 })).toBe('closed');
    fakes.submit.mockRejectedValueOnce(new Error('db down'));
    await expect(services.submitAdhesion({ userId: 7, tontineId: 1, stake: 700 })).rejects.toThrow('db down');
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ service: 'submitAdhesion' }),
      expect.any(String),
    );
  });

  it('offer only active participations in active tontines, at the current carnet stake', async () => {
    const { services } = needs();
    expect(await services.listParticipations({ userId: 7 })).toEqual([
      { participantId: 21, name: 'Tontine Marche', stake: 750 },
    ]);
  });

  it("quote and start only the caller's own participation", async () => {
    const { fakes, services } = needs();
    expect(await services.quoteContribution({ userId: 7, participantId: 21, days: 3 })).toEqual({
      amount: 1500,
      commission: 500,
      cycle: 1,
      boxesPaid: 3,
    });
    await services.startContribution({ userId: 7, participantId: 21, days: 3 });
    expect(fakes.startMobileMoney).toHaveBeenCalledWith({ participantId: 21, days: 3, initiatedBy: 7 });
    await expect(services.quoteContribution({ userId: 7, participantId: 99, days: 3 })).rejects.toMatchObject(
      {
        status: 404,
      },
    );
    await expect(services.startContribution({ userId: 7, participantId: 99, days: 3 })).rejects.toMatchObject(
      {
        status: 404,
      },
    );
    expect(fakes.startMobileMoney).toHaveBeenCalledTimes(1);
  });

  it('write one balance line per participation in the caller language, with what may be withdrawn', async () => {
    const { services } = needs();
    const lines = await services.loadBalances({ userId: 7, lang: 'fr' });
    expect(lines.map((l) => l.label)).toEqual([
      'Tontine Marche: 21 000 FCFA, Carnet 2: 13/31',
      'Tontine Port: 1 500 FCFA, Carnet 1: 4/31',
      'Tontine Gare: 0 FCFA, Carnet 1: 0/31',
    ]);
    expect(lines[0]).toEqual({
      label: 'Tontine Marche: 21 000 FCFA, Carnet 2: 13/31',
      participantId: 21,
      name: 'Tontine Marche',
      balance: 21000,
      cycle: 2,
      boxesPaid: 13,
      available: 16000,
      minWithdrawal: 400,
    });
    expect((await services.loadBalances({ userId: 7, lang: 'en' }))[0].label).toBe(
      'Tontine Marche: 21 000 FCFA, Card 2: 13/31',
    );
  });

  it('ask for a withdrawal as the client, and turn its refusals into menu outcomes', async () => {
    const { services, fakes } = needs();
    expect(await services.requestWithdrawal({ userId: 7, participantId: 21, amount: 5000 })).toBe('sent');
    expect(fakes.request).toHaveBeenCalledWith(
      expect.objectContaining({ userId: 7, role: 'client', sfdId: 3 }),
      {
        participantId: 21,
        amount: 5000,
      },
    );
    fakes.request.mockRejectedValueOnce(new Problem(409, 'insufficient_funds', 'at most 0 XOF'));
    expect(await services.requestWithdrawal({ userId: 7, participantId: 21, amount: 5000 })).toBe(
      'insufficient',
    );
    fakes.request.mockRejectedValueOnce(new Problem(400, 'validation', 'x', { amount: ['min_withdrawal'] }));
    expect(await services.requestWithdrawal({ userId: 7, participantId: 21, amount: 5 })).toBe('below_min');
    fakes.request.mockRejectedValueOnce(new Problem(404, 'not_found', 'x'));
    await expect(
      services.requestWithdrawal({ userId: 7, participantId: 99, amount: 5000 }),
    ).rejects.toMatchObject({
      status: 404,
    });
  });

  it('tell the fees due and start one as the client: pushed, a free tontine joined, one pending', async () => {
    const due = [{ adhesion: { id: 31 }, tontine: tontine(1, { name: 'Tontine Marche', joiningFee: 1000 }) }];
    const { services, fakes } = needs({ awaitingFee: jest.fn(async (id: number) => (id === 7 ? due : [])) });
    expect(await services.feeDue({ userId: 7 })).toBe(true);
    expect(await services.feeDue({ userId: 8 })).toBe(false);
    expect(await services.listFeesDue({ userId: 7 })).toEqual([
      { adhesionId: 31, name: 'Tontine Marche', fee: 1000 },
    ]);
    expect(await services.startFeePayment({ userId: 7, adhesionId: 31 })).toBe('started');
    expect(fakes.pay).toHaveBeenCalledWith(expect.objectContaining({ userId: 7, role: 'client' }), 31);
    fakes.pay.mockResolvedValueOnce({ status: 'adherent' });
    expect(await services.startFeePayment({ userId: 7, adhesionId: 31 })).toBe('joined');
    fakes.pay.mockRejectedValueOnce(new Problem(409, 'conflict', 'pending'));
    expect(await services.startFeePayment({ userId: 7, adhesionId: 31 })).toBe('pending');
  });
});
