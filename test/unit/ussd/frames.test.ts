import { createActor } from 'xstate';
import { buildFlows, type MenuServices } from '../../../menus';
import { FrameSnapshots } from '../../../src/ussd/frames';
import { pureStepper } from '../../../src/ussd/stepper';

const flows = buildFlows('a-32-character-test-key-for-pins', {} as MenuServices);
const machine = flows.account.machine;
const input = { phone: '+2290197000001', lang: 'fr' as const, userId: 7 };

function restoreCounter() {
  const stepper = pureStepper(machine);
  let restores = 0;
  const counted = {
    ...stepper,
    restore: (f: Parameters<typeof stepper.restore>[0]) => (restores++, stepper.restore(f)),
  };
  return { stepper: counted, restores: () => restores };
}

describe('frame snapshots', () => {
  const snap = createActor(machine, { input }).getSnapshot();

  it('gives each frame an id no other frame or process has', () => {
    const a = new FrameSnapshots();
    const b = new FrameSnapshots();
    const ids = [a, b, a, b].map((cache) => cache.frame('account', 1, snap).id);
    expect(new Set(ids).size).toBe(4);
  });

  it('answers a frame it made from the cache, and restores one made elsewhere to the same snapshot', () => {
    const { stepper, restores } = restoreCounter();
    const here = new FrameSnapshots();
    const frame = here.frame('account', 1, snap);
    expect(here.restore(frame, stepper)).toBe(snap);
    expect(restores()).toBe(0);

    const elsewhere = new FrameSnapshots();
    const stored = JSON.parse(JSON.stringify(frame)) as typeof frame;
    const restored = elsewhere.restore(stored, stepper);
    expect(restores()).toBe(1);
    expect(restored.value).toEqual(snap.value);
    expect(restored.context).toEqual(snap.context);
    expect(elsewhere.restore(stored, stepper)).toBe(restored); // kept once restored
    expect(restores()).toBe(1);
  });

  it('stays within its bound', () => {
    const { stepper, restores } = restoreCounter();
    const cache = new FrameSnapshots(2);
    const first = cache.frame('account', 1, snap);
    cache.frame('account', 1, snap);
    cache.frame('account', 1, snap); // full: emptied, then this one kept
    expect(cache.restore(first, stepper).value).toEqual(snap.value);
    expect(restores()).toBe(1);
  });
});
