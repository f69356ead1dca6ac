import { Accounts1764100000000 } from './1764100000000-Accounts';
import { Ussd1764200000000 } from './1764200000000-Ussd';
import { Ledger1764300000000 } from './1764300000000-Ledger';
import { Payments1764400000000 } from './1764400000000-Payments';

/** Every migration, in order. Listed explicitly so the same list runs from ts (tests) and js (dist). */
export const migrations = [
  Accounts1764100000000,
  Ussd1764200000000,
  Ledger1764300000000,
  Payments1764400000000,
];
