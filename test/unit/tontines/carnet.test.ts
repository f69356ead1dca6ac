import fc from 'fast-check';
import {
  BOXES_PER_CARNET,
  CarnetError,
  allocate,
  freshState,
  type CarnetState,
} from '../../../src/tontines/carnet';

describe('carnet arithmetic (31 boxes, box 1 is the commission)', () => {
  it('stake 500: pays 3, then 40, then 1 (worked by hand)', () => {
    // Pay 3 from nothing: cycle 1 boxes 1, 2, 3. Box 1 is the commission: 500; credit 2 × 500.
    const first = allocate(freshState(500), 3);
    expect(first.boxes).toEqual([
      { cycle: 1, box: 1, stake: 500, commission: true },
      { cycle: 1, box: 2, stake: 500, commission: false },
      { cycle: 1, box: 3, stake: 500, commission: false },
    ]);
    expect(first).toMatchObject({
      amount: 1500,
      commission: 500,
      credit: 1000,
      after: { cycle: 1, boxesPaid: 3, stake: 500 },
      cyclesStarted: [1],
      carnetsCompleted: [],
    });

    // Pay 40: cycle 1 boxes 4–31 (28 boxes, no commission) then cycle 2 boxes 1–12 (12, box 1 is
    // commission). 40 × 500 = 20 000; commission 500 (cycle 2's box 1); credit 19 500.
    const second = allocate({ ...first.after }, 40);
    expect(second.boxes).toHaveLength(40);
    expect(second.boxes.slice(0, 28).every((b) => b.cycle === 1 && !b.commission)).toBe(true);
    expect(second.boxes[0]).toEqual({ cycle: 1, box: 4, stake: 500, commission: false });
    expect(second.boxes[27]).toEqual({ cycle: 1, box: 31, stake: 500, commission: false });
    expect(second.boxes[28]).toEqual({ cycle: 2, box: 1, stake: 500, commission: true });
    expect(second.boxes[39]).toEqual({ cycle: 2, box: 12, stake: 500, commission: false });
    expect(second).toMatchObject({
      amount: 20_000,
      commission: 500,
      credit: 19_500,
      after: { cycle: 2, boxesPaid: 12, stake: 500 },
      cyclesStarted: [2],
      carnetsCompleted: [1],
    });

    // Pay 1: cycle 2 box 13, no commission.
    const third = allocate({ ...second.after }, 1);
    expect(third).toEqual({
      boxes: [{ cycle: 2, box: 13, stake: 500, commission: false }],
      amount: 500,
      commission: 0,
      credit: 500,
      after: { cycle: 2, boxesPaid: 13, stake: 500 },
      cyclesStarted: [],
      carnetsCompleted: [],
      nextStakeApplied: false,
    });
  });

  it('a payment that ends on box 31 completes the carnet; the next one opens the next cycle', () => {
    const full = allocate({ cycle: 3, boxesPaid: 25, stake: 200 }, 6);
    expect(full).toMatchObject({
      amount: 1200,
      commission: 0,
      after: { cycle: 3, boxesPaid: 31 },
      carnetsCompleted: [3],
      cyclesStarted: [],
    });
    const next = allocate({ ...full.after }, 2);
    expect(next.boxes).toEqual([
      { cycle: 4, box: 1, stake: 200, commission: true },
      { cycle: 4, box: 2, stake: 200, commission: false },
    ]);
    expect(next).toMatchObject({ commission: 200, credit: 200, cyclesStarted: [4] });
  });

  it('31 days from a box just past the middle spans two cycles with one commission', () => {
    const a = allocate({ cycle: 1, boxesPaid: 30, stake: 1000 }, 31);
    // Box 31 of cycle 1, then boxes 1–30 of cycle 2.
    expect(a.boxes[0]).toEqual({ cycle: 1, box: 31, stake: 1000, commission: false });
    expect(a.boxes.filter((b) => b.commission)).toEqual([
      { cycle: 2, box: 1, stake: 1000, commission: true },
    ]);
    expect(a).toMatchObject({ amount: 31_000, commission: 1000, credit: 30_000, carnetsCompleted: [1] });
    expect(a.after).toEqual({ cycle: 2, boxesPaid: 30, stake: 1000 });
  });

  it('a stake change waits for the next cycle, then applies from its box 1', () => {
    // Cycle 1 at 29/31 with stake 500, the client asked for 1 000: boxes 30, 31 at 500, then 1 000.
    const a = allocate({ cycle: 1, boxesPaid: 29, stake: 500, nextStake: 1000 }, 4);
    expect(a.boxes.map((b) => [b.cycle, b.box, b.stake, b.commission])).toEqual([
      [1, 30, 500, false],
      [1, 31, 500, false],
      [2, 1, 1000, true],
      [2, 2, 1000, false],
    ]);
    expect(a).toMatchObject({
      amount: 3000,
      commission: 1000,
      credit: 2000,
      after: { cycle: 2, boxesPaid: 2, stake: 1000 },
      nextStakeApplied: true,
    });
    // Within the cycle the pending stake does nothing.
    const b = allocate({ cycle: 1, boxesPaid: 5, stake: 500, nextStake: 1000 }, 3);
    expect(b).toMatchObject({ amount: 1500, after: { stake: 500 }, nextStakeApplied: false });
  });

  it('a new participant whose stake changed before paying starts cycle 1 at the new stake', () => {
    const a = allocate(freshState(500, 700), 2);
    expect(a).toMatchObject({ amount: 1400, commission: 700, credit: 700, nextStakeApplied: true });
  });

  it('refuses days outside 1..31 and impossible states', () => {
    for (const days of [0, -1, 94, 1.5, Number.NaN]) {
      expect(() => allocate(freshState(500), days)).toThrow(CarnetError);
    }
    expect(() => allocate({ cycle: 0, boxesPaid: 0, stake: 500 }, 1)).toThrow(CarnetError);
    expect(() => allocate({ cycle: 1, boxesPaid: 32, stake: 500 }, 1)).toThrow(CarnetError);
    expect(() => allocate({ cycle: 1, boxesPaid: 3, stake: 0 }, 1)).toThrow(CarnetError);
    expect(() => allocate({ cycle: 1, boxesPaid: 3, stake: 500, nextStake: 12.5 }, 1)).toThrow(CarnetError);
    expect(allocate(freshState(500), 31).after).toEqual({ cycle: 1, boxesPaid: 31, stake: 500 });
    // Three carnets at most: 93 days from nothing complete cycles 1, 2 and 3.
    expect(allocate(freshState(500), 93)).toMatchObject({
      amount: 46_500,
      commission: 1500,
      after: { cycle: 3, boxesPaid: 31 },
      carnetsCompleted: [1, 2, 3],
    });
  });
});

