import { Accounts1764100000000 } from './1764100000000-Accounts';

/** Every migration, in order. Listed explicitly so the same list runs from ts (tests) and js (dist). */
export const migrations = [Accounts1764100000000];
