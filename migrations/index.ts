import { Accounts1764100000000 } from './1764100000000-Accounts';
import { Ussd1764200000000 } from './1764200000000-Ussd';
import { Ledger1764300000000 } from './1764300000000-Ledger';
import { Payments1764400000000 } from './1764400000000-Payments';
import { SmsOutbox1764500000000 } from './1764500000000-SmsOutbox';
import { Notifications1764600000000 } from './1764600000000-Notifications';
import { SmsOptOuts1764700000000 } from './1764700000000-SmsOptOuts';
import { SfdStaffOtp1764800000000 } from './1764800000000-SfdStaffOtp';
import { UsersCreatedAt1764900000000 } from './1764900000000-UsersCreatedAt';
import { SmsOutboxSecrets1765000000000 } from './1765000000000-SmsOutboxSecrets';
import { Tontines1765100000000 } from './1765100000000-Tontines';
import { TontineCollection1765200000000 } from './1765200000000-TontineCollection';
import { Savings1765300000000 } from './1765300000000-Savings';
import { NotificationsByType1765400000000 } from './1765400000000-NotificationsByType';
import { Loans1765500000000 } from './1765500000000-Loans';

/** Every migration, in order. Listed explicitly so the same list runs from ts (tests) and js (dist). */
export const migrations = [
  Accounts1764100000000,
  Ussd1764200000000,
  Ledger1764300000000,
  Payments1764400000000,
  SmsOutbox1764500000000,
  Notifications1764600000000,
  SmsOptOuts1764700000000,
  SfdStaffOtp1764800000000,
  UsersCreatedAt1764900000000,
  SmsOutboxSecrets1765000000000,
  Tontines1765100000000,
  TontineCollection1765200000000,
  Savings1765300000000,
  NotificationsByType1765400000000,
  Loans1765500000000,
];