describe('carnet properties', () => {
  const stake = fc.integer({ min: 1, max: 100_000 });
  const days = fc.integer({ min: 1, max: 93 });
  const state = fc.record({
    cycle: fc.integer({ min: 1, max: 1000 }),
    boxesPaid: fc.integer({ min: 0, max: BOXES_PER_CARNET }),
    stake,
    nextStake: fc.option(stake, { nil: null }),
  });

  it('one payment: amount = commission + credit; boxes = days; commission = stakes of the box-1s', () => {
    fc.assert(
      fc.property(state, days, (s, d) => {
        const a = allocate(s, d);
        expect(a.boxes).toHaveLength(d);
        expect(a.amount).toBe(a.commission + a.credit);
        expect(a.amount).toBe(a.boxes.reduce((sum, b) => sum + b.stake, 0));
        const ones = a.boxes.filter((b) => b.box === 1);
        expect(ones.every((b) => b.commission)).toBe(true);
        expect(a.boxes.filter((b) => b.commission)).toEqual(ones);
        expect(a.commission).toBe(ones.reduce((sum, b) => sum + b.stake, 0));
        // Without a stake change, commission is exactly the stake times the box-1s covered.
        if (s.nextStake === null) expect(a.commission).toBe(s.stake * ones.length);
        // The boxes follow one another: the next box after the state, never skipping or repeating.
        let cycle = s.cycle;
        let box = s.boxesPaid;
        for (const b of a.boxes) {
          if (box === BOXES_PER_CARNET) {
            cycle += 1;
            box = 0;
          }
          box += 1;
          expect([b.cycle, b.box]).toEqual([cycle, box]);
        }
        expect(a.after).toMatchObject({ cycle, boxesPaid: box });
        // Within one cycle, one stake.
        for (const c of new Set(a.boxes.map((b) => b.cycle))) {
          expect(new Set(a.boxes.filter((b) => b.cycle === c).map((b) => b.stake)).size).toBe(1);
        }
      }),
    );
  });

  it('any sequence of payments from nothing: every box paid once, one commission per cycle', () => {
    fc.assert(
      fc.property(stake, fc.array(days, { minLength: 1, maxLength: 40 }), (st, payments) => {
        let s: CarnetState = freshState(st);
        const paid: string[] = [];
        const commissionsByCycle = new Map<number, number>();
        let total = 0;
        let commission = 0;
        for (const d of payments) {
          const a = allocate(s, d);
          for (const b of a.boxes) {
            paid.push(`${b.cycle}:${b.box}`);
            if (b.commission) commissionsByCycle.set(b.cycle, (commissionsByCycle.get(b.cycle) ?? 0) + 1);
          }
          total += a.amount;
          commission += a.commission;
          s = { ...a.after };
        }
        const boxes = payments.reduce((x, y) => x + y, 0);
        expect(new Set(paid).size).toBe(boxes);
        expect(total).toBe(boxes * st);
        // Every cycle reached has exactly one commission box.
        const cycles = Math.ceil(boxes / BOXES_PER_CARNET);
        expect([...commissionsByCycle.keys()].sort((x, y) => x - y)).toEqual(
          Array.from({ length: cycles }, (_, i) => i + 1),
        );
        expect([...commissionsByCycle.values()].every((n) => n === 1)).toBe(true);
        expect(commission).toBe(cycles * st);
        expect(s).toEqual({ cycle: cycles, boxesPaid: boxes - (cycles - 1) * BOXES_PER_CARNET, stake: st });
      }),
    );
  });
});
