import { allocate } from '../../../src/tontines/carnet';
import { stateOf } from '../../../src/tontines/contributions';

describe('the carnet state of a participant', () => {
  it('never paid, no carnet: cycle 1, nothing paid, at their stake', () => {
    expect(stateOf({ stake: 500, nextStake: null }, null)).toEqual({
      cycle: 1,
      boxesPaid: 0,
      stake: 500,
      nextStake: null,
    });
  });

  it('a carnet under way keeps its own stake, whatever the participant asks for next', () => {
    const s = stateOf({ stake: 800, nextStake: 1000 }, { cycle: 2, boxesPaid: 17, stake: 500 });
    expect(s).toEqual({ cycle: 2, boxesPaid: 17, stake: 500, nextStake: 1000 });
    expect(allocate(s, 1).boxes).toEqual([{ cycle: 2, box: 18, stake: 500, commission: false }]);
  });

  it('a carnet opened empty when the client joined starts at the participant stake', () => {
    const s = stateOf({ stake: 700, nextStake: null }, { cycle: 1, boxesPaid: 0, stake: 500 });
    expect(allocate(s, 2)).toMatchObject({ amount: 1400, commission: 700, cyclesStarted: [1] });
  });

  it('after a complete carnet the next cycle takes the participant stake (changed while it was full)', () => {
    const s = stateOf({ stake: 1000, nextStake: null }, { cycle: 3, boxesPaid: 31, stake: 500 });
    expect(allocate(s, 1).boxes).toEqual([{ cycle: 4, box: 1, stake: 1000, commission: true }]);
  });
});
